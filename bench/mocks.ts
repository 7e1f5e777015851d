/**
 * Benchmarks the downstream mocks: `npm run bench:mocks` (or `npx tsx bench/mocks.ts`).
 *
 * The mocks run in a child process (bench/support/mocks-process.ts), pinned with `taskset` to
 * another core than this load generator when it can, so the two never share an event loop or a CPU.
 *
 *  (a) POST /titles/batch with 100 distinct ids: median and p99 of sequential round trips over one
 *      keep-alive connection (undici `request`), after a warm-up, with no injected latency.
 *  (b) GET /users/{id} with a valid token: req/s under autocannon, 50 connections, 10 s, after a 2 s warm-up.
 *
 * Prints a table, then the figures as one JSON line.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Client } from 'undici';
import autocannon from 'autocannon';
import type { ServiceName } from '../downstream-mocks/src/registry.ts';
import { waitForMocksUrls } from './support/mocks-urls.ts';
import { hasTaskset } from './support/host.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BATCH_SAMPLES = Number(process.env.BENCH_BATCH_SAMPLES ?? 2000);
const BATCH_WARMUP = 300;
const LOAD_CONNECTIONS = 50;
const LOAD_SECONDS = 10;
const WARMUP_SECONDS = 2;

type Urls = Record<ServiceName, string>;

/** Core for this process and core for the mocks, or undefined when pinning is not possible. */
function chooseCores(): { generator: number; mocks: number } | undefined {
  if (!hasTaskset() || availableParallelism() < 2) return undefined;
  return { generator: 0, mocks: 1 };
}

async function startMocksProcess(mocksCore: number | undefined): Promise<{ child: ChildProcess; urls: Urls }> {
  const env = { ...process.env };
  // No injected latency, and token minting must exist.
  for (const key of Object.keys(env)) if (/_(LATENCY|JITTER)_MS$/.test(key)) delete env[key];
  delete env.NODE_ENV;

  const node = [process.execPath, '--import', 'tsx', 'bench/support/mocks-process.ts'];
  const [command, ...args] = mocksCore === undefined ? node : ['taskset', '-c', String(mocksCore), ...node];
  const child = spawn(command!, args, { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'inherit'] });

  const urls: Urls = await waitForMocksUrls(child);
  return { child, urls };
}

async function stopMocksProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM'); // the child we spawned, by its own handle
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

async function mintToken(identityUrl: string, sub: string): Promise<string> {
  const res = await fetch(`${identityUrl}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // A token for the two services measured, as a BFF's exchange gives (each takes only its own audience).
    body: JSON.stringify({ sub, aud: ['catalog', 'users'] }),
  });
  if (!res.ok) throw new Error(`token minting failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

/** One request on the keep-alive client, body read to the end; returns [ms, bytes]. */
async function timedRequest(client: Client, options: Parameters<Client['request']>[0]): Promise<[number, number]> {
  const start = process.hrtime.bigint();
  const { statusCode, body } = await client.request(options);
  let bytes = 0;
  for await (const chunk of body) bytes += (chunk as Buffer).length;
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (statusCode !== 200) throw new Error(`${options.method} ${options.path} answered ${statusCode}`);
  return [ms, bytes];
}

async function benchBatch(catalogUrl: string, token: string) {
  const client = new Client(catalogUrl, { pipelining: 1, keepAliveTimeout: 60_000 });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const batchOf = (first: number) => JSON.stringify({ ids: Array.from({ length: 100 }, (_, i) => `t_${first + i}`) });
  // Ten different batches of 100 distinct ids (t_1..t_1000), used in turn.
  const bodies = Array.from({ length: 10 }, (_, b) => batchOf(1 + b * 100));
  const post = (body: string) => timedRequest(client, { method: 'POST', path: '/titles/batch', headers, body });

  try {
    // The very first batch of never-seen titles, which the mock generates and serializes.
    const [coldMs] = await post(batchOf(9001));
    // Transport floor: a tiny unauthenticated route on the same connection.
    const floor: number[] = [];
    for (let i = 0; i < 200; i++) floor.push((await timedRequest(client, { method: 'GET', path: '/__admin/counters' }))[0]);

    for (let i = 0; i < BATCH_WARMUP; i++) await post(bodies[i % bodies.length]!);
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < BATCH_SAMPLES; i++) {
      const [ms, size] = await post(bodies[i % bodies.length]!);
      times.push(ms);
      bytes = size;
    }
    times.sort((a, b) => a - b);
    floor.sort((a, b) => a - b);
    return {
      samples: times.length,
      medianMs: round(percentile(times, 0.5)),
      p99Ms: round(percentile(times, 0.99)),
      meanMs: round(times.reduce((s, t) => s + t, 0) / times.length),
      maxMs: round(times[times.length - 1]!),
      coldFirstBatchMs: round(coldMs),
      responseBytes: bytes,
      transportFloorMedianMs: round(percentile(floor, 0.5)),
    };
  } finally {
    await client.close();
  }
}

async function benchUsers(usersUrl: string, token: string) {
  const result = await autocannon({
    url: `${usersUrl}/users/u_1`,
    headers: { authorization: `Bearer ${token}` },
    connections: LOAD_CONNECTIONS,
    duration: LOAD_SECONDS,
    warmup: { connections: LOAD_CONNECTIONS, duration: WARMUP_SECONDS },
  });
  return {
    connections: LOAD_CONNECTIONS,
    durationSeconds: LOAD_SECONDS,
    warmupSeconds: WARMUP_SECONDS,
    requestsPerSecondMean: round(result.requests.average, 1),
    requestsPerSecondP50: result.requests.p50,
    totalRequests: result.requests.total,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

async function main(): Promise<void> {
  const cores = chooseCores();
  if (cores) execFileSync('taskset', ['-a', '-p', '-c', String(cores.generator), String(process.pid)], { stdio: 'ignore' });
  const pinning = cores ? `load generator on core ${cores.generator}, mocks on core ${cores.mocks}` : 'not pinned (no taskset or a single core)';

  const { child, urls } = await startMocksProcess(cores?.mocks);
  try {
    const token = await mintToken(urls.identity, 'u_1');
    const batch = await benchBatch(urls.catalog, token);
    const users = await benchUsers(urls.users, token);

    const rows: [string, string][] = [
      ['pinning', pinning],
      ['POST /titles/batch (100 ids) median', `${batch.medianMs} ms`],
      ['POST /titles/batch (100 ids) p99', `${batch.p99Ms} ms`],
      ['  samples / response size', `${batch.samples} sequential, keep-alive / ${(batch.responseBytes / 1024).toFixed(0)} KiB`],
      ['  first cold batch (titles generated)', `${batch.coldFirstBatchMs} ms`],
      ['  transport floor (GET /__admin/counters)', `${batch.transportFloorMedianMs} ms median`],
      ['GET /users/{id} req/s (mean)', `${users.requestsPerSecondMean}`],
      ['  latency p50 / p99', `${users.latencyP50Ms} ms / ${users.latencyP99Ms} ms`],
      ['  connections / duration', `${users.connections} / ${users.durationSeconds} s (+${users.warmupSeconds} s warm-up)`],
      ['  non-2xx / errors / timeouts', `${users.non2xx} / ${users.errors} / ${users.timeouts}`],
    ];
    const width = Math.max(...rows.map(([k]) => k.length));
    console.log('\nDownstream mocks benchmark\n');
    for (const [key, value] of rows) console.log(`  ${key.padEnd(width)}  ${value}`);
    console.log();
    console.log(JSON.stringify({ bench: 'mocks', node: process.version, pinning, batch, users }));

    if (users.non2xx > 0 || users.errors > 0) process.exitCode = 1;
  } finally {
    await stopMocksProcess(child);
  }
}

await main();
