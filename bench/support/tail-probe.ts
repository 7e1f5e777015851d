/**
 * A preload that records, with wall-clock timestamps, when a process's event loop was held up and
 * when its garbage collector paused it, so the open loop's slowest requests can be lined up with
 * them (bench/harness/tail.ts). Loaded into every server and the mocks with
 * `--import ./bench/support/tail-probe.ts`, it does nothing until asked (a SIGUSR2, with the command
 * in a file under TAIL_PROBE_DIR): asked to start, it records; asked to end, it writes the recording
 * to `<TAIL_PROBE_DIR>/<pid>.json` and stops. Only the open loop is recorded, so the saturation runs
 * measure each process without it. The load generator imports it
 * and calls `startTailProbe` and `stopTailProbe` itself.
 *
 * The loop delay is sampled by a 5 ms timer of its own rather than read from
 * perf_hooks.monitorEventLoopDelay: that histogram keeps no timestamps, so it cannot say which
 * requests a stall delayed. The delay is the same thing it measures (how late a timer fires), at
 * the same resolution as its default.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver, constants, performance, type PerformanceEntry } from 'node:perf_hooks';

export interface TailProbeRecord {
  pid: number;
  /** Each timer tick: when it fired (epoch ms) and how late (ms): the loop was held for that long before it. */
  ticks: [atMs: number, delayMs: number][];
  /** Each collection: when it started (epoch ms), how long it paused the thread (ms), and its kind. */
  gcs: [startMs: number, durationMs: number, kind: GcKind][];
}

export type GcKind = 'minor' | 'major' | 'incremental' | 'weak callbacks' | 'other';

const TICK_MS = 5;
const epoch = (highResolution: number) => performance.timeOrigin + highResolution;

function kindOf(flag: number | undefined): GcKind {
  switch (flag) {
    case constants.NODE_PERFORMANCE_GC_MINOR:
      return 'minor';
    case constants.NODE_PERFORMANCE_GC_MAJOR:
      return 'major';
    case constants.NODE_PERFORMANCE_GC_INCREMENTAL:
      return 'incremental';
    case constants.NODE_PERFORMANCE_GC_WEAKCB:
      return 'weak callbacks';
    default:
      return 'other';
  }
}

/** A collection's entry as the record keeps it; node puts its kind in `detail`. */
function pauseOf(entry: PerformanceEntry): TailProbeRecord['gcs'][number] {
  return [epoch(entry.startTime), entry.duration, kindOf((entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind)];
}

let recording: { record: TailProbeRecord; timer: NodeJS.Timeout; observer: PerformanceObserver } | undefined;

/** Starts a fresh recording (ending one under way). */
export function startTailProbe(): void {
  if (recording) stopTailProbe();
  const record: TailProbeRecord = { pid: process.pid, ticks: [], gcs: [] };
  let due = performance.now() + TICK_MS;
  const timer = setInterval(() => {
    const now = performance.now();
    record.ticks.push([epoch(now), Math.max(0, now - due)]);
    due = now + TICK_MS;
  }, TICK_MS).unref();
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) record.gcs.push(pauseOf(entry));
  });
  observer.observe({ entryTypes: ['gc'] });
  recording = { record, timer, observer };
}

/** Ends the recording and returns it (empty if none was started). */
export function stopTailProbe(): TailProbeRecord {
  if (!recording) return { pid: process.pid, ticks: [], gcs: [] };
  const { record, timer, observer } = recording;
  // Collections that ended just now are delivered on a later tick; take them before disconnecting.
  for (const entry of observer.takeRecords()) record.gcs.push(pauseOf(entry));
  clearInterval(timer);
  observer.disconnect();
  recording = undefined;
  return record;
}

// Asked by the bench (harness/tail.ts): it writes `start` or `end` into <dir>/<pid>.command, then
// sends SIGUSR2; at `end` the recording goes to <dir>/<pid>.json.
const dir = process.env.TAIL_PROBE_DIR;
if (dir) {
  process.on('SIGUSR2', () => {
    const command = readFileSync(join(dir, `${process.pid}.command`), 'utf8').trim();
    if (command === 'start') startTailProbe();
    else if (command === 'end') writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify(stopTailProbe()));
  });
}
