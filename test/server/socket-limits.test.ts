/**
 * A BFF reached without a balancer (no `TRUSTED_PROXY_HOPS`) bounds its sockets itself, over
 * real sockets against `serve()`'s listener: slow headers, slow bodies and idle keep-alive
 * sockets are cut at their bounds (not 75 s later), one address cannot hold more than its cap,
 * and at the total cap the oldest idle socket makes room, so another client still gets /health.
 */
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BffConfig } from '../../bffs/kit/config.ts';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import { serve, type Serving } from '../../bffs/kit/server/serve.ts';
import { BODY_ALLOWANCE_MS, DIRECT_CONNECTIONS_PER_ADDRESS, DIRECT_HEADERS_TIMEOUT_MS, DIRECT_KEEP_ALIVE_TIMEOUT_MS, TIMEOUT_CHECK_INTERVAL_MS, socketLimits } from '../../bffs/kit/server/socket-limits.ts';
import { createMobileBff } from '../../bffs/mobile/bff.ts';
import { testConfig } from '../support/bffs.ts';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { exchange } from '../support/raw-socket.ts';

let mocks: TestMocks;
const running: { bff: Bff; serving: Serving }[] = [];

beforeAll(async () => {
  mocks = await startTestMocks();
});
afterAll(async () => {
  for (const { serving } of running) await serving.shutdown('test over');
  await mocks?.close();
});

async function start(overrides: Partial<BffConfig> = {}): Promise<{ bff: Bff; origin: string; port: number }> {
  const config = testConfig(mocks.urls, overrides);
  const bff = createMobileBff(config, { logger: pino({ level: 'silent' }) });
  const serving = await serve(bff, config, { signals: false });
  running.push({ bff, serving });
  const { port } = serving.server.address() as AddressInfo;
  return { bff, origin: `http://127.0.0.1:${port}`, port };
}

function open(port: number, localAddress: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, localAddress }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Milliseconds from now until the server closes the socket (it may answer 408 first). */
function closedAfter(socket: Socket): Promise<number> {
  const started = performance.now();
  return new Promise((resolve) => {
    socket.on('data', () => {});
    socket.on('error', () => {});
    socket.once('close', () => resolve(performance.now() - started));
  });
}

/** True when the server closed the socket within `ms`. */
async function closedWithin(socket: Socket, ms: number): Promise<boolean> {
  return Promise.race([closedAfter(socket).then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);
}

async function counter(bff: Bff, labels: string): Promise<number> {
  const line = (await bff.metrics!.metrics()).split('\n').find((l) => l.startsWith('concierge_connections_closed_total{') && l.includes(labels));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('no balancer declared: the defaults', () => {
  test('bound idle keep-alive, headers and the whole request, and cap one address', () => {
    const limits = socketLimits(testConfig(mocks.urls), 32, 20_000);
    expect(limits).toMatchObject({ keepAliveTimeout: DIRECT_KEEP_ALIVE_TIMEOUT_MS, headersTimeout: DIRECT_HEADERS_TIMEOUT_MS, requestTimeout: DIRECT_HEADERS_TIMEOUT_MS + BODY_ALLOWANCE_MS, maxConnectionsPerAddress: DIRECT_CONNECTIONS_PER_ADDRESS });
    // Behind a balancer the keep-alive rule holds instead (docs/keep-alive.md), and every socket is the balancer's.
    const balanced = socketLimits(testConfig(mocks.urls, { trustedProxyHops: 1 }), 32, 20_000);
    expect(balanced.keepAliveTimeout).toBeGreaterThan(60_000);
    expect(balanced.headersTimeout).toBeGreaterThan(balanced.keepAliveTimeout);
    expect(balanced.maxConnectionsPerAddress).toBeUndefined();
  });

  test('the total cap stays below the open-files limit, leaving the downstream pools their sockets', () => {
    for (const fdLimit of [400, 1_024, 65_536]) {
      const { maxConnections } = socketLimits(testConfig(mocks.urls), 32, fdLimit);
      expect(maxConnections + 32 * Object.keys(mocks.urls).length).toBeLessThan(fdLimit);
    }
  });

  const slack = TIMEOUT_CHECK_INTERVAL_MS + 1_500; // node checks every interval; its keep-alive adds 1 s
  test(
    'slow headers are cut at the headers bound, a slow body at the request bound, an idle socket at the keep-alive bound',
    async () => {
      const { port } = await start();
      const slowHeaders = await open(port, '127.0.0.1');
      const slowBody = await open(port, '127.0.0.1');
      const idle = await open(port, '127.0.0.1');
      // One header line a second: never a whole head.
      slowHeaders.write('GET /health HTTP/1.1\r\nHost: bff.example\r\n');
      const headerDrip = setInterval(() => slowHeaders.writable && slowHeaders.write('X-Slow: 1\r\n'), 1_000);
      // A head at once, then one body byte a second: never a whole body.
      slowBody.write('POST /graphql HTTP/1.1\r\nHost: bff.example\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
      const bodyDrip = setInterval(() => slowBody.writable && slowBody.write(' '), 1_000);
      // One request answered, then nothing on a kept-alive socket.
      idle.write('GET /health HTTP/1.1\r\nHost: bff.example\r\n\r\n');
      try {
        const [headersMs, bodyMs, idleMs] = await Promise.all([closedAfter(slowHeaders), closedAfter(slowBody), closedAfter(idle)]);
        expect(headersMs).toBeGreaterThanOrEqual(DIRECT_HEADERS_TIMEOUT_MS - 100);
        expect(headersMs).toBeLessThan(DIRECT_HEADERS_TIMEOUT_MS + slack);
        expect(bodyMs).toBeGreaterThanOrEqual(DIRECT_HEADERS_TIMEOUT_MS + BODY_ALLOWANCE_MS - 100);
        expect(bodyMs).toBeLessThan(DIRECT_HEADERS_TIMEOUT_MS + BODY_ALLOWANCE_MS + slack);
        expect(idleMs).toBeGreaterThanOrEqual(DIRECT_KEEP_ALIVE_TIMEOUT_MS - 100);
        expect(idleMs).toBeLessThan(DIRECT_KEEP_ALIVE_TIMEOUT_MS + slack);
      } finally {
        clearInterval(headerDrip);
        clearInterval(bodyDrip);
      }
    },
    DIRECT_HEADERS_TIMEOUT_MS + BODY_ALLOWANCE_MS + 15_000,
  );

  test(`${DIRECT_CONNECTIONS_PER_ADDRESS} + 1 sockets from one address: the last is closed at once, and another address still gets /health`, async () => {
    const { bff, origin, port } = await start();
    const held: Socket[] = [];
    for (let i = 0; i < DIRECT_CONNECTIONS_PER_ADDRESS; i++) held.push(await open(port, '127.0.0.2'));
    const oneMore = await open(port, '127.0.0.2');
    expect(await closedWithin(oneMore, 2_000)).toBe(true);
    expect(await counter(bff, 'reason="address_cap"')).toBe(1);
    // The held ones are still open: the cap closed only the one over it.
    expect(held.every((socket) => !socket.destroyed)).toBe(true);
    const health = await exchange(origin, 'GET /health HTTP/1.1\r\nHost: bff.example\r\nConnection: close\r\n\r\n', { localAddress: '127.0.0.3' });
    expect(health.status).toBe(200);
    for (const socket of held) socket.destroy();
  });

  test('at the total cap, the oldest idle socket is closed for a new one, and /health answers', async () => {
    const cap = 20;
    const { bff, origin, port } = await start({ maxConnections: cap });
    // Idle sockets from as many addresses (no per-address cap is reached): what 450 idle sockets against a 400-file limit were.
    const held: Socket[] = [];
    for (let i = 0; i < cap; i++) held.push(await open(port, `127.0.1.${i + 1}`));
    const oldestClosed = closedWithin(held[0]!, 3_000);
    const health = await exchange(origin, 'GET /health HTTP/1.1\r\nHost: bff.example\r\nConnection: close\r\n\r\n', { localAddress: '127.0.2.1' });
    expect(health.status).toBe(200);
    expect(await oldestClosed).toBe(true);
    expect(held.slice(1).every((socket) => !socket.destroyed)).toBe(true);
    expect(await counter(bff, 'reason="evicted_idle"')).toBe(1);
    for (const socket of held) socket.destroy();
  });
});
