/**
 * `npx tsx bench/gc-per-second.ts <log>`: V8's `--trace-gc-nvp` lines in a server's output,
 * summed per second since the process started: collections (and how many were of the old
 * generation), their pauses, what was allocated and what was promoted to the old generation.
 * What the promotion rate is while a load runs, for example the live events:
 *   BENCH_SERVER_STDOUT=1 LIVE_NODE_FLAGS=--trace-gc-nvp npm run bench:live > live.log
 *   npx tsx bench/gc-per-second.ts live.log
 */
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: npx tsx bench/gc-per-second.ts <log holding --trace-gc-nvp lines>');
  process.exit(2);
}
interface Second {
  collections: number;
  old: number;
  pauseMs: number;
  allocated: number;
  promoted: number;
}
const seconds = new Map<number, Second>();
const line = /^\[\d+:0x[0-9a-f]+(?::\d+)?\]\s+(\d+) ms: pause=([\d.]+) .*?\bgc=(\w+) .*?\ballocated=(\d+) promoted=(\d+)/;
for (const text of readFileSync(file, 'utf8').split('\n')) {
  const match = line.exec(text);
  if (!match) continue;
  const at = Math.floor(Number(match[1]) / 1000);
  const second = seconds.get(at) ?? { collections: 0, old: 0, pauseMs: 0, allocated: 0, promoted: 0 };
  second.collections++;
  if (match[3] !== 's') second.old++;
  second.pauseMs += Number(match[2]);
  second.allocated += Number(match[4]);
  second.promoted += Number(match[5]);
  seconds.set(at, second);
}
if (seconds.size === 0) {
  console.error(`no --trace-gc-nvp lines in ${file}`);
  process.exit(1);
}
const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
console.log('second  collections  old  pause (ms)  allocated (MB)  promoted (MB)');
for (const [at, s] of [...seconds].sort((a, b) => a[0] - b[0])) {
  console.log(`${String(at).padStart(6)}  ${String(s.collections).padStart(11)}  ${String(s.old).padStart(3)}  ${s.pauseMs.toFixed(0).padStart(10)}  ${mb(s.allocated).padStart(14)}  ${mb(s.promoted).padStart(13)}`);
}
