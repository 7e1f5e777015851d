/**
 * What the Dockerfile must be: a build stage with every dependency that compiles the sources
 * (tsc -p tsconfig.build.json), a runtime of production
 * dependencies only, a numeric non-root user, tini as PID 1 and node started in exec form with
 * the BFF's node flags, so SIGTERM reaches the BFF's own handler. And what it runs must work with
 * `npm ci --omit=dev`: no file the image runs imports a devDependency.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { BFF_NODE_FLAGS, CLIENT_NODE_FLAGS } from '../../bffs/kit/server/node-flags.ts';
import { BUILD_TSCONFIG, inImage, type DeployContext } from './context.ts';
import { copiedPaths, execForm, type Stage } from './dockerfile.ts';

export function dockerfileProblems(stages: Stage[], context: DeployContext): string[] {
  const problems: string[] = [];
  const fail = (message: string) => problems.push(`Dockerfile: ${message}`);
  if (stages.length < 2) return [`Dockerfile: expected a multi-stage build, found ${stages.length} stage(s)`];
  const runs = (stage: Stage) => stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.value);
  const installsAll = (stage: Stage) => runs(stage).some((run) => /\bnpm ci\b/.test(run) && !/--omit=dev/.test(run));
  const installsProduction = (stage: Stage) => runs(stage).some((run) => /\bnpm ci\b[^&;]*--omit=dev/.test(run));
  if (!stages.some(installsAll)) fail('no build stage runs `npm ci` with every dependency');
  const compiles = (stage: Stage) => runs(stage).some((run) => new RegExp(`\\btsc -p ${BUILD_TSCONFIG.replace('.', '\\.')}\\b`).test(run));
  if (!stages.some(compiles)) fail(`no build stage compiles the sources the image runs (\`tsc -p ${BUILD_TSCONFIG}\`)`);

  const runtime = stages.at(-1)!;
  if (installsAll(runtime)) fail('the runtime stage installs devDependencies');
  const modulesFrom = runtime.instructions.find((i) => i.keyword === 'COPY' && /\bnode_modules\b/.test(i.value))?.value.match(/--from=(\S+)/)?.[1];
  const modulesStage = stages.find((stage) => stage.name === modulesFrom);
  if (!(installsProduction(runtime) || (modulesStage && installsProduction(modulesStage)))) fail('the runtime stage\'s node_modules should come from `npm ci --omit=dev`');

  const last = (keyword: string) => runtime.instructions.filter((i) => i.keyword === keyword).at(-1)?.value;
  const user = last('USER');
  if (!user || !/^\d+(:\d+)?$/.test(user) || user.startsWith('0')) fail(`the runtime stage should end as a numeric non-root USER (Kubernetes' runAsNonRoot checks the number), got ${user}`);
  const nodeEnv = runtime.instructions.filter((i) => i.keyword === 'ENV').some((i) => /\bNODE_ENV[= ]"?production"?\b/.test(i.value));
  if (!nodeEnv) fail('the runtime stage should set ENV NODE_ENV=production');

  const entrypoint = execForm(last('ENTRYPOINT') ?? '');
  const cmd = execForm(last('CMD') ?? '');
  if (!entrypoint) fail(`ENTRYPOINT should be in exec form (a JSON array), so no shell stands between the signal and node; got ${last('ENTRYPOINT')}`);
  if (!cmd) fail(`CMD should be in exec form (a JSON array); got ${last('CMD')}`);
  if (entrypoint) {
    const expected = ['/usr/bin/tini', '--', 'node', ...BFF_NODE_FLAGS];
    if (JSON.stringify(entrypoint) !== JSON.stringify(expected)) fail(`ENTRYPOINT should be ${JSON.stringify(expected)} (tini, then node with bffs/kit/server/node-flags.ts's BFF_NODE_FLAGS, running compiled JavaScript), got ${JSON.stringify(entrypoint)}`);
    if (!runs(runtime).some((run) => /apt-get install[^&;]*\btini\b/.test(run))) fail('the runtime stage does not install tini (Debian\'s package)');
  }
  // Against this Dockerfile's own COPYs, not the committed one's.
  if (cmd) problems.push(...entryFileProblems('Dockerfile CMD', cmd, { ...context, imagePaths: copiedPaths(runtime) }));
  return problems;
}

/**
 * A command (CMD, compose's command, a pod's args) names one entry file the image holds: the
 * JavaScript the build stage compiles from a `.ts` beside it (tsconfig.build.json), copied in.
 * A client's BFF (`bffs/<client>/main.js`) is preceded by exactly that client's CLIENT_NODE_FLAGS
 * (node-flags.ts), which node reads after the ENTRYPOINT's.
 */
export function entryFileProblems(where: string, command: string[], context: DeployContext): string[] {
  const file = command.at(-1);
  const flags = command.slice(0, -1);
  const client = file?.match(/^bffs\/([^/]+)\/main\.[jt]s$/)?.[1];
  const expectedFlags = (client && CLIENT_NODE_FLAGS[client]) || [];
  if (!file || file.startsWith('-')) return [`${where}: should name one entry file, got ${JSON.stringify(command)}`];
  if (JSON.stringify(flags) !== JSON.stringify(expectedFlags)) {
    return [`${where}: ${expectedFlags.length ? `should be ${JSON.stringify([...expectedFlags, file])}: ${client}'s node flags (bffs/kit/server/node-flags.ts CLIENT_NODE_FLAGS), then its entry file` : `should name one entry file, got ${JSON.stringify(command)}`}`];
  }
  if (!file.endsWith('.js')) return [`${where}: ${file} is not what the image runs: name the compiled ${file.replace(/\.ts$/, '.js')} (\`tsc -p ${BUILD_TSCONFIG}\` in the build stage)`];
  const source = file.replace(/\.js$/, '.ts');
  if (!existsSync(join(context.root, source))) return [`${where}: ${file} is compiled from ${source}, which does not exist`];
  if (!context.compiled.some((path) => source === path || source.startsWith(`${path}/`))) return [`${where}: ${source} is not compiled by ${BUILD_TSCONFIG} (its include)`];
  if (!inImage(context, file)) return [`${where}: ${file} is not copied into the image`];
  return [];
}

/** Every package a file the image runs imports at run time is a production dependency. */
export function runtimeImportProblems(context: DeployContext): string[] {
  const manifest = JSON.parse(readFileSync(join(context.root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  const production = new Set(Object.keys(manifest.dependencies ?? {}));
  const builtins = new Set(builtinModules);
  const problems: string[] = [];
  // The project's own files: node_modules is what npm ci --omit=dev installed for them.
  // A compiled file the build stage emits (deploy/compose/mocks.js) is checked as its source.
  const ownPaths = context.imagePaths.filter((path) => path !== 'node_modules').map((path) => (path.endsWith('.js') && !existsSync(join(context.root, path)) ? path.replace(/\.js$/, '.ts') : path));
  for (const file of ownPaths.flatMap((path) => sourceFiles(join(context.root, path)))) {
    for (const specifier of runtimeImports(readFileSync(file, 'utf8'))) {
      if (specifier.startsWith('.') || specifier.startsWith('node:') || builtins.has(specifier.split('/')[0]!)) continue;
      const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
      if (!production.has(name)) problems.push(`${relative(context.root, file)}: imports ${name}, which is not in package.json's dependencies (the image installs those only)`);
    }
  }
  return problems;
}

/** Import specifiers that survive compilation (verbatimModuleSyntax): `import type` and `export type` do not. */
export function runtimeImports(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /^\s*import\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm,
    /^\s*export\s+(?!type\s)[^'";]*?\sfrom\s+['"]([^'"]+)['"]/gm,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1]!);
  return found;
}

function sourceFiles(path: string): string[] {
  if (!existsSync(path)) return [];
  if (statSync(path).isDirectory()) return readdirSync(path).flatMap((entry) => sourceFiles(join(path, entry)));
  return /\.(ts|mts|js|mjs)$/.test(path) && !path.endsWith('.d.ts') ? [path] : [];
}
