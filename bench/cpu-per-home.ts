/**
 * `npm run bench:cpu`: the quick side-by-side used while optimizing. Each system in turn, rounds
 * alternated, saturated for a few seconds on the pinned server core; prints homes/s and the
 * server's CPU milliseconds per home, the figure that moves when the code gets cheaper (the
 * machine's speed drifts between minutes, so compare systems within one run only).
 *
 *   BENCH_SYSTEMS=concierge,concierge-yoga BENCH_ROUNDS=3 npm run bench:cpu
 *
 * BENCH_CPU_PROFILE=<dir> also writes each server's V8 CPU profile there (node --cpu-prof, one
 * .cpuprofile per server process, warm-up included), to open in Chrome DevTools.
 *
 * The full comparison, latency included, is `npm run bench`.
 */
import { closedLoop } from './harness/closed-loop.ts';
import { completeHome, mintToken } from './harness/home.ts';
import { pinSelf, startMocks, startServer, stop } from './harness/processes.ts';
import { selectSystems } from './harness/systems.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const systems = selectSystems(ROOT, { BENCH_SYSTEMS: 'mercurius,floor', ...process.env });
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const profileDir = process.env.BENCH_CPU_PROFILE;
const nodeFlags = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
const seconds = Number(process.env.BENCH_SECONDS ?? 8);

const pinning = pinSelf();
console.log(`${systems.map((s) => s.name).join(', ')}; ${rounds} round(s) of ${seconds} s; ${pinning.description}`);
const mocks = await startMocks(pinning, { ms: 0, jitterMs: 0 });
try {
  const token = await mintToken(mocks.urls.identity);
  for (let round = 1; round <= rounds; round++) {
    for (const system of systems) {
      const server = await startServer(system.name, system.entry, mocks.urls, pinning, async (url) => (await completeHome(system.name, url, token)).bytes > 0, { env: system.env, nodeFlags });
      try {
        const result = await closedLoop({ url: server.url, token, serverPid: server.pid, generatorCore: pinning.generator, connections: 32, seconds, warmupSeconds: 5 });
        const cpuMsPerHome = (result.serverCpu * 1000) / result.throughput;
        console.log(`round ${round}  ${system.name.padEnd(15)} ${result.throughput.toFixed(0).padStart(5)} homes/s  ${cpuMsPerHome.toFixed(2)} ms CPU/home  (server CPU ${result.serverCpu.toFixed(2)}, failures ${result.failures})`);
      } finally {
        await stop(server.child);
      }
    }
  }
} finally {
  await stop(mocks.child);
}
if (profileDir) console.log(`CPU profiles in ${profileDir}`);
process.exit(0);
