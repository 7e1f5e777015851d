/**
 * How the production image should run TypeScript, measured: a mobile BFF's start (spawn to the
 * first 200 from /ready), the CPU it spent to get there (what the start costs on a busy machine,
 * where the wall time mostly measures the other load) and its RSS once ready, started each way
 * the image could start it.
 *   npm run bench:runtime [-- --runs 5]
 * - tsx:       node --import tsx bffs/mobile/main.ts (tsx's esbuild loader hooks)
 * - strip:     node bffs/mobile/main.ts (Node's own type stripping; erasable syntax only)
 * - transform: node --experimental-transform-types bffs/mobile/main.ts (Node's own, with the
 *              parameter properties stripping cannot erase)
 * - compiled:  node bffs/mobile/main.js, emitted by tsc (tsconfig.build.json) into a copy of the
 *              tree, so the files the BFF reads beside its modules are where it looks
 * The runs alternate between the ways, so the machine's other load falls on each alike.
 */
import { randomBytes } from 'node:crypto';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { urlVariableOf, type DownstreamName } from '../bffs/kit/config.ts';
import { BFF_NODE_FLAGS } from '../bffs/kit/server/node-flags.ts';
import { freePort } from './support/host.ts';
import { waitForMocksUrls } from './support/mocks-urls.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { runs: { type: 'string', default: '5' } } });
const RUNS = Number(values.runs);

interface Way {
  name: string;
  cwd: string;
  args: string[];
}

/** tsc's JavaScript beside the sources, in a copy of what the image ships. */
function compiledCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'concierge-compiled-'));
  for (const path of ['bffs', 'schemas', 'downstream-mocks', 'package.json', 'tsconfig.json', 'tsconfig.build.json']) cpSync(join(ROOT, path), join(dir, path), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: dir, encoding: 'utf8' });
  if (tsc.status !== 0) throw new Error(`tsc failed: ${tsc.stdout}${tsc.stderr}`);
  return dir;
}

async function readyAfter(child: ChildProcess, origin: string, startedAt: number): Promise<number> {
  let exited: string | undefined;
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
  child.once('exit', (code) => void (exited = `exited with ${code}: ${stderr.slice(-2000)}`));
  for (;;) {
    if (exited) throw new Error(exited);
    try {
      const res = await fetch(`${origin}/ready`);
      await res.arrayBuffer();
      if (res.ok) return performance.now() - startedAt;
    } catch {
      // not listening yet
    }
    if (performance.now() - startedAt > 60_000) throw new Error(`no /ready within 60 s: ${stderr.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The process and its descendants (tsx's esbuild service is a child process): their pids. */
function tree(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone since the listing
    }
  }
  const pids = [root];
  for (let i = 0; i < pids.length; i += 1) for (const [pid, parent] of parentOf) if (parent === pids[i]) pids.push(pid);
  return pids;
}

const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
/** User + system CPU so far, in ms (the kernel counts in ticks of 10 ms). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface Sample {
  readyMs: number;
  cpuMs: number;
  rss: number;
}

async function measure(way: Way, env: NodeJS.ProcessEnv): Promise<Sample> {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const startedAt = performance.now();
  const child = spawn(process.execPath, [...BFF_NODE_FLAGS, ...way.args], { cwd: way.cwd, env: { ...env, PORT: String(port), ADMIN_PORT: String(await freePort()) }, stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const readyMs = await readyAfter(child, origin, startedAt);
    const pids = tree(child.pid!);
    return { readyMs, cpuMs: pids.reduce((sum, pid) => sum + cpuMs(pid), 0), rss: pids.reduce((sum, pid) => sum + rssMiB(pid), 0) };
  } finally {
    child.kill('SIGKILL');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const compiled = compiledCopy();
const ways: Way[] = [
  { name: 'tsx', cwd: ROOT, args: ['--import', 'tsx', 'bffs/mobile/main.ts'] },
  { name: 'strip', cwd: ROOT, args: ['bffs/mobile/main.ts'] },
  { name: 'transform', cwd: ROOT, args: ['--experimental-transform-types', '--disable-warning=ExperimentalWarning', 'bffs/mobile/main.ts'] },
  { name: 'compiled', cwd: compiled, args: ['bffs/mobile/main.js'] },
];

// The mobile BFF exchanges tokens at identity as client mobile-bff: production refuses the published secret.
const mobileClientSecret = randomBytes(24).toString('base64url');
const mocks = spawn(process.execPath, ['--import', 'tsx', 'bench/support/mocks-process.ts'], { cwd: ROOT, env: { ...process.env, MOBILE_CLIENT_SECRET: mobileClientSecret }, stdio: ['pipe', 'pipe', 'inherit'] });
try {
  const urls = await waitForMocksUrls(mocks);
  const env = { PATH: process.env.PATH, NODE_ENV: 'production', HOST: '127.0.0.1', LOG_LEVEL: 'warn', MOBILE_CLIENT_SECRET: mobileClientSecret, ...Object.fromEntries(Object.entries(urls).map(([name, url]) => [urlVariableOf(name as DownstreamName), url])) };
  const results = new Map<string, { samples: Sample[]; error?: string }>(ways.map((way) => [way.name, { samples: [] }]));
  for (let run = 0; run < RUNS; run += 1) {
    for (const way of ways) {
      const result = results.get(way.name)!;
      if (result.error) continue;
      try {
        result.samples.push(await measure(way, env));
      } catch (error) {
        result.error = (error as Error).message.split('\n').find((line) => /Error|error/.test(line))?.trim() ?? (error as Error).message;
      }
    }
  }
  console.log(`Node ${process.version}, ${RUNS} runs each, median (min-max); CPU and RSS are the BFF's process and its children's`);
  console.log('| way | start to /ready | CPU to /ready | RSS at ready |\n| --- | --- | --- | --- |');
  const cell = (values: number[], unit: string) => `${median(values).toFixed(0)} ${unit} (${Math.min(...values).toFixed(0)}-${Math.max(...values).toFixed(0)})`;
  for (const [name, { samples, error }] of results) {
    if (error) console.log(`| ${name} | fails: ${error} | | |`);
    else console.log(`| ${name} | ${cell(samples.map((s) => s.readyMs), 'ms')} | ${cell(samples.map((s) => s.cpuMs), 'ms')} | ${cell(samples.map((s) => s.rss), 'MiB')} |`);
  }
} finally {
  mocks.kill('SIGTERM');
  rmSync(compiled, { recursive: true, force: true });
}
