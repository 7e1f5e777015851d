/**
 * `npm run bench:tail`: where the slowest requests at half load lose their time. The suite's open
 * loop (the p99 rows of `npm run bench`) runs on each system in turn, rounds alternated, and while
 * it runs every process involved records its event-loop stalls and GC pauses with timestamps
 * (bench/support/tail-probe.ts): the server, the mocks and the load generator. Then each request
 * at or above the round's p99 is lined up with them: did a GC pause or a loop stall of the server
 * fall inside it, or one of the mocks, or of the generator, or none?
 *
 *   BENCH_SYSTEMS=concierge-uncached,floor BENCH_ROUNDS=3 npm run bench:tail
 *
 * The rate is half of the first system's saturation, measured in the same round (as the suite
 * does), unless BENCH_RATE fixes it. Each server is first saturated as in the suite (5 s of
 * warm-up, then BENCH_SECONDS, 10), so the open loop meets a process as old and as warm as the
 * suite's does; it runs 2 s of warm-up and BENCH_OPEN_SECONDS (8) measured. A stall counts
 * when the loop was held for at least 10 ms. Each round also says how long the hypervisor kept the
 * server's core and the rig's from running during the open loop (/proc/stat's steal).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedLoop } from './harness/closed-loop.ts';
import { completeHome, mintToken } from './harness/home.ts';
import { openLoop } from './harness/open-loop.ts';
import { pinSelf, startMocks, stolenMs, stop } from './harness/processes.ts';
import { startSystem } from './harness/start-system.ts';
import { median } from './harness/stats.ts';
import { selectSystems } from './harness/systems.ts';
import { STALL_MS, TAIL_PROBE_FLAGS, describeGc, tailOf, whileRecording, type TailFigures } from './harness/tail.ts';

const ROOT = new URL('..', import.meta.url).pathname;
// BENCH_NODE_FLAGS: more flags for every server, e.g. `--trace-gc` with BENCH_SERVER_STDOUT=1 for the reason of each collection.
const serverFlags = [...TAIL_PROBE_FLAGS, ...(process.env.BENCH_NODE_FLAGS?.split(' ').filter(Boolean) ?? [])];
const requested = process.env.BENCH_SYSTEMS?.split(',').map((s) => s.trim()) ?? ['concierge-uncached', 'floor'];
const systems = selectSystems(ROOT, { ...process.env, BENCH_SYSTEMS: requested.join(',') }).filter((s) => requested.includes(s.name));
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const seconds = Number(process.env.BENCH_OPEN_SECONDS ?? 8);
const saturationSeconds = Number(process.env.BENCH_SECONDS ?? 10);
const fixedRate = process.env.BENCH_RATE ? Number(process.env.BENCH_RATE) : undefined;
const probeDir = mkdtempSync(join(tmpdir(), 'tail-probe-'));
process.env.TAIL_PROBE_DIR = probeDir;

interface RoundFigures extends TailFigures {
  rate: number;
  /** Time the hypervisor took from the server's core and from the rig's during the open loop (ms). */
  stolen: { server?: number; rig?: number };
  p50: number;
  p99: number;
}

const pinning = pinSelf();
console.log(`${systems.map((s) => s.name).join(', ')}; ${rounds} round(s), open loop ${seconds} s at ${fixedRate ? `${fixedRate}/s` : 'half the first system’s saturation'}; stalls ≥ ${STALL_MS} ms; ${pinning.description}`);
const mocks = await startMocks(pinning, { ms: 0, jitterMs: 0 }, TAIL_PROBE_FLAGS);
const results = new Map<string, RoundFigures[]>();
try {
  const token = await mintToken(mocks.urls.identity);
  for (let round = 1; round <= rounds; round++) {
    // Rotated like the suite's rounds, but the first system sets the rate, so it always goes first.
    const order = [systems[0]!, ...rotate(systems.slice(1), round - 1)];
    let rate = fixedRate;
    for (const system of order) {
      const server = await startSystem(system, mocks.urls, pinning, token, { nodeFlags: serverFlags });
      try {
        await completeHome(system.name, server.url, token, system.body);
        const saturation = await closedLoop({ url: server.url, token, body: system.body, serverPid: server.pid, generatorCore: pinning.generator, connections: 32, seconds: saturationSeconds, warmupSeconds: 5 });
        rate ??= Math.round(saturation.throughput / 2);
        const openRate = rate;
        const stolen = () => ({ server: pinning.server === undefined ? undefined : stolenMs(pinning.server), rig: pinning.generator === undefined ? undefined : stolenMs(pinning.generator) });
        const stolenBefore = stolen();
        const recorded = await whileRecording(probeDir, { server: server.pid, mocks: mocks.child.pid! }, () => openLoop({ url: server.url, token, body: system.body, rate: openRate, seconds, warmupSeconds: 2, connections: 256 }));
        const stolenAfter = stolen();
        const open = recorded.result;
        const figures = {
          rate,
          p50: open.p50Ms,
          p99: open.p99Ms,
          stolen: { server: difference(stolenAfter.server, stolenBefore.server), rig: difference(stolenAfter.rig, stolenBefore.rig) },
          ...tailOf(open, recorded.server, recorded.mocks, recorded.generator),
        };
        results.set(system.name, [...(results.get(system.name) ?? []), figures]);
        console.log(`round ${round}  ${system.name.padEnd(18)} ${line(figures)}`);
      } finally {
        await server.stop();
      }
    }
  }
} finally {
  await stop(mocks.child);
  rmSync(probeDir, { recursive: true, force: true });
}

console.log('\nmedians over rounds:');
for (const { name } of systems) {
  const all = results.get(name) ?? [];
  const of = (pick: (f: RoundFigures) => number) => median(all.map(pick)) ?? Number.NaN;
  console.log(
    `${name.padEnd(18)} p50 ${of((f) => f.p50).toFixed(2)} p99 ${of((f) => f.p99).toFixed(2)} ms, outside the rig's stalls ${of((f) => f.p99OutsideRigStallsMs).toFixed(2)} ms; ` +
      `server loop p99 ${of((f) => f.serverLoopP99Ms).toFixed(1)} max ${of((f) => f.serverLoopMaxMs).toFixed(1)} ms, longest GC ${of((f) => f.serverGcMaxMs).toFixed(1)} ms; ` +
      `slowest 1%: server GC ${pct(of((f) => f.slowWith.serverGc))}, server stall ${pct(of((f) => f.slowWith.serverStall))}, rig stall ${pct(of((f) => f.slowWith.rigStall))}, none ${pct(of((f) => f.slowWith.none))}`,
  );
}
const [first, ...others] = systems;
for (const other of others) {
  const mine = results.get(first!.name) ?? [];
  const theirs = results.get(other.name) ?? [];
  const added = (pick: (f: RoundFigures) => number) => median(mine.map((f, i) => (theirs[i] ? pick(f) - pick(theirs[i]!) : null)));
  console.log(`p99 of ${first!.name} over ${other.name}: ${signed(added((f) => f.p99))} ms; outside the rig's stalls ${signed(added((f) => f.p99OutsideRigStallsMs))} ms (medians of per-round differences)`);
}
process.exit(0);

function rotate<T>(list: T[], by: number): T[] {
  if (list.length === 0) return list;
  const k = by % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

function difference(after: number | undefined, before: number | undefined): number | undefined {
  return after === undefined || before === undefined ? undefined : after - before;
}

function signed(n: number | null): string {
  return n === null || Number.isNaN(n) ? 'n/a' : `${n >= 0 ? '+' : ''}${n.toFixed(2)}`;
}

function pct(share: number): string {
  return `${(share * 100).toFixed(0)}%`;
}

function line(f: RoundFigures): string {
  const w = f.slowWith;
  return (
    `${f.rate}/s  p50 ${f.p50.toFixed(2)}  p99 ${f.p99.toFixed(2)} ms (outside the rig's stalls ${f.p99OutsideRigStallsMs.toFixed(2)}, ${f.outsideRigStalls} requests)` +
    ` | server loop p99 ${f.serverLoopP99Ms.toFixed(1)} max ${f.serverLoopMaxMs.toFixed(1)} ms, GC ${describeGc(f.serverGc)}` +
    ` | mocks loop max ${f.mocksLoopMaxMs.toFixed(1)} ms, generator ${f.generatorLoopMaxMs.toFixed(1)} ms` +
    ` | stolen by the host: server core ${f.stolen.server ?? '?'} ms, rig core ${f.stolen.rig ?? '?'} ms` +
    ` | slowest ${f.slowest}: server GC ${pct(w.serverGc)}, server stall ${pct(w.serverStall)}, rig stall ${pct(w.rigStall)}, none ${pct(w.none)}`
  );
}
