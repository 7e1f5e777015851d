/**
 * `npm run bench:cpu`: the quick side-by-side used while optimizing. Each system in turn, rounds
 * alternated, saturated for a few seconds on the pinned server core; prints homes/s and the
 * server's CPU milliseconds per home, the figure that moves when the code gets cheaper (the
 * machine's speed drifts between minutes, so compare systems within one run only).
 *
 *   BENCH_SYSTEMS=concierge,concierge-yoga BENCH_ROUNDS=3 npm run bench:cpu
 *   BENCH_SYSTEMS=concierge,concierge-open,concierge-redis npm run bench:cpu
 *
 * The second is what the perimeter costs: concierge (trusted documents, operation limits, rate
 * limiting in memory, CORS) next to concierge-open (all of it off but CORS, sent the query text)
 * and concierge-redis (the limiter spending in Redis at 127.0.0.1:6379). Each system is sent its
 * own body (bench/harness/systems.ts). Without BENCH_SYSTEMS: concierge-uncached, concierge, floor
 * and Mercurius. The last lines are each system's medians, then the throughput ratios of the
 * comparisons that ran (systems.ts COMPARISONS: taken round by round, then the median;
 * concierge / concierge-open below 1 is what the perimeter costs).
 *
 * BENCH_CPU_PROFILE=<dir> also writes each server's V8 CPU profile there (node --cpu-prof, one
 * .cpuprofile per server process, warm-up included), to open in Chrome DevTools.
 *
 * The full comparison, latency included, is `npm run bench`.
 */
import { closedLoop } from './harness/closed-loop.ts';
import { completeHome, mintToken } from './harness/home.ts';
import { pinSelf, startMocks, stop } from './harness/processes.ts';
import { startSystem } from './harness/start-system.ts';
import { serverProfileTable } from './harness/profile-table.ts';
import { median } from './harness/stats.ts';
import { COMPARISONS, selectSystems, type SystemName } from './harness/systems.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const systems = selectSystems(ROOT, { BENCH_SYSTEMS: 'mercurius,floor', ...process.env });
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const profileDir = process.env.BENCH_CPU_PROFILE;
// BENCH_NODE_FLAGS: more flags for every server, e.g. `--trace-gc-nvp` with BENCH_SERVER_STDOUT=1 (bench/gc-per-process.ts sums it per server).
const nodeFlags = [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [])];
const seconds = Number(process.env.BENCH_SECONDS ?? 8);
// BENCH_CONNECTIONS: how many homes are in flight at once (32 as in `npm run bench`); fewer in flight means less live data for each young collection to copy.
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);

const pinning = pinSelf();
console.log(`${systems.map((s) => s.name).join(', ')}; ${rounds} round(s) of ${seconds} s; ${pinning.description}`);
const measured: Partial<Record<SystemName, { throughput: number; cpuMsPerHome: number }>>[] = [];
const mocks = await startMocks(pinning, { ms: 0, jitterMs: 0 });
try {
  const token = await mintToken(mocks.urls.identity);
  for (let round = 1; round <= rounds; round++) {
    const thisRound: (typeof measured)[number] = {};
    measured.push(thisRound);
    for (const system of systems) {
      const server = await startSystem(system, mocks.urls, pinning, token, { nodeFlags });
      let window: { startUs: number; endUs: number; homes: number } | undefined;
      try {
        await completeHome(system.name, server.url, token, system.body); // 200 with data and no errors, or stop here
        const result = await closedLoop({ url: server.url, token, body: system.body, serverPid: server.pid, generatorCore: pinning.generator, connections, seconds, warmupSeconds: 5 });
        const cpuMsPerHome = (result.serverCpu * 1000) / result.throughput;
        thisRound[system.name] = { throughput: result.throughput, cpuMsPerHome };
        console.log(`round ${round}  ${system.name.padEnd(18)} ${result.throughput.toFixed(0).padStart(5)} homes/s  ${cpuMsPerHome.toFixed(2)} ms CPU/home  (server CPU ${result.serverCpu.toFixed(2)}, failures ${result.failures})`);
        window = result.window;
      } finally {
        await server.stop();
      }
      if (profileDir && window) printTable(system.name, profileDir, server.pid, window);
    }
  }
} finally {
  await stop(mocks.child);
}
for (const { name } of systems) {
  const of = (pick: (m: { throughput: number; cpuMsPerHome: number }) => number) => median(measured.map((r) => (r[name] ? pick(r[name]!) : null)));
  console.log(`median  ${name.padEnd(18)} ${(of((m) => m.throughput) ?? Number.NaN).toFixed(0).padStart(5)} homes/s  ${(of((m) => m.cpuMsPerHome) ?? Number.NaN).toFixed(2)} ms CPU/home`);
}
for (const { of, against } of COMPARISONS) {
  const ratio = median(measured.map((r) => (r[of] && r[against] ? r[of]!.throughput / r[against]!.throughput : null)));
  if (ratio !== null) console.log(`ratio   ${`${of} / ${against}`.padEnd(40)} ${ratio.toFixed(3)}×`);
}
if (profileDir) console.log(`CPU profiles in ${profileDir}`);

function printTable(name: string, dir: string, pid: number, window: { startUs: number; endUs: number; homes: number }) {
  const table = serverProfileTable(dir, pid, window);
  if (!table) return console.log(`  ${name}: no CPU profile of pid ${pid} in ${dir}`);
  console.log(`  where ${name}'s CPU went in the measured window: ${table.microsPerHome.toFixed(0)} µs per home (${table.samples} samples; pid ${pid} in ${dir}, from ${window.startUs} to ${window.endUs} µs, ${window.homes} homes)`);
  for (const row of table.rows) console.log(`  ${row.microsPerHome.toFixed(0).padStart(6)} µs  ${(row.share * 100).toFixed(1).padStart(5)}%  ${row.part}`);
}
process.exit(0);
