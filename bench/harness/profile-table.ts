/**
 * Where a home's CPU goes: a V8 CPU profile of the server under test (node --cpu-prof), cut to the
 * measured window and divided by the homes served in it, as microseconds per home by part.
 *
 * A sample's cost goes to the nearest frame on its stack that is our code or a package's: Node's
 * internals and V8's builtins (JSON.parse, a socket's writev, a hash's digest) are charged to the
 * code that called them, because that code is what could call them less. Samples with no such
 * frame (Node's HTTP parser, timers, the microtask loop itself) are Node's own, and the garbage
 * collector is a row of its own.
 *
 * V8 stamps samples with the monotonic clock that `process.hrtime` reads, so the load generator's
 * window (closed-loop.ts) cuts the server's profile without any clock translation.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Parts of the work, first match wins: a file's URL (or a package's folder) to the row it is charged to. */
const PARTS: readonly (readonly [part: string, matches: readonly string[]])[] = [
  ['downstream bodies: read and JSON.parse (service client)', ['/downstream/http-client.ts']],
  ['downstream HTTP client (undici, service layers)', ['/node_modules/undici/', '/downstream/', '/resilience/', '/cockatiel/']],
  ['batching (DataLoader, loaders)', ['/node_modules/dataloader/', '/loaders/']],
  ['caches (title cache, LRU)', ['/node_modules/lru-cache/', '/caching/title-cache.ts']],
  ['ETag and conditional GET', ['/caching/http-cache.ts']],
  ['ICU message formatting (locale)', ['/intl-messageformat/', '/fast-memoize/', '/@formatjs/', '/locale/']],
  ['GraphQL execution (graphql-jit, graphql-js)', ['/node_modules/graphql-jit/', '/node_modules/graphql/', '/execution/']],
  ['resolvers, mappers, presentation', ['/resolvers/', '/mappers/', '/presentation/', '/bffs/mobile/', '/bffs/web/', '/bffs/tv/']],
  ['metrics and traces (prom-client, observer)', ['/prom-client/', '/observability/', '/@opentelemetry/', '/pino']],
  ['request lifecycle, perimeter, response writing', ['/bffs/kit/']],
  ['the peer itself (bench/peers)', ['/bench/peers/']],
];
const NODE = "Node's own (HTTP parser, sockets, timers, microtasks)";
const GC = 'garbage collector';
const OTHER = 'other packages';

export interface ProfileRow {
  part: string;
  microsPerHome: number;
  share: number;
}

export interface ProfileTable {
  rows: ProfileRow[];
  /** Busy CPU in the window per home, as the profile saw it (sampling, so near the measured figure). */
  microsPerHome: number;
  samples: number;
}

/**
 * `window` is the measured run's [start, end] in microseconds of the monotonic clock
 * (`process.hrtime.bigint() / 1000n`), `homes` the complete homes served in it.
 */
export function profileTable(profileFile: string, window: { startUs: number; endUs: number }, homes: number): ProfileTable {
  const profile = JSON.parse(readFileSync(profileFile, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

  const partOf = new Map<number, string | null>();
  const chargedTo = (id: number): string | null => {
    if (partOf.has(id)) return partOf.get(id)!;
    const { functionName, url } = byId.get(id)!.callFrame;
    let part: string | null;
    if (functionName === '(idle)' || functionName === '(program)' || functionName === '(root)') part = null;
    else if (functionName === '(garbage collector)') part = GC;
    else if (url.startsWith('file://')) part = PARTS.find(([, matches]) => matches.some((m) => url.includes(m)))?.[0] ?? OTHER;
    else {
      const parent = parentOf.get(id);
      part = parent === undefined ? NODE : (chargedTo(parent) ?? NODE);
    }
    partOf.set(id, part);
    return part;
  };

  const micros = new Map<string, number>();
  let time = profile.startTime;
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i]!;
    time += delta;
    if (time < window.startUs || time > window.endUs) continue;
    const part = chargedTo(profile.samples[i]!);
    if (part === null) continue;
    // A sample stands for the time since the previous one.
    micros.set(part, (micros.get(part) ?? 0) + delta);
    busy++;
  }
  const total = [...micros.values()].reduce((a, b) => a + b, 0);
  const rows = [...micros]
    .map(([part, us]) => ({ part, microsPerHome: us / homes, share: us / total }))
    .sort((a, b) => b.microsPerHome - a.microsPerHome);
  return { rows, microsPerHome: total / homes, samples: busy };
}

/**
 * The table of a server that ran with `--cpu-prof --cpu-prof-dir=<dir>` and has exited (it writes
 * its profile as it exits, the file's name holding its pid); undefined if it wrote none.
 */
export function serverProfileTable(dir: string, pid: number, window: { startUs: number; endUs: number; homes: number }): ProfileTable | undefined {
  const file = readdirSync(dir).find((name) => name.includes(`.${pid}.`) && name.endsWith('.cpuprofile'));
  return file ? profileTable(join(dir, file), window, window.homes) : undefined;
}
