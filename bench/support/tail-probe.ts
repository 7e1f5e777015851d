/**
 * A preload that records, with wall-clock timestamps, when a process's event loop was held up and
 * when its garbage collector paused it, so `npm run bench:tail` can line those up with the
 * slowest requests of an open loop. Loaded into every server and the mocks with
 * `--import ./bench/support/tail-probe.ts`; on SIGUSR2 it writes `<TAIL_PROBE_DIR>/<pid>.json`.
 * The load generator imports it too and reads `tailProbeRecord()` in-process.
 *
 * The loop delay is sampled by a 5 ms timer of its own rather than read from
 * perf_hooks.monitorEventLoopDelay: that histogram cannot be cut to the measured window, and it
 * keeps no timestamps, so it cannot say which requests a stall delayed. The delay is the same
 * thing it measures (how late a timer fires), at the same resolution as its default.
 */
import { writeFileSync } from 'node:fs';
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
const record: TailProbeRecord = { pid: process.pid, ticks: [], gcs: [] };

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

let due = performance.now() + TICK_MS;
setInterval(() => {
  const now = performance.now();
  record.ticks.push([epoch(now), Math.max(0, now - due)]);
  due = now + TICK_MS;
}, TICK_MS).unref();

new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    record.gcs.push([epoch(entry.startTime), entry.duration, kindOf((entry as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind)]);
  }
}).observe({ entryTypes: ['gc'] });

export function tailProbeRecord(): TailProbeRecord {
  return record;
}

const dir = process.env.TAIL_PROBE_DIR;
if (dir) process.on('SIGUSR2', () => writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify(record)));
