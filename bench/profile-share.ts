/**
 * `npx tsx bench/profile-share.ts <profile.cpuprofile> <part of a file's URL>...`: the share of a
 * V8 CPU profile's busy samples (idle and "(program)" left out) whose stack holds a frame from a
 * file whose URL contains each part, inclusive: what that code and everything it calls cost.
 * For the profiles `BENCH_CPU_PROFILE=<dir> npm run bench:cpu` writes, e.g.
 *   npx tsx bench/profile-share.ts <dir>/CPU.*.cpuprofile flags/wing.ts @openfeature
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

const [file, ...parts] = process.argv.slice(2);
if (!file || parts.length === 0) {
  console.error('usage: npx tsx bench/profile-share.ts <profile.cpuprofile> <part of a file URL>...');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

// The parts found on each node's stack, memoised: a stack is its parent's plus its own frame.
const onStack = new Map<number, ReadonlySet<string>>();
function partsOnStack(id: number): ReadonlySet<string> {
  const known = onStack.get(id);
  if (known) return known;
  const url = byId.get(id)!.callFrame.url;
  const parent = parentOf.get(id);
  const found = new Set([...(parent === undefined ? [] : partsOnStack(parent)), ...parts.filter((part) => url.includes(part))]);
  onStack.set(id, found);
  return found;
}

let busy = 0;
const counts = new Map(parts.map((part) => [part, 0]));
for (const id of profile.samples) {
  const name = byId.get(id)!.callFrame.functionName;
  if (name === '(idle)' || name === '(program)') continue;
  busy++;
  for (const part of partsOnStack(id)) counts.set(part, counts.get(part)! + 1);
}
console.log(`${file}: ${busy} busy samples`);
for (const [part, count] of counts) console.log(`  ${part}: ${((100 * count) / Math.max(1, busy)).toFixed(2)}% inclusive`);
