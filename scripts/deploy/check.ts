/**
 * `npm run deploy:check`: the deployment artifacts, validated offline (deploy/README.md).
 *   - renders every deploy/kubernetes overlay (kustomize.ts) and, where kubectl is installed,
 *     requires `kubectl kustomize` to render the same objects;
 *   - validates every object against the Kubernetes API's JSON schemas (kubernetes-schema.ts);
 *   - holds each overlay, the Dockerfile and compose.yaml to the project (the *-rules.ts files);
 *   - runs `haproxy -c` on compose's HAProxy configuration (predeploy:check installs Debian's haproxy).
 * Exits 1 and prints every problem when there is one.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';
import { HAPROXY } from '../prerequisites/debian-tools.ts';
import { composeProblems } from './compose-rules.ts';
import { loadContext } from './context.ts';
import { dockerfileProblems, runtimeImportProblems } from './image-rules.ts';
import { crossOverlayProblems, overlayProblems } from './kubernetes-rules.ts';
import { nodeLineProblems } from './node-line-rule.ts';
import { schemaProblems } from './kubernetes-schema.ts';
import { parseObjects, renderKustomization, type K8sObject } from './kustomize.ts';

export const OVERLAYS_DIR = 'deploy/kubernetes/overlays';
export const HAPROXY_CONFIG = 'deploy/compose/haproxy.cfg';

export interface CheckResult {
  problems: string[];
  /** What was checked, and what could not be here (no kubectl, no haproxy). */
  notes: string[];
}

export function renderOverlays(root: string): Map<string, K8sObject[]> {
  const dir = join(root, OVERLAYS_DIR);
  const names = readdirSync(dir, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  return new Map(names.map((name) => [name, renderKustomization(join(dir, name))]));
}

export async function runDeployCheck(root: string, { tools = true } = {}): Promise<CheckResult> {
  const problems: string[] = [];
  const notes: string[] = [];
  const context = await loadContext(root);
  const overlays = renderOverlays(root);
  for (const [client, objects] of overlays) {
    problems.push(...objects.flatMap(schemaProblems).map((problem) => `${client}: ${problem}`));
    problems.push(...overlayProblems(client, objects, context));
    notes.push(`${client}: ${objects.length} objects rendered (${objects.map((o) => o.kind).join(', ')})`);
  }
  problems.push(...crossOverlayProblems(overlays));
  for (const { name } of Object.entries(context.deadlineMs).map(([name]) => ({ name }))) {
    if (!overlays.has(name)) notes.push(`${name}: no overlay under ${OVERLAYS_DIR} (a new client deploys once it has one)`);
  }
  problems.push(...dockerfileProblems(context.dockerfile, context), ...runtimeImportProblems(context));
  const { engines } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } };
  problems.push(...nodeLineProblems(readFileSync(join(root, 'Dockerfile'), 'utf8'), engines.node));
  const haproxyConfig = readFileSync(join(root, HAPROXY_CONFIG), 'utf8');
  problems.push(...composeProblems(readFileSync(join(root, 'compose.yaml'), 'utf8'), haproxyConfig, overlays, context));
  if (tools) {
    const kubectl = kubectlProblems(root, overlays);
    problems.push(...kubectl.problems);
    notes.push(...kubectl.notes);
    const haproxy = haproxyProblems(root);
    problems.push(...haproxy.problems);
    notes.push(...haproxy.notes);
  }
  return { problems, notes };
}

/** The in-process renderer against the real kustomize, wherever kubectl is installed. */
function kubectlProblems(root: string, overlays: Map<string, K8sObject[]>): CheckResult {
  const result: CheckResult = { problems: [], notes: [] };
  for (const [client, mine] of overlays) {
    const run = spawnSync('kubectl', ['kustomize', join(root, OVERLAYS_DIR, client)], { encoding: 'utf8', timeout: 60_000 });
    if (run.error) {
      result.notes.push('kubectl not found: the renderer was not compared with kustomize (the checks above stand)');
      return result;
    }
    if (run.status !== 0) {
      result.problems.push(`${client}: kubectl kustomize failed: ${run.stderr.trim()}`);
      continue;
    }
    const id = (object: K8sObject) => `${object.kind}/${object.metadata.name}`;
    const theirs = new Map(parseObjects(run.stdout, `kubectl kustomize ${client}`).map((object) => [id(object), object]));
    const ours = new Map(mine.map((object) => [id(object), object]));
    for (const key of new Set([...theirs.keys(), ...ours.keys()])) {
      if (!isDeepStrictEqual(theirs.get(key), ours.get(key))) result.problems.push(`${client}: ${key} renders differently with kubectl kustomize than with scripts/deploy/kustomize.ts`);
    }
    result.notes.push(`${client}: the same ${theirs.size} objects as kubectl kustomize`);
  }
  return result;
}

function haproxyProblems(root: string): CheckResult {
  // npm run deploy:check installs Debian's haproxy first when it is missing (its predeploy:check).
  const run = spawnSync(HAPROXY, ['-c', '-f', join(root, HAPROXY_CONFIG)], { encoding: 'utf8', timeout: 30_000 });
  if (run.error) return { problems: [`${HAPROXY} could not run (${run.error.message}), so ${HAPROXY_CONFIG} was not checked: npm run deploy:check installs Debian's haproxy (scripts/prerequisites/main.ts)`], notes: [] };
  if (run.status !== 0) return { problems: [`${HAPROXY_CONFIG}: haproxy -c failed: ${(run.stdout + run.stderr).trim()}`], notes: [] };
  return { problems: [], notes: [`${HAPROXY_CONFIG}: haproxy -c says valid`] };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
  const { problems, notes } = await runDeployCheck(root);
  for (const note of notes) console.log(`  ${note}`);
  if (problems.length) {
    console.error(`\ndeploy:check found ${problems.length} problem(s):`);
    for (const problem of problems) console.error(`  - ${problem}`);
    process.exit(1);
  }
  console.log('\ndeploy:check: the Dockerfile, compose.yaml and every Kubernetes overlay are consistent and schema-valid');
}
