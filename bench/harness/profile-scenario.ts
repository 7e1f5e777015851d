/**
 * Where a MobileHome's CPU goes, before and after: the headline system (concierge-uncached) of
 * this checkout and of PROFILE_BASELINE (the revision before the engine work of issue 24), and
 * the floor, each saturated under V8's CPU profiler in one run, their profiles cut to the measured
 * window and divided by the homes served (profile-table.ts). Rounds alternate the three, their
 * order rotated every round as the throughput rounds rotate theirs, and each part's figure is the
 * median over rounds.
 *
 * The baseline runs from a git worktree of that revision beside this checkout's node_modules.
 * Without the revision (a shallow clone), the table has no "before" column and says why.
 *
 * The profiler's own cost inflates every figure alike (each sample walks the stack), so the
 * table compares parts and systems; throughput is the other tables' to tell.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join, relative } from 'node:path';
import { closedLoop } from './closed-loop.ts';
import { mintToken } from './home.ts';
import { startMocks, stop, type Pinning } from './processes.ts';
import { serverProfileTable, type ProfileTable } from './profile-table.ts';
import { startSystem } from './start-system.ts';
import { median } from './stats.ts';
import { SYSTEMS, type System } from './systems.ts';

/** The revision the "before" column runs: main before this wave's engine work on issue 24 (BENCH_PROFILE_BASELINE picks another). */
export const PROFILE_BASELINE = process.env.BENCH_PROFILE_BASELINE || 'cfeb764';

export interface ProfileReport {
  baseline: string;
  /** Why there is no "before" column, when there is none. */
  baselineMissing?: string;
  seconds: number;
  warmupSeconds: number;
  rounds: number;
  /** µs per home by part, median over rounds, per column. */
  columns: { label: string; system: string; total: number; homesPerSecond: number; parts: Map<string, number> }[];
}

export async function profileScenario(root: string, pinning: Pinning, options: { seconds: number; warmupSeconds: number; rounds: number; baseline: boolean }, log: (line: string) => void): Promise<ProfileReport> {
  const dir = join(root, '.tmp', 'profiles');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const after: System = SYSTEMS['concierge-uncached'];
  const floor: System = SYSTEMS.floor;
  const worktree = options.baseline ? baselineTree(root) : { missing: 'not run in a smoke run' };
  const before: System | undefined = 'path' in worktree ? { ...after, entry: join(relative(root, worktree.path), after.entry) } : undefined;
  const columns = [
    ...(before ? [{ label: `before (${PROFILE_BASELINE})`, system: before }] : []),
    { label: 'after (this revision)', system: after },
    { label: 'floor', system: floor },
  ];

  let baselineFailure: string | undefined;
  const tables: ProfileTable[][] = columns.map(() => []);
  const rates: number[][] = columns.map(() => []);
  const mocks = await startMocks(pinning, { ms: 0, jitterMs: 0 });
  try {
    const token = await mintToken(mocks.urls.identity);
    for (let round = 0; round < options.rounds; round++) {
      // Rotated every round, so no column always runs first or right after the same neighbour.
      for (let slot = 0; slot < columns.length; slot++) {
        const i = (slot + round) % columns.length;
        const { label, system } = columns[i]!;
        if (system === before && baselineFailure) continue;
        let server;
        try {
          server = await startSystem(system, mocks.urls, pinning, token, { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
        } catch (error) {
          // An old revision may not start on today's node_modules: the table goes on without it.
          if (system !== before) throw error;
          baselineFailure = `revision ${PROFILE_BASELINE} did not start beside this checkout's node_modules (${(error as Error).message.split('\n')[0]})`;
          log(`  profile: ${baselineFailure}`);
          continue;
        }
        let result;
        try {
          result = await closedLoop({ url: server.url, token, body: system.body, serverPid: server.pid, generatorCore: pinning.generator, connections: 32, seconds: options.seconds, warmupSeconds: options.warmupSeconds });
        } finally {
          await server.stop();
        }
        const table = serverProfileTable(dir, server.pid, result.window);
        if (!table) throw new Error(`${label}: no CPU profile was written in ${dir}`);
        tables[i]!.push(table);
        rates[i]!.push(result.throughput);
        log(`  profile round ${round + 1}: ${label.padEnd(22)} ${table.microsPerHome.toFixed(0).padStart(5)} µs per home under the profiler (${result.throughput.toFixed(0)} homes/s)`);
      }
    }
  } finally {
    await stop(mocks.child);
  }
  const missing = 'missing' in worktree ? worktree.missing : baselineFailure;
  return {
    baseline: PROFILE_BASELINE,
    ...(missing ? { baselineMissing: missing } : {}),
    seconds: options.seconds,
    warmupSeconds: options.warmupSeconds,
    rounds: options.rounds,
    columns: columns.flatMap(({ label, system }, i) => {
      if (tables[i]!.length === 0) return [];
      const parts = new Map<string, number>();
      for (const part of new Set(tables[i]!.flatMap((t) => t.rows.map((r) => r.part)))) {
        parts.set(part, median(tables[i]!.map((t) => t.rows.find((r) => r.part === part)?.microsPerHome ?? 0)) ?? 0);
      }
      return [{ label, system: system.name, total: median(tables[i]!.map((t) => t.microsPerHome)) ?? 0, homesPerSecond: median(rates[i]!) ?? 0, parts }];
    }),
  };
}

/** A worktree of PROFILE_BASELINE under .tmp, sharing this checkout's node_modules; or why there is none. */
function baselineTree(root: string): { path: string } | { missing: string } {
  const path = join(root, '.tmp', `baseline-${PROFILE_BASELINE}`);
  try {
    if (!existsSync(join(path, 'package.json'))) {
      execFileSync('git', ['-C', root, 'worktree', 'prune'], { stdio: 'ignore' });
      execFileSync('git', ['-C', root, 'worktree', 'add', '--force', '--detach', path, PROFILE_BASELINE], { stdio: 'ignore' });
    }
    if (!existsSync(join(path, 'node_modules'))) symlinkSync(join(root, 'node_modules'), join(path, 'node_modules'), 'dir');
    return { path };
  } catch (error) {
    return { missing: `revision ${PROFILE_BASELINE} could not be checked out (${(error as Error).message.split('\n')[0]}): a shallow clone, for one, does not hold it` };
  }
}

export function profileMarkdown(report: ProfileReport): string {
  const parts = [...new Set(report.columns.flatMap((c) => [...c.parts.keys()]))];
  const order = report.columns.find((c) => c.label.startsWith('after'))!;
  parts.sort((a, b) => (order.parts.get(b) ?? 0) - (order.parts.get(a) ?? 0));
  const header = `| part (each sample charged to the nearest frame of our code or a package's) | ${report.columns.map((c) => `${c.label}: ${c.system}`).join(' | ')} |`;
  const rule = `|---|${report.columns.map(() => '---:').join('|')}|`;
  const rows = parts.map((part) => `| ${part} | ${report.columns.map((c) => (c.parts.has(part) ? c.parts.get(part)!.toFixed(0) : '–')).join(' | ')} |`);
  const total = `| **busy CPU per home** | ${report.columns.map((c) => `**${c.total.toFixed(0)}**`).join(' | ')} |`;
  const rate = `| homes/s under the profiler | ${report.columns.map((c) => c.homesPerSecond.toFixed(0)).join(' | ')} |`;
  return [
    "## Where a home's CPU goes (µs per MobileHome, no injected latency)",
    '',
    `V8's CPU profile of each server saturated (32 connections, ${report.seconds} s measured after ${report.warmupSeconds} s of warm-up), cut to the measured window and divided by the homes served in it; the median of ${report.rounds} alternated rounds. Node's internals and V8's builtins (JSON.parse, a socket's writev, a hash) are charged to the code that called them; samples with no such caller are Node's own. The profiler costs every system alike, so read the parts and the columns against each other, and throughput from the tables above.`,
    ...(report.baselineMissing ? ['', `No "before" column: ${report.baselineMissing}.`] : []),
    '',
    header,
    rule,
    ...rows,
    total,
    rate,
    '',
    `To repeat one column at a time: \`BENCH_CPU_PROFILE=<dir> BENCH_SYSTEMS=concierge-uncached,floor BENCH_ROUNDS=1 npm run bench:cpu\` (bench/harness/profile-table.ts); the before column is revision ${report.baseline}.`,
  ].join('\n');
}
