import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { DRAIN_MARGIN_MS } from '../../bffs/kit/server/serve.ts';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { startBffProcess, type BffProcess } from '../support/processes.ts';

/**
 * A mobile BFF process (bffs/mobile/main.ts) under steady load over keep-alive sockets gets
 * SIGTERM, as Kubernetes sends it, and the test plays the balancer: it watches /ready and keeps
 * sending until shortly before the delay is over (the endpoint is gone from rotation by then).
 * What a client sees: /ready 503 at once, 200s all through the delay, no failed request, the
 * slow requests in flight at close answered (with Connection: close), a closed port after, and
 * exit code 0 within delay + deadline + margin.
 */

const DELAY_MS = 1_000;
const DEADLINE_MS = 3_000;
const SLOW_MS = 1_500; // users' added latency: a home in flight across the close
const TITLE = JSON.stringify({ query: '{ title(id: "t_1") { id title } }' });
const HOME = JSON.stringify({ query: '{ home { profile { name } } }' });

let mocks: TestMocks;
let token: string;
let bff: BffProcess | undefined;

beforeAll(async () => {
  mocks = await startTestMocks();
  token = await mocks.token('u_1');
});
afterEach(async () => {
  await mocks.clearFaults();
  await bff?.stop();
  bff = undefined;
});
afterAll(() => mocks?.close());

const start = () =>
  startBffProcess('mobile', mocks.urls, {
    SHUTDOWN_DELAY_MS: String(DELAY_MS),
    DEADLINE_MS: String(DEADLINE_MS),
    LOG_LEVEL: 'info',
    // The load spends far more than a viewer's budget in a few seconds: not what is tested here.
    RATE_LIMIT_VIEWER: '100000000/60',
    RATE_LIMIT_IP: '100000000/60',
  });

async function post(pool: Pool, body: string) {
  const res = await pool.request({ path: '/graphql', method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
  const text = await res.body.text();
  return { status: res.statusCode, connection: res.headers.connection, text };
}

async function readyStatus(origin: string): Promise<number | 'refused'> {
  try {
    const res = await fetch(`${origin}/ready`, { signal: AbortSignal.timeout(1_000) });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return 'refused';
  }
}

describe('graceful shutdown on SIGTERM', () => {
  test('drains: /ready 503 at once, every request sent before the close answered, exit 0', async () => {
    bff = await start();
    const { child, origin } = bff;
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    const steady = new Pool(origin, { connections: 8 });
    const slow = new Pool(origin, { connections: 4 });
    expect((await post(steady, TITLE)).status).toBe(200);
    expect(await readyStatus(origin)).toBe(200);

    // Steady load: 8 workers, one request after another, each on a kept-alive socket.
    const answers: { sentAt: number; status: number | string }[] = [];
    let sending = true;
    const worker = async () => {
      while (sending) {
        const sentAt = performance.now();
        const status = await post(steady, TITLE).then((answer) => answer.status, (error: NodeJS.ErrnoException) => error.code ?? String(error));
        answers.push({ sentAt, status });
      }
    };
    const workers = Array.from({ length: 8 }, worker);
    await sleep(300);

    await mocks.setFaults('users', { latencyMs: SLOW_MS });
    const t0 = performance.now();
    child.kill('SIGTERM');

    // /ready, polled as a balancer does (a new connection each time).
    const ready: { at: number; status: number | 'refused' }[] = [];
    const probing = (async () => {
      while (child.exitCode === null && performance.now() - t0 < DELAY_MS + 500) {
        ready.push({ at: performance.now() - t0, status: await readyStatus(origin) });
        await sleep(20);
      }
    })();

    // Slow homes sent just before the close: in flight when the listener closes.
    await sleep(DELAY_MS - 300);
    const slowAnswers = Promise.all(Array.from({ length: 3 }, () => post(slow, HOME).catch((error: NodeJS.ErrnoException) => ({ status: error.code ?? String(error), connection: undefined, text: 'null' }))));
    // The balancer has taken the replica out by now: no new requests.
    await sleep(150);
    sending = false;
    await Promise.all(workers);
    await probing;

    const homes = await slowAnswers;
    const [code, signal] = await exited;
    const exitedAfter = performance.now() - t0;
    await Promise.all([steady.close(), slow.close()]);

    // /ready: 503 from the first probe the process could answer after the signal, 503 after.
    const firstDrained = ready.findIndex((probe) => probe.status === 503);
    expect(firstDrained).toBeGreaterThanOrEqual(0);
    expect(ready[firstDrained]!.at).toBeLessThan(300);
    expect(ready.slice(firstDrained).every((probe) => probe.status === 503 || probe.status === 'refused')).toBe(true);

    // /graphql kept answering 200 through the delay, and nothing failed.
    const duringDelay = answers.filter((answer) => answer.sentAt > t0 + 300);
    expect(duringDelay.length).toBeGreaterThan(20);
    const failures = answers.filter((answer) => answer.status !== 200);
    expect(failures, JSON.stringify(failures.slice(0, 5))).toEqual([]);

    // The slow homes in flight at the close were answered, each telling the client not to reuse the socket.
    expect(homes.map((home) => home.status)).toEqual([200, 200, 200]);
    expect(homes.map((home) => JSON.parse(home.text)?.data.home.profile.name)).toEqual(homes.map(() => expect.any(String)));
    expect(homes.map((home) => home.connection)).toEqual(['close', 'close', 'close']);

    // It stopped accepting, then exited 0, after the delay and within delay + deadline + margin.
    expect(await readyStatus(origin)).toBe('refused');
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(exitedAfter).toBeGreaterThan(DELAY_MS + SLOW_MS - 400);
    expect(exitedAfter).toBeLessThan(DELAY_MS + DEADLINE_MS + DRAIN_MARGIN_MS);

    const log = bff.output();
    for (const step of ['/ready answers 503', 'stopped accepting', 'every connection closed', 'shutdown: done']) expect(log).toContain(step);
  }, 30_000);

  test('a second signal during the drain exits at once, with 128 + its number', async () => {
    bff = await start();
    const { child } = bff;
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    child.kill('SIGTERM');
    await sleep(200); // inside the 1 s delay
    const t0 = performance.now();
    child.kill('SIGTERM');
    const [code] = await exited;
    expect(code).toBe(143);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(bff.output()).toContain('second signal');
  }, 30_000);
});
