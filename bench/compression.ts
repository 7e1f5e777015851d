/**
 * `npm run bench:compression`: what each encoding costs and saves on the real home answers, to
 * choose the clients' compression defaults (bffs/<client>/policy.ts, README: Caching).
 * - each client's home, raw, then brotli at several qualities and gzip at several levels: bytes,
 *   and the median CPU time of one compression (the BFF compresses synchronously, per answer);
 * - the bytes on the wire against the bytes the app would fetch from the raw services itself;
 * - small answers (a mutation's), to place the threshold.
 */
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { fetchOver } from '../test/support/served.ts';
import { startTestMocks } from '../test/support/mocks.ts';
import { testConfig } from '../test/support/bffs.ts';
import { rawHomeBytes } from './harness/raw-bytes.ts';
import { CLIENT_HOMES } from './support/homes.ts';

const ITERATIONS = 200;
const VIEWER = 'u_1';
const clients = CLIENT_HOMES;

const candidates: [string, (body: Buffer) => Buffer][] = [
  ...[1, 4, 5, 6, 9, 11].map((quality): [string, (body: Buffer) => Buffer] => [
    `br q${quality}`,
    (body) => brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: quality, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }),
  ]),
  ...[1, 6, 9].map((level): [string, (body: Buffer) => Buffer] => [`gzip ${level}`, (body) => gzipSync(body, { level })]),
];

function medianMicros(run: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < ITERATIONS; i++) {
    const started = process.hrtime.bigint();
    run();
    times.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  return Math.round(times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!);
}

const mocks = await startTestMocks();
const token = await mocks.token(VIEWER);
const logger = pino({ level: 'silent' });
let smallSource = Buffer.alloc(0);
for (const client of clients) {
  const bff = client.create(testConfig(mocks.urls), { logger });
  const response = await fetchOver(bff, '/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'accept-encoding': 'identity', authorization: `Bearer ${token}`, ...client.headers },
    body: JSON.stringify({ query: client.document }),
  });
  const body = Buffer.from(await response.arrayBuffer());
  if (client.name === 'mobile') smallSource = body;
  const raw = await rawHomeBytes(mocks.urls, client.name, VIEWER);
  console.log(`\n${client.name} home: ${body.length} bytes raw; the raw services' bytes for the same screen: ${raw} (raw answer = ${((100 * body.length) / raw).toFixed(2)}% of them)`);
  console.log('| encoding | bytes | % of raw answer | % of raw services | median µs per compression |');
  console.log('|---|---|---|---|---|');
  for (const [name, encode] of candidates) {
    const encoded = encode(body);
    console.log(`| ${name} | ${encoded.length} | ${((100 * encoded.length) / body.length).toFixed(1)}% | ${((100 * encoded.length) / raw).toFixed(2)}% | ${medianMicros(() => encode(body))} |`);
  }
  await bff.close();
}

console.log('\nsmall answers (where the threshold goes): the first bytes of the mobile home, as compressible as real answers');
console.log('| bytes raw | br q5 | gzip 6 |');
console.log('|---|---|---|');
for (const size of [100, 300, 600, 1000, 1500, 3000]) {
  const sample = smallSource.subarray(0, size);
  const br = brotliCompressSync(sample, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } }).length;
  console.log(`| ${sample.length} | ${br} | ${gzipSync(sample, { level: 6 }).length} |`);
}
await mocks.close();
