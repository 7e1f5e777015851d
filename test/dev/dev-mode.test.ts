/**
 * `npm run dev` (scripts/dev/main.ts), for real: on a copy of the repository (so the edits below
 * never touch the checkout), on ports shifted away from a developer's own stack, real processes
 * and real HTTP. The edits are made the way an editor makes them, and the clock runs from the
 * save to the first answer of the new schema.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// Clear of `npm start` (0), test/start (1000) and the ephemeral range the dev children use.
const OFFSET = 2300;
const MOBILE = `http://127.0.0.1:${4001 + OFFSET}`;
const IDENTITY = `http://127.0.0.1:${4100 + OFFSET}`;
const USERS = `http://127.0.0.1:${4101 + OFFSET}`;

/** Extra latency on the users service (every home reads it), so that requests are in flight when the swap happens. */
async function usersLatency(ms: number): Promise<void> {
  const res = ms
    ? await fetch(`${USERS}/__admin/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs: ms }) })
    : await fetch(`${USERS}/__admin/faults`, { method: 'DELETE' });
  await res.arrayBuffer();
  expect(res.ok).toBe(true);
}

let copy: string;
let dev: ChildProcess;
let output = '';
let token: string;
/** Every process under `npm run dev`, gathered while it runs, for the stop test and the cleanup. */
const descendants = new Set<number>();

function write(path: string, text: string): void {
  writeFileSync(join(copy, path), text);
}

function read(path: string): string {
  return readFileSync(join(copy, path), 'utf8');
}

function collectDescendants(pid: number): void {
  let children: string;
  try {
    children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  } catch {
    return; // none
  }
  for (const child of children.split('\n').map((line) => Number(line.trim())).filter(Boolean)) {
    descendants.add(child);
    collectDescendants(child);
  }
}

/** Running, and not a zombie waiting to be reaped (in a container, nobody may reap an orphan's). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function waitForOutput(pattern: RegExp | string, timeoutMs: number, from = 0): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = output.slice(from);
    const match = typeof pattern === 'string' ? (seen.includes(pattern) ? pattern : null) : (pattern.exec(seen)?.[0] ?? null);
    if (match !== null) return match;
    if (dev.exitCode !== null) throw new Error(`npm run dev exited (${dev.exitCode}) before "${pattern}":\n${output}`);
    if (Date.now() > deadline) throw new Error(`no "${pattern}" within ${timeoutMs} ms:\n${output}`);
    await sleep(50);
  }
}

async function query(document: string): Promise<{ status: number; body: { data?: Record<string, unknown> | null; errors?: { message: string }[] } }> {
  const res = await fetch(`${MOBILE}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: document }),
    signal: AbortSignal.timeout(5_000),
  });
  return { status: res.status, body: (await res.json()) as never };
}

/** Polls until `document` answers 200 with data that `check` accepts; resolves with the time it took. */
async function until(document: string, check: (data: Record<string, unknown>) => boolean, timeoutMs: number): Promise<number> {
  const started = performance.now();
  let last = '';
  while (performance.now() - started < timeoutMs) {
    try {
      const { status, body } = await query(document);
      if (status === 200 && body.data && check(body.data)) return performance.now() - started;
      last = `${status} ${JSON.stringify(body)}`;
    } catch (error) {
      last = String(error);
    }
    await sleep(25);
  }
  throw new Error(`${document} was not served within ${timeoutMs} ms; last answer: ${last}\n${output}`);
}

/**
 * Requests at a steady rate (open loop, every `everyMs`), the old field only, each recorded with
 * when it started and ended and whether it failed. Paced rather than flat out: two cores, and the
 * viewer's rate budget must not be what fails a request.
 */
function steadyStream(everyMs = 20) {
  const runs: { start: number; end: number; ok: boolean; detail: string }[] = [];
  const inFlight = new Set<Promise<void>>();
  let stopped = false;
  const one = async () => {
    const start = performance.now();
    try {
      const { status, body } = await query('{ home { downloadEnabled } }');
      const ok = status === 200 && body.data?.home !== undefined && !body.errors;
      runs.push({ start, end: performance.now(), ok, detail: ok ? '' : `${status} ${JSON.stringify(body)}` });
    } catch (error) {
      runs.push({ start, end: performance.now(), ok: false, detail: String((error as Error).cause ?? error) });
    }
  };
  const loop = (async () => {
    while (!stopped) {
      const request = one();
      inFlight.add(request);
      void request.finally(() => inFlight.delete(request));
      await sleep(everyMs);
    }
    await Promise.all(inFlight);
  })();
  return {
    runs,
    async stop() {
      stopped = true;
      await loop;
      return runs;
    },
  };
}

beforeAll(async () => {
  copy = mkdtempSync(join(tmpdir(), 'concierge-dev-'));
  const skip = new Set(['node_modules', '.git', '.tmp'].map((name) => join(ROOT, name)));
  cpSync(ROOT, copy, { recursive: true, filter: (source) => !skip.has(source.replace(/\/$/, '')) });
  symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));

  // A clean environment: no BFF or mock settings from the shell that runs the tests.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(NODE_ENV|PORT|HOST|LOG_LEVEL|.*_URL|.*_LATENCY_MS|.*_JITTER_MS|MOCKS_.*|TRUSTED_.*|RATE_LIMIT.*|OPERATION_LIMITS|FAST_LANE|DEADLINE_MS|DOWNSTREAM_CONNECTIONS|WEB_ORIGINS|CONCIERGE_.*)$/.test(key)),
  );
  dev = spawn(process.execPath, ['--import', 'tsx', 'scripts/dev/main.ts'], {
    cwd: copy,
    env: { ...env, CONCIERGE_PORT_OFFSET: String(OFFSET) },
    // With an IPC channel, so that if this test process dies, npm run dev notices and stops everything.
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  process.once('exit', () => dev.kill('SIGKILL'));
  dev.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  dev.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitForOutput('Concierge is up in dev mode', 50_000);
  collectDescendants(dev.pid!);

  const minted = await fetch(`${IDENTITY}/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub: 'u_1' }) });
  token = ((await minted.json()) as { access_token: string }).access_token;
}, 60_000);

afterAll(async () => {
  if (dev && dev.exitCode === null && dev.signalCode === null) {
    collectDescendants(dev.pid!);
    const exited = new Promise((resolve) => dev.once('exit', resolve));
    dev.kill('SIGTERM');
    await Promise.race([exited, sleep(10_000)]);
  }
  // Whatever is left (a failed test, a hung child) goes now, so no test leaves processes behind.
  for (const pid of descendants) if (alive(pid)) process.kill(pid, 'SIGKILL');
  if (dev && dev.exitCode === null) dev.kill('SIGKILL');
  if (copy) rmSync(copy, { recursive: true, force: true });
}, 20_000);

describe('npm run dev', () => {
  test('a field added to the SDL with its resolver is served within seconds, and no request fails across the swap', async () => {
    expect((await query('{ home { downloadEnabled } }')).status).toBe(200);
    // Each request of the stream now takes 300 ms, one starts every 20 ms: about 15 are always in flight.
    await usersLatency(300);
    const stream = steadyStream();
    await sleep(600);

    const from = output.length;
    const saved = performance.now();
    // As an editor saves: the SDL, the resolver file, then the index that exports it.
    write('schemas/mobile.graphql', read('schemas/mobile.graphql').replace('type Home {\n', 'type Home {\n  "Proves npm run dev serves a new field."\n  greeting: String!\n'));
    write('bffs/mobile/resolvers/Home/greeting.ts', "import type { HomeResolvers } from '../../generated/resolvers.generated.ts';\n\nexport const greeting: NonNullable<HomeResolvers['greeting']> = () => 'hello from dev';\n");
    write(
      'bffs/mobile/resolvers/index.ts',
      read('bffs/mobile/resolvers/index.ts')
        .replace("import { rows } from './Home/rows.ts';", "import { rows } from './Home/rows.ts';\nimport { greeting } from './Home/greeting.ts';")
        .replace('Home: { profile, downloadEnabled, unreadNotificationCount, rows }', 'Home: { profile, downloadEnabled, unreadNotificationCount, rows, greeting }'),
    );
    expect(read('bffs/mobile/resolvers/index.ts')).toContain('greeting }');

    await until('{ home { greeting } }', (data) => (data.home as { greeting?: string }).greeting === 'hello from dev', 15_000);
    const swapMs = performance.now() - saved;
    // Past the old generation's drain and stop, with the stream still running.
    await waitForOutput('mobile#1 stopped after finishing its', 15_000, from);
    await sleep(1_000);
    const runs = await stream.stop();
    await usersLatency(0);

    const failures = runs.filter((run) => !run.ok);
    const acrossSwap = runs.filter((run) => run.end >= saved && run.start <= saved + swapMs + 1_000);
    const inFlightAtSwitch = /mobile#1 stopped after finishing its (\d+) request/.exec(output.slice(from))?.[1] ?? '0';
    console.log(`dev swap: ${Math.round(swapMs)} ms from the save to the new field answering; ${runs.length} requests in the stream, ${acrossSwap.length} across the swap, ${inFlightAtSwitch} in flight on the old BFF at the switch, ${failures.length} failed`);
    expect(failures.map((run) => run.detail)).toEqual([]);
    expect(acrossSwap.length).toBeGreaterThan(20);
    expect(Number(inFlightAtSwitch)).toBeGreaterThan(0);
    expect(output.slice(from)).toContain('mobile#2 is serving');
    expect(read('bffs/mobile/generated/resolvers.generated.ts')).toContain('greeting');
    expect(swapMs).toBeLessThan(10_000);
  }, 40_000);

  test('an SDL that does not build keeps the last good schema serving, prints where it is broken, and recovers when fixed', async () => {
    const good = read('schemas/mobile.graphql');
    const from = output.length;
    write('schemas/mobile.graphql', good.replace('  greeting: String!\n', '  greeting: String!!\n'));
    await waitForOutput('codegen failed for mobile', 10_000, from);
    const report = output.slice(from);
    expect(report).toContain('still serving mobile#2, the last good version');
    expect(report).toMatch(/schemas\/mobile\.graphql:\d+:\d+/);
    expect(report).toContain('Syntax Error: Expected Name, found "!"');

    const during = await query('{ home { greeting downloadEnabled } }');
    expect(during.status).toBe(200);
    expect(during.body.data).toMatchObject({ home: { greeting: 'hello from dev' } });

    // The fix also adds a field, so that the schema serving afterwards is visibly the new one.
    write('schemas/mobile.graphql', good.replace('  greeting: String!\n', '  greeting: String!\n  "Null: no resolver."\n  farewell: String\n'));
    await until('{ home { greeting farewell } }', (data) => (data.home as { greeting?: string }).greeting === 'hello from dev' && 'farewell' in (data.home as object), 10_000);
    expect(output.slice(from)).toContain('mobile#3 is serving');
  }, 30_000);

  test('a resolver that throws when imported keeps the last good version serving, names the file, and recovers when fixed', async () => {
    const resolver = read('bffs/mobile/resolvers/Home/greeting.ts');
    const from = output.length;
    write('bffs/mobile/resolvers/Home/greeting.ts', `${resolver}\nthrow new Error('greeting is not ready');\n`);
    await waitForOutput('mobile#4 did not start', 15_000, from);
    const report = output.slice(from);
    expect(report).toContain('still serving mobile#3, the last good version');
    expect(report).toContain('bffs/mobile/resolvers/Home/greeting.ts');
    expect(report).toContain('greeting is not ready');
    expect((await query('{ home { greeting } }')).body.data).toMatchObject({ home: { greeting: 'hello from dev' } });

    write('bffs/mobile/resolvers/Home/greeting.ts', resolver.replace('hello from dev', 'hello again'));
    await until('{ home { greeting } }', (data) => (data.home as { greeting?: string }).greeting === 'hello again', 10_000);
  }, 30_000);

  test('SIGTERM (Ctrl-C) stops every process it started and frees every port', async () => {
    collectDescendants(dev.pid!);
    expect(descendants.size).toBeGreaterThanOrEqual(5); // mocks, three BFFs, codegen, spares
    const exited = new Promise<number | null>((resolve) => dev.once('exit', (code) => resolve(code)));
    dev.kill('SIGTERM');
    expect(await exited).toBe(0);
    // Their own children (tsx's esbuild) leave when their parents do.
    const deadline = Date.now() + 5_000;
    while ([...descendants].some(alive) && Date.now() < deadline) await sleep(100);
    expect([...descendants].filter(alive)).toEqual([]);
    for (const port of [4000, 4001, 4002, 4100, 4109].map((base) => base + OFFSET)) {
      await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    }
  }, 20_000);
});
