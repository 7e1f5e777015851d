/**
 * `npx tsx bench/gc-per-process.ts <log> [from-ms]`: V8's `--trace-gc-nvp` lines of each server a
 * `bench:cpu` run started, summed per process from `from-ms` after it started (default 9000: past
 * start-up and the 5 s warm-up, into the measured window): its young collections (scavenges), their
 * mean and longest pause, what each kept (survived) and moved to the old generation (promoted), and
 * its old-generation collections. The system's name comes from the `round` line bench:cpu prints
 * once that server is measured. For the young generation's size against its pauses, e.g.:
 *   BENCH_SERVER_STDOUT=1 BENCH_NODE_FLAGS='--max-semi-space-size=32 --trace-gc-nvp' \
 *     BENCH_SYSTEMS=concierge-uncached BENCH_ROUNDS=1 npm run bench:cpu > gc.log
 *   npx tsx bench/gc-per-process.ts gc.log
 */
import { readFileSync } from 'node:fs';

const [file, fromArgument] = process.argv.slice(2);
if (!file) {
  console.error('usage: npx tsx bench/gc-per-process.ts <log of bench:cpu with --trace-gc-nvp> [from-ms]');
  process.exit(2);
}
const from = Number(fromArgument ?? 9000);

interface Process {
  name: string;
  young: number;
  old: number;
  pauses: number[];
  survived: number;
  promoted: number;
}
const processes = new Map<string, Process>();
const line = /^\[(\d+):0x[0-9a-f]+(?::\d+)?\]\s+(\d+) ms: pause=([\d.]+) .*?\bgc=(\w+) .*?\bpromoted=(\d+)(?:.*?\bnew_space_survived=(\d+))?/;
const round = /^round \d+\s+(\S+)\s+(\d+) homes\/s/;
let unnamed: string[] = [];
for (const text of readFileSync(file, 'utf8').split('\n')) {
  const named = round.exec(text);
  if (named) {
    // The servers whose lines came since the last round line are this system's (bench:cpu runs one at a time).
    for (const pid of unnamed) processes.get(pid)!.name = `${named[1]} (${named[2]} homes/s)`;
    unnamed = [];
    continue;
  }
  const match = line.exec(text);
  if (!match) continue;
  const [, pid, at, pause, kind, promoted, survived] = match;
  let process_ = processes.get(pid!);
  if (!process_) {
    processes.set(pid!, (process_ = { name: `pid ${pid}`, young: 0, old: 0, pauses: [], survived: 0, promoted: 0 }));
    unnamed.push(pid!);
  }
  if (Number(at) < from) continue;
  if (kind !== 's') {
    process_.old++;
    continue;
  }
  process_.young++;
  process_.pauses.push(Number(pause));
  process_.promoted += Number(promoted);
  process_.survived += Number(survived ?? 0);
}
if (processes.size === 0) {
  console.error(`no --trace-gc-nvp lines in ${file}`);
  process.exit(1);
}
const kb = (bytes: number) => (bytes / 1024).toFixed(0);
console.log(`from ${from} ms after each server started`);
console.log('system                                  young  mean pause (ms)  longest (ms)  survived / young (KB)  promoted / young (KB)  old');
for (const p of processes.values()) {
  const mean = p.pauses.length ? p.pauses.reduce((a, b) => a + b, 0) / p.pauses.length : 0;
  console.log(
    `${p.name.padEnd(38)} ${String(p.young).padStart(6)}  ${mean.toFixed(1).padStart(15)}  ${Math.max(0, ...p.pauses).toFixed(1).padStart(12)}  ${kb(p.young ? p.survived / p.young : 0).padStart(21)}  ${kb(p.young ? p.promoted / p.young : 0).padStart(21)}  ${String(p.old).padStart(3)}`,
  );
}
