/**
 * `npm run bench:home`: what one home screen costs, per client, against the real mocks.
 * - downstream requests per home (from the mocks' counters);
 * - home latency with 50 ms injected into every service (median of 20);
 * - response bytes next to the bytes a client would fetch from the raw services for the same screen.
 * Each BFF listens on node:http with the listener `npm start` serves (fast lane, then yoga), in a
 * process with the deployment's node flags, so the figures are what a client sees.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { BFF_NODE_FLAGS } from '../bffs/kit/server/node-flags.ts';
import { fetchOver } from '../test/support/served.ts';
import type { Bff } from '../bffs/kit/server/create-bff.ts';
import type { ServiceName } from '../downstream-mocks/src/registry.ts';
import { startTestMocks, type TestMocks } from '../test/support/mocks.ts';
import { testConfig } from '../test/support/bffs.ts';
import { rawHomeBytes } from './harness/raw-bytes.ts';
import { CLIENT_HOMES } from './support/homes.ts';

// Re-run under the deployment's node flags when started without them (npm run bench:home).
if (!BFF_NODE_FLAGS.every((flag) => process.execArgv.includes(flag))) {
  const { status } = spawnSync(process.execPath, [...BFF_NODE_FLAGS, '--import', 'tsx', fileURLToPath(import.meta.url)], { stdio: 'inherit' });
  process.exit(status ?? 1);
}

const RUNS = 20;
const LATENCY_MS = 50;
const VIEWER = 'u_1';
const clients = CLIENT_HOMES;

async function home(bff: Bff, document: string, token: string, headers: Record<string, string>) {
  const response = await fetchOver(bff, '/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify({ query: document }),
  });
  const text = await response.text();
  if (response.status !== 200 || text.includes('"errors"')) throw new Error(`home failed: ${response.status} ${text.slice(0, 300)}`);
  return text;
}

async function totalCalls(mocks: TestMocks): Promise<number> {
  let total = 0;
  for (const service of Object.keys(mocks.urls) as ServiceName[]) if (service !== 'identity') total += (await mocks.counters(service)).total;
  return total;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const fast = await startTestMocks();
const slow = await startTestMocks({ MOCKS_LATENCY_MS: String(LATENCY_MS) });
const logger = pino({ level: 'silent' });
const rows: Record<string, unknown>[] = [];

for (const client of clients) {
  const fastBff = client.create(testConfig(fast.urls), { logger });
  const slowBff = client.create(testConfig(slow.urls), { logger });
  const fastToken = await fast.token(VIEWER);
  const slowToken = await slow.token(VIEWER);

  await home(fastBff, client.document, fastToken, client.headers); // warm the JWKS cache and pools
  await fast.resetCounters();
  const body = await home(fastBff, client.document, fastToken, client.headers);
  const requests = await totalCalls(fast);

  await home(slowBff, client.document, slowToken, client.headers);
  const timings: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await home(slowBff, client.document, slowToken, client.headers);
    timings.push(performance.now() - started);
  }
  const raw = await rawHomeBytes(fast.urls, client.name, VIEWER);
  rows.push({
    client: client.name,
    downstreamRequests: requests,
    medianMs: Math.round(median(timings)),
    responseBytes: Buffer.byteLength(body),
    rawServiceBytes: raw,
    reduction: `${(raw / Buffer.byteLength(body)).toFixed(1)}x`,
  });
  await fastBff.close();
  await slowBff.close();
}

const HEADERS = ['client', 'downstream requests', `median home (ms, ${LATENCY_MS} ms per service)`, 'response bytes', 'raw services\' bytes', 'smaller by'];
console.log(`| ${HEADERS.join(' | ')} |\n|${HEADERS.map(() => '---').join('|')}|`);
for (const row of rows) console.log(`| ${Object.values(row).join(' | ')} |`);
console.log(`\nEvery service answers ${LATENCY_MS} ms late, so a home costs about ${LATENCY_MS} ms per round of calls that wait on one another, plus the BFF's own time: mobile's two rounds (its lists, then one title batch) make about ${2 * LATENCY_MS} ms, TV's and web's four rounds (test/bffs/batching.test.ts) about ${4 * LATENCY_MS} ms. "raw services' bytes" is what the app would download calling the services itself for the same screen.`);
console.log(JSON.stringify(rows));
await fast.close();
await slow.close();
