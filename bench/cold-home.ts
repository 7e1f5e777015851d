/**
 * `npm run bench:cold-home`: what the token exchange (issue 27) costs, side by side.
 * - warm: MobileHome for a viewer whose service tokens the BFF keeps (no call to identity);
 * - cold: a viewer's first MobileHome, which first exchanges the viewer's token at identity for
 *   each of the five per-viewer services it reads (the catalog is read with the BFF's own token,
 *   kept since start).
 * Rounds alternate warm and cold (the machine's speed drifts between minutes), each cold home a
 * new viewer; the title cache is warm for both, so the difference is the exchanges alone. Twice:
 * with the mocks answering at once, and with LATENCY_MS in front of every service, identity
 * included (identity is a network hop away too). The mobile BFF runs in this process, with the
 * deployment's node flags, on node:http (fetchOver), as bench:home does.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { BFF_NODE_FLAGS } from '../bffs/kit/server/node-flags.ts';
import { createMobileBff } from '../bffs/mobile/bff.ts';
import type { Bff } from '../bffs/kit/server/create-bff.ts';
import { testConfig } from '../test/support/bffs.ts';
import { operation } from '../test/support/documents.ts';
import { startTestMocks, type TestMocks } from '../test/support/mocks.ts';
import { fetchOver } from '../test/support/served.ts';

// Re-run under the deployment's node flags when started without them.
if (!BFF_NODE_FLAGS.every((flag) => process.execArgv.includes(flag))) {
  const { status } = spawnSync(process.execPath, [...BFF_NODE_FLAGS, '--import', 'tsx', fileURLToPath(import.meta.url)], { stdio: 'inherit' });
  process.exit(status ?? 1);
}

const ROUNDS = Number(process.env.COLD_HOME_ROUNDS ?? 60);
const LATENCY_MS = Number(process.env.COLD_HOME_LATENCY_MS ?? 20);
const EXCHANGE = 'POST /token grant_type=urn:ietf:params:oauth:grant-type:token-exchange';
const DOCUMENT = operation('mobile', 'MobileHome');

async function home(bff: Bff, token: string): Promise<number> {
  const started = performance.now();
  const response = await fetchOver(bff, '/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: DOCUMENT }),
  });
  const text = await response.text();
  const elapsed = performance.now() - started;
  if (response.status !== 200 || text.includes('"errors"')) throw new Error(`home failed: ${response.status} ${text.slice(0, 300)}`);
  return elapsed;
}

const quantile = (values: number[], q: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(q * values.length))]!;
const exchanges = async (mocks: TestMocks) => (await mocks.counters('identity')).details?.[EXCHANGE] ?? 0;

async function measure(latencyMs: number) {
  const mocks = await startTestMocks(latencyMs > 0 ? { MOCKS_LATENCY_MS: String(latencyMs) } : {});
  const bff = createMobileBff(testConfig(mocks.urls), { logger: pino({ level: 'silent' }) });
  try {
    // Viewers u_1 (warm) and u_101… (cold, one per round); tokens minted before timing anything.
    const warmToken = await mocks.token('u_1', { aud: 'mobile' });
    const coldTokens = await Promise.all(Array.from({ length: ROUNDS }, (_, i) => mocks.token(`u_${101 + i}`, { aud: 'mobile' })));
    // Warm-up: JWKS, pools, JIT, the title cache, the BFF's own catalog token and u_1's tokens.
    for (let i = 0; i < 20; i++) await home(bff, warmToken);
    await home(bff, await mocks.token('u_99', { aud: 'mobile' }));

    const warm: number[] = [];
    const cold: number[] = [];
    const exchanged = { warm: 0, cold: 0 };
    // identity's counter read between homes, outside the timed part.
    let seen = await exchanges(mocks);
    const counted = async (kind: 'warm' | 'cold') => {
      const now = await exchanges(mocks);
      exchanged[kind] += now - seen;
      seen = now;
    };
    for (let round = 0; round < ROUNDS; round++) {
      warm.push(await home(bff, warmToken));
      await counted('warm');
      cold.push(await home(bff, coldTokens[round]!));
      await counted('cold');
    }
    const row = (name: string, values: number[], perHome: number) => ({
      home: name,
      'identity latency ms': latencyMs,
      'median ms': Number(quantile(values, 0.5).toFixed(1)),
      'p95 ms': Number(quantile(values, 0.95).toFixed(1)),
      'exchanges per home': perHome,
    });
    return [row('warm MobileHome', warm, exchanged.warm / ROUNDS), row("cold viewer's first MobileHome", cold, exchanged.cold / ROUNDS)];
  } finally {
    await bff.close();
    await mocks.close();
  }
}

const rows = [...(await measure(0)), ...(await measure(LATENCY_MS))];
console.log(`MobileHome, warm viewer vs a cold viewer's first (${ROUNDS} rounds alternated; every service, identity included, at 0 and ${LATENCY_MS} ms):`);
console.table(rows);
process.exit(0);
