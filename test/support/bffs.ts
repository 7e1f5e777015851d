import type { BffConfig, DownstreamUrls } from '../../bffs/kit/config.ts';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import { pino } from 'pino';
import { CLIENT_NAMES, type ClientName } from '../../bffs/clients.ts';
import { bffFactoryOf } from './clients.ts';
import { TEST_MOBILE_CLIENT_SECRET, startTestMocks, type TestMocks } from './mocks.ts';
import { fetchOver } from './served.ts';

/** The instant every snapshot is taken at: "new" badges and push-token ages depend on it. */
export const TEST_NOW = new Date('2026-11-21T12:00:00.000Z');

export function testConfig(urls: DownstreamUrls, overrides: Partial<BffConfig> = {}): BffConfig {
  // Every test signs in from 127.0.0.1: the per-address sign-in budget would count them all (its own test sets one).
  // The response cache would answer a test's second home without a call: the tests that count
  // calls measure batching and resilience, so the cache is off here and on in test/caching/.
  // Flags are off here, so every answer is each flag's default whatever flags/flags.json holds
  // (an edit of a rollout there changes no test); test/flags/ turns them on with files of its own.
  // The mobile BFF exchanges tokens at identity with the test mocks' secret for it (mocks.ts).
  return { port: 0, production: false, urls, logLevel: 'silent', signInBudget: { points: 1_000_000, windowSeconds: 60 }, responseCache: false, flags: false, mobileClientSecret: TEST_MOBILE_CLIENT_SECRET, ...overrides };
}

export interface TestStack {
  mocks: TestMocks;
  web: Bff;
  mobile: Bff;
  tv: Bff;
  /** Every client of bffs/clients.ts, web, mobile and tv included. */
  bffs: Record<ClientName, Bff>;
  /** POSTs a GraphQL document to a BFF as `sub` (default u_1), with no port open. */
  graphql(bff: Bff, query: string, options?: { variables?: Record<string, unknown>; sub?: string; headers?: Record<string, string> }): Promise<{ status: number; headers: Headers; body: any }>;
  close(): Promise<void>;
}

/** `env` is the mocks'; `config` overrides the BFFs' (`titleCacheMb: 0` for a test that must see every catalog call). */
export async function startTestStack(env: NodeJS.ProcessEnv = {}, { config: overrides }: { config?: Partial<BffConfig> } = {}): Promise<TestStack> {
  const mocks = await startTestMocks(env);
  const config = testConfig(mocks.urls, overrides);
  const options = {
    clock: () => new Date(TEST_NOW),
    logger: pino({ level: 'silent' }),
    // Test files run in parallel on two cores: event-loop stalls there are the test runner's, not overload.
    policy: { shedding: { maxInFlight: 1_000, maxEventLoopDelayMs: 10_000 } },
  };
  const bffs = Object.fromEntries(
    await Promise.all(CLIENT_NAMES.map(async (client) => [client, (await bffFactoryOf(client))(config, options)] as const)),
  ) as Record<ClientName, Bff>;
  const { web, mobile, tv } = bffs;
  const tokens = new Map<string, string>();

  return {
    mocks,
    web,
    mobile,
    tv,
    bffs,
    async graphql(bff, query, { variables, sub = 'u_1', headers = {} } = {}) {
      let token = tokens.get(sub);
      if (!token) tokens.set(sub, (token = await mocks.token(sub)));
      const response = await fetchOver(bff, '/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${token}`, ...headers },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, headers: response.headers, body: await response.json() };
    },
    async close() {
      await Promise.all(Object.values<Bff>(bffs).map((bff) => bff.close()));
      await mocks.close();
    },
  };
}
