/** What the deploy rules check against: the README's variables, the client policies, the image. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENTS, constantName } from '../../bffs/clients.ts';
import type { ResiliencePolicy } from '../../bffs/kit/resilience/policy.ts';
import { documentedVariables, type DocumentedVariables } from './documented-variables.ts';
import { copiedPaths, parseDockerfile, type Stage } from './dockerfile.ts';

/** The TypeScript configuration the image's build stage compiles with (`tsc -p tsconfig.build.json`). */
export const BUILD_TSCONFIG = 'tsconfig.build.json';

export interface DeployContext {
  root: string;
  /** README.md's Configuration table: what a BFF reads. */
  documented: DocumentedVariables;
  /** downstream-mocks/README.md's Environment table: what the mocks read. */
  mocksDocumented: DocumentedVariables;
  /** Each client's request deadline, `<NAME>_POLICY.deadlineMs` of bffs/<client>/policy.ts. */
  deadlineMs: Record<string, number>;
  /** Each client's default PORT (bffs/clients.ts). */
  defaultPort: Record<string, number>;
  dockerfile: Stage[];
  /** Repository paths the image's last stage holds. */
  imagePaths: string[];
  /** What the build stage compiles to JavaScript: tsconfig.build.json's include (paths, no globs). */
  compiled: string[];
}

export async function loadContext(root: string): Promise<DeployContext> {
  const read = (path: string) => readFileSync(join(root, path), 'utf8');
  const deadlineMs: Record<string, number> = {};
  for (const { name } of CLIENTS) {
    const policy = (await import(join(root, 'bffs', name, 'policy.ts'))) as Record<string, ResiliencePolicy | undefined>;
    const deadline = policy[`${constantName(name)}_POLICY`]?.deadlineMs;
    if (typeof deadline !== 'number') throw new Error(`bffs/${name}/policy.ts exports no ${constantName(name)}_POLICY.deadlineMs`);
    deadlineMs[name] = deadline;
  }
  const dockerfile = parseDockerfile(read('Dockerfile'));
  return {
    root,
    documented: documentedVariables(read('README.md'), '## Configuration'),
    mocksDocumented: documentedVariables(read('downstream-mocks/README.md'), '## Environment'),
    deadlineMs,
    defaultPort: Object.fromEntries(CLIENTS.map(({ name, port }) => [name, port])),
    dockerfile,
    imagePaths: dockerfile.length ? copiedPaths(dockerfile.at(-1)!) : [],
    compiled: (JSON.parse(read(BUILD_TSCONFIG)) as { include: string[] }).include,
  };
}

/** Whether the image holds `path` (a file the command names). */
export const inImage = (context: DeployContext, path: string) =>
  context.imagePaths.some((copied) => path === copied || path.startsWith(`${copied}/`));
