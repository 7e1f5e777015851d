/**
 * A preload that samples where a server allocates while it is under load, short-lived objects
 * included: V8's sampling heap profiler, started ALLOCATION_SAMPLE_AFTER_MS after start and stopped
 * ALLOCATION_SAMPLE_FOR_MS later, with the objects the young and old collections freed kept in the
 * profile (node's --heap-prof keeps only what is still alive at exit, which says nothing about the
 * garbage a request makes). Written as <dir>/<pid>.heapprofile, to load in Chrome DevTools' Memory
 * panel (bottom-up: the functions that allocated most).
 *
 *   BENCH_NODE_FLAGS='--import ./bench/support/allocation-sampler.ts' ALLOCATION_SAMPLE_DIR=/tmp/alloc \
 *     BENCH_SYSTEMS=concierge-uncached,floor BENCH_ROUNDS=1 npm run bench:cpu
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

const dir = process.env.ALLOCATION_SAMPLE_DIR ?? '.';
const afterMs = Number(process.env.ALLOCATION_SAMPLE_AFTER_MS ?? 8_000);
const forMs = Number(process.env.ALLOCATION_SAMPLE_FOR_MS ?? 4_000);
// ALLOCATION_SAMPLE_KEEP=survivors: only what outlived the young generation (promoted, then alive or freed by an
// old-generation collection), which is what makes scavenges long.
const survivorsOnly = process.env.ALLOCATION_SAMPLE_KEEP === 'survivors';

const session = new Session();
session.connect();
setTimeout(async () => {
  await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !survivorsOnly });
  setTimeout(async () => {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    writeFileSync(join(dir, `${process.pid}.heapprofile`), JSON.stringify(profile));
  }, forMs).unref();
}, afterMs).unref();
