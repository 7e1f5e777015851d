/**
 * Where an open loop's slowest requests lost their time. Every process of the rig records during
 * the open loop, and only then, with the tail probe (bench/support/tail-probe.ts): the server under
 * test, the mocks, the load generator. Afterwards each request at or above the p99 is lined up
 * with what they recorded while it was out: a GC pause of the server, a stall of the server's
 * event loop, a stall of the mocks' or the generator's (they share one core), or none of these.
 *
 * The rig's stalls are not the server's doing, so the same p99 is also taken over the requests
 * that no rig stall fell inside: what the server would have shown on a rig that never stalls.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTailProbe, stopTailProbe, type GcKind, type TailProbeRecord } from '../support/tail-probe.ts';
import { percentile } from './stats.ts';

/** The node flags that load the probe into a process (mocks or server). */
export const TAIL_PROBE_FLAGS: readonly string[] = ['--import', './bench/support/tail-probe.ts'];

/** A stall counts when a loop was held at least this long: several requests' worth at half load. */
export const STALL_MS = 10;

export type GcSummary = Partial<Record<GcKind, { count: number; maxMs: number; totalMs: number }>>;

export interface TailFigures {
  /** The server's event-loop delay over the measured window (5 ms ticks): p99 and the longest. */
  serverLoopP99Ms: number;
  serverLoopMaxMs: number;
  /** The server's collections that started in the window. */
  serverGc: GcSummary;
  serverGcMaxMs: number;
  /** The rig's longest loop stalls in the same window. */
  mocksLoopMaxMs: number;
  generatorLoopMaxMs: number;
  /** The requests at or above p99, and the share of them each cause fell inside (a request may have several). */
  slowest: number;
  slowWith: { serverGc: number; serverStall: number; rigStall: number; none: number };
  /** p99 of the requests that no stall of the mocks or the generator fell inside, and how many those were. */
  p99OutsideRigStallsMs: number;
  outsideRigStalls: number;
}

interface Interval {
  from: number;
  to: number;
}

/** Asks a probed child (TAIL_PROBE_FLAGS, TAIL_PROBE_DIR=dir) to start a fresh recording. */
export function startTailRecording(dir: string, pid: number): void {
  writeFileSync(join(dir, `${pid}.command`), 'start');
  process.kill(pid, 'SIGUSR2');
}

/** Asks it to end the recording, and reads the record it writes. */
export async function endTailRecording(dir: string, pid: number, timeoutMs = 5_000): Promise<TailProbeRecord> {
  const file = join(dir, `${pid}.json`);
  rmSync(file, { force: true });
  writeFileSync(join(dir, `${pid}.command`), 'end');
  process.kill(pid, 'SIGUSR2');
  for (let waited = 0; waited < timeoutMs; waited += 20) {
    if (existsSync(file)) {
      try {
        return JSON.parse(readFileSync(file, 'utf8')) as TailProbeRecord;
      } catch {
        // Still being written.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`process ${pid} wrote no tail-probe record into ${dir}: is it running with ${TAIL_PROBE_FLAGS.join(' ')} and TAIL_PROBE_DIR?`);
}

export interface Recorded<T> {
  result: T;
  server: TailProbeRecord;
  mocks: TailProbeRecord;
  generator: TailProbeRecord;
}

/** Runs `run` (the open loop) while the server, the mocks and this process record. */
export async function whileRecording<T>(dir: string, pids: { server: number; mocks: number }, run: () => Promise<T>): Promise<Recorded<T>> {
  startTailRecording(dir, pids.server);
  startTailRecording(dir, pids.mocks);
  startTailProbe();
  let result: T;
  try {
    result = await run();
  } catch (error) {
    // The mocks outlive this server: leave them not recording.
    stopTailProbe();
    await endTailRecording(dir, pids.mocks).catch(() => undefined);
    throw error;
  }
  const generator = stopTailProbe();
  const [server, mocks] = await Promise.all([endTailRecording(dir, pids.server), endTailRecording(dir, pids.mocks)]);
  return { result, server, mocks, generator };
}

/** The loop was held from `at − delay` until `at`. */
function stallsIn(record: TailProbeRecord, window: Interval): Interval[] {
  return record.ticks.filter(([at, delay]) => delay >= STALL_MS && at >= window.from && at - delay <= window.to).map(([at, delay]) => ({ from: at - delay, to: at }));
}

function delaysIn(record: TailProbeRecord, window: Interval): number[] {
  return record.ticks.filter(([at]) => at >= window.from && at <= window.to).map(([, delay]) => delay);
}

export function summarizeGc(gcs: TailProbeRecord['gcs']): GcSummary {
  const summary: GcSummary = {};
  for (const [, duration, kind] of gcs) {
    const k = (summary[kind] ??= { count: 0, maxMs: 0, totalMs: 0 });
    k.count++;
    k.maxMs = Math.max(k.maxMs, duration);
    k.totalMs += duration;
  }
  return summary;
}

const overlaps = (list: Interval[], from: number, to: number) => list.some((w) => w.from < to && w.to > from);

/**
 * Lines the open loop's requests (each due at `dueAtMs[i]`, epoch ms, and `latencyMs[i]` late)
 * up with the three records, over the window from the first request's due time to the last one's end.
 */
export function tailOf(requests: { dueAtMs: ArrayLike<number>; latencyMs: ArrayLike<number> }, server: TailProbeRecord, mocks: TailProbeRecord, generator: TailProbeRecord): TailFigures {
  const { dueAtMs: due, latencyMs: latency } = requests;
  let end = -Infinity;
  for (let i = 0; i < latency.length; i++) end = Math.max(end, due[i]! + latency[i]!);
  const window = { from: due[0] ?? 0, to: end };

  const gcs = server.gcs.filter(([start]) => start >= window.from && start <= window.to);
  const gcPauses = gcs.map(([start, duration]) => ({ from: start, to: start + duration }));
  const serverStalls = stallsIn(server, window);
  const rigStalls = [...stallsIn(mocks, window), ...stallsIn(generator, window)];
  const serverDelays = delaysIn(server, window);

  const p99 = percentile(latency, 0.99);
  const counts = { serverGc: 0, serverStall: 0, rigStall: 0, none: 0 };
  let slowest = 0;
  const outside: number[] = [];
  for (let i = 0; i < latency.length; i++) {
    const from = due[i]!;
    const to = from + latency[i]!;
    const rig = overlaps(rigStalls, from, to);
    if (!rig) outside.push(latency[i]!);
    if (latency[i]! < p99) continue;
    slowest++;
    const hits = { serverGc: overlaps(gcPauses, from, to), serverStall: overlaps(serverStalls, from, to), rigStall: rig };
    for (const key of ['serverGc', 'serverStall', 'rigStall'] as const) if (hits[key]) counts[key]++;
    if (!hits.serverGc && !hits.serverStall && !rig) counts.none++;
  }
  const share = (n: number) => n / Math.max(1, slowest);
  const serverGc = summarizeGc(gcs);
  return {
    serverLoopP99Ms: percentile(serverDelays, 0.99),
    serverLoopMaxMs: Math.max(0, ...serverDelays),
    serverGc,
    serverGcMaxMs: Math.max(0, ...Object.values(serverGc).map((g) => g.maxMs)),
    mocksLoopMaxMs: Math.max(0, ...delaysIn(mocks, window)),
    generatorLoopMaxMs: Math.max(0, ...delaysIn(generator, window)),
    slowest,
    slowWith: { serverGc: share(counts.serverGc), serverStall: share(counts.serverStall), rigStall: share(counts.rigStall), none: share(counts.none) },
    p99OutsideRigStallsMs: percentile(outside, 0.99),
    outsideRigStalls: outside.length,
  };
}

export function describeGc(summary: GcSummary): string {
  return (
    Object.entries(summary)
      .map(([kind, g]) => `${kind} ${g.count}× (longest ${g.maxMs.toFixed(1)} ms)`)
      .join(', ') || 'none'
  );
}
