/**
 * Child processes of the suite: the mocks and the servers under test. Spawns them pinned to a core,
 * waits until they answer, reads their peak RSS and CPU time from /proc, and stops them by their
 * own handle (never by name).
 */
import { randomBytes } from 'node:crypto';
import { spawn, execFileSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ServiceName } from '../../downstream-mocks/src/registry.ts';
import { urlVariableOf, type DownstreamName } from '../../bffs/kit/config.ts';
import { BFF_NODE_FLAGS } from '../../bffs/kit/server/node-flags.ts';
import { waitForMocksUrls } from '../support/mocks-urls.ts';
import { freePort, hasTaskset } from '../support/host.ts';

export type Urls = Record<ServiceName, string>;

const ROOT = new URL('../..', import.meta.url).pathname;

/** Which core runs what; undefined members mean "not pinned". */
export interface Pinning {
  generator?: number;
  mocks?: number;
  server?: number;
  description: string;
}

/** The cores this process may run on (a container's cpuset need not start at 0), from taskset. */
function allowedCores(): number[] {
  const list = safeExec('taskset', ['-c', '-p', String(process.pid)])?.split(':').pop()?.trim() ?? '';
  return list.split(',').flatMap((part) => {
    const [from, to] = part.split('-').map(Number);
    if (from === undefined || Number.isNaN(from)) return [];
    return Array.from({ length: (to ?? from) - from + 1 }, (_, i) => from + i);
  });
}

/**
 * Pins this process (the load generator, every thread: -a) to the first allowed core, and plans the
 * mocks on that same core and the server alone on the second: the server then owns a whole core,
 * and the generator's and mocks' work can never be billed to it (nor its to them).
 */
export function pinSelf(): Pinning {
  const cores = hasTaskset() ? allowedCores() : [];
  if (cores.length < 2) {
    return { description: `not pinned (${hasTaskset() ? `${cores.length} core allowed` : 'no taskset'}): generator, mocks and server share the CPUs` };
  }
  const [generator, server] = cores as [number, number];
  execFileSync('taskset', ['-a', '-p', '-c', String(generator), String(process.pid)], { stdio: 'ignore' });
  return {
    generator,
    mocks: generator,
    server,
    description: `taskset: load generator and mocks on core ${generator}, server under test alone on core ${server}`,
  };
}

function spawnPinned(core: number | undefined, args: string[], env: NodeJS.ProcessEnv, stdio: StdioOptions, nodeFlags: readonly string[] = []): ChildProcess {
  const node = [process.execPath, ...nodeFlags, '--import', 'tsx', ...args];
  const [command, ...rest] = core === undefined ? node : ['taskset', '-c', String(core), ...node];
  // taskset execs node in place, so child.pid is the server's own pid (what /proc is read for).
  return spawn(command!, rest, { cwd: ROOT, env, stdio });
}

/** Children still running, stopped on the way out even when the suite fails or is interrupted. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const child of live) child.kill('SIGTERM');
    process.exit(130);
  });
}

function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Stops a child: SIGTERM, then SIGKILL if it has not gone after `graceMs`. */
export async function stop(child: ChildProcess, graceMs = 8_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export interface Mocks {
  child: ChildProcess;
  urls: Urls;
}

/**
 * The mobile BFF's client secret at identity (client `mobile-bff`) for this run: the mocks register
 * it and every system gets it, since a production BFF refuses the published development one.
 */
export const BENCH_MOBILE_CLIENT_SECRET = randomBytes(24).toString('base64url');

/** The ten mocks in their own process (bench/support/mocks-process.ts), with this latency injected. */
export async function startMocks(pinning: Pinning, latency: { ms: number; jitterMs: number }, nodeFlags: readonly string[] = []): Promise<Mocks> {
  const env = { ...process.env };
  // Only the latency we ask for, and token minting must exist (it is gone under production).
  for (const key of Object.keys(env)) if (/_(LATENCY|JITTER)_MS$/.test(key)) delete env[key];
  delete env.NODE_ENV;
  env.MOCKS_LATENCY_MS = String(latency.ms);
  env.MOCKS_JITTER_MS = String(latency.jitterMs);
  env.MOBILE_CLIENT_SECRET = BENCH_MOBILE_CLIENT_SECRET;

  // stdin stays a pipe: the mocks stop when it closes, so a crashed suite leaves none behind.
  const child = track(spawnPinned(pinning.mocks, ['bench/support/mocks-process.ts'], env, ['pipe', 'pipe', 'inherit'], nodeFlags));
  const urls: Urls = await waitForMocksUrls(child);
  return { child, urls };
}

/**
 * Node flags for every system's server alike: the ones our BFFs are deployed with
 * (bffs/kit/server/node-flags.ts), so no system wins on V8 tuning. (Measured: the peers run the
 * same with or without them.)
 */
export const SERVER_NODE_FLAGS = BFF_NODE_FLAGS;

export interface Server {
  name: string;
  child: ChildProcess;
  pid: number;
  url: string;
}

/**
 * Starts one system's server on a free port, pinned to the server core, and resolves once `ready`
 * succeeds against it (polling rather than parsing lines: each system announces itself differently).
 * NODE_ENV=production for every system, as it would be deployed.
 */
export interface ServerExtras {
  env?: Record<string, string>;
  /** After SERVER_NODE_FLAGS (a profiler, say); every system gets the same. */
  nodeFlags?: readonly string[];
  /** The server's stdout to the caller (`child.stdout`): its log lines, say. */
  pipeStdout?: boolean;
}

export async function startServer(name: string, entry: string, urls: Urls, pinning: Pinning, ready: (url: string) => Promise<boolean>, extras: ServerExtras = {}): Promise<Server> {
  const port = await freePort();
  const urlEnv = Object.fromEntries(Object.entries(urls).map(([service, url]) => [urlVariableOf(service as DownstreamName), url]));
  const env: NodeJS.ProcessEnv = { ...process.env, ...urlEnv, PORT: String(port), NODE_ENV: 'production', LOG_LEVEL: 'warn', MOBILE_CLIENT_SECRET: BENCH_MOBILE_CLIENT_SECRET, ...extras.env };
  // BENCH_SERVER_STDOUT=1 lets the server's stdout through (what `--trace-gc` in LIVE_NODE_FLAGS prints).
  const stdout = extras.pipeStdout ? 'pipe' : process.env.BENCH_SERVER_STDOUT ? 'inherit' : 'ignore';
  const child = track(spawnPinned(pinning.server, [entry], env, ['ignore', stdout, 'pipe'], [...SERVER_NODE_FLAGS, ...(extras.nodeFlags ?? [])]));

  // Keep the tail of stderr for the error message, and pass it through so warnings are seen.
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
    process.stderr.write(`[${name}] ${chunk}`);
  });
  const url = `http://127.0.0.1:${port}/graphql`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${name} (${entry}) exited before it was ready (code ${child.exitCode ?? child.signalCode}):\n${stderr}`);
    }
    if (await ready(url).catch(() => false)) break;
    if (Date.now() > deadline) {
      await stop(child);
      throw new Error(`${name} (${entry}) did not answer the MobileHome query within 60 s:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { name, child, pid: child.pid!, url };
}

/** Peak resident set of a live process (VmHWM), in MiB. */
export function peakRssMiB(pid: number): number {
  const kb = Number(/VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  return kb / 1024;
}

/** User + system CPU seconds a process has used, all threads (for "did it saturate its core"). */
export function cpuSeconds(pid: number): number {
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
const CLOCK_TICKS = Number(safeExec('getconf', ['CLK_TCK']) ?? 100) || 100;

/**
 * Milliseconds the hypervisor has kept this virtual core from running so far (/proc/stat's steal
 * column), or undefined off Linux. While stolen, every process on the core stops, its timers too,
 * so a stall a probe records inside stolen time is the host's, not the process's.
 */
export function stolenMs(core: number): number | undefined {
  const steal = coreCounters(core)?.[7];
  return steal === undefined ? undefined : (steal * 1000) / CLOCK_TICKS;
}

/** Busy share of one core (0..1) between two readings of /proc/stat. */
export function coreTimes(core: number): { busy: number; total: number } | undefined {
  const v = coreCounters(core);
  if (!v) return undefined;
  const idle = (v[3] ?? 0) + (v[4] ?? 0); // idle + iowait
  const total = v.reduce((s, x) => s + x, 0);
  return { busy: total - idle, total };
}

/** One core's line of /proc/stat, in clock ticks: user, nice, system, idle, iowait, irq, softirq, steal… */
function coreCounters(core: number): number[] | undefined {
  const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith(`cpu${core} `));
  return line?.trim().split(/\s+/).slice(1).map(Number);
}

function safeExec(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

/**
 * Share of all CPUs busy over `ms` while the suite itself is idle: anything well above zero means
 * another workload is running and every figure of the run is suspect. Recorded in the report.
 */
export async function backgroundBusy(ms = 1_000): Promise<number | null> {
  const all = () => {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    return { busy: v.reduce((s, x) => s + x, 0) - (v[3] ?? 0) - (v[4] ?? 0), total: v.reduce((s, x) => s + x, 0) };
  };
  try {
    const before = all();
    await new Promise((r) => setTimeout(r, ms));
    const after = all();
    return (after.busy - before.busy) / Math.max(1, after.total - before.total);
  } catch {
    return null;
  }
}
