import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DOWNSTREAM_DEFAULTS, configFromEnv, urlVariableOf, type DownstreamName } from '../../bffs/kit/config.ts';
import { createMobileBff } from '../../bffs/mobile/bff.ts';
import { MOBILE_PERIMETER } from '../../bffs/mobile/policy.ts';
import { TEST_MOBILE_CLIENT_SECRET, startTestMocks, type TestMocks } from '../support/mocks.ts';

/**
 * In development (`npm start`, `npm run dev`: no NODE_ENV=production) the cost budgets are off,
 * so a poller or a GraphiQL session is never refused 429; `RATE_LIMITS=on` or a `RATE_LIMIT_*`
 * budget brings them back, and production always has them. The BFF is built the way its
 * main.ts builds it, from the environment, with the viewer's budget shrunk to what about two
 * homes cost so that the difference shows within a few requests.
 */

const HOME = '{ home { downloadEnabled rows { title } } }';
const REQUESTS = 12;

let mocks: TestMocks;
let token: string;

beforeAll(async () => {
  mocks = await startTestMocks();
  token = await mocks.token('u_1', { aud: 'mobile' });
});
afterAll(() => mocks?.close());

function envOf(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  // The mobile BFF exchanges tokens at the test mocks' identity with their secret for it.
  const env: NodeJS.ProcessEnv = { LOG_LEVEL: 'silent', RESPONSE_CACHE: 'off', MOBILE_CLIENT_SECRET: TEST_MOBILE_CLIENT_SECRET, ...extra };
  for (const name of Object.keys(DOWNSTREAM_DEFAULTS) as DownstreamName[]) env[urlVariableOf(name)] = mocks.urls[name];
  return env;
}

/** Sends the home REQUESTS times as one viewer, one after another; the statuses, in order. */
async function statusesOf(env: NodeJS.ProcessEnv, viewerPoints: number): Promise<number[]> {
  const bff = createMobileBff(configFromEnv(envOf(env), 0), {
    logger: pino({ level: 'silent' }),
    perimeter: { rateLimits: { ...MOBILE_PERIMETER.rateLimits, viewer: { points: viewerPoints, windowSeconds: 60 } } },
  });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const res = await bff.fetch('http://bff/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-client-version': '1.1.0' },
        body: JSON.stringify({ query: HOME }),
      });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    return statuses;
  } finally {
    await bff.close();
  }
}

/** What one home costs, read from the 429 that a budget of one point gives it. */
async function homeCost(): Promise<number> {
  const bff = createMobileBff(configFromEnv(envOf({ RATE_LIMITS: 'on' }), 0), {
    logger: pino({ level: 'silent' }),
    perimeter: { rateLimits: { ...MOBILE_PERIMETER.rateLimits, viewer: { points: 1, windowSeconds: 60 } } },
  });
  try {
    const res = await bff.fetch('http://bff/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: HOME }) });
    const body = (await res.json()) as { errors: { extensions: { code: string; cost: number } }[] };
    expect(body.errors[0]!.extensions.code).toBe('RATE_LIMITED');
    return body.errors[0]!.extensions.cost;
  } finally {
    await bff.close();
  }
}

describe('rate budgets in development', () => {
  test('are off by default: a burst over the viewer budget is served, every request 200', async () => {
    const points = 2 * (await homeCost());
    expect(configFromEnv(envOf({}), 0).rateLimits).toBe(false);
    expect(await statusesOf({}, points)).toEqual(Array(REQUESTS).fill(200));
  });

  test('RATE_LIMITS=on brings the production budgets back: the same burst gets 429 after two homes', async () => {
    const points = 2 * (await homeCost());
    const statuses = await statusesOf({ RATE_LIMITS: 'on' }, points);
    expect(statuses.slice(0, 2)).toEqual([200, 200]);
    expect(statuses.slice(2)).toEqual(Array(REQUESTS - 2).fill(429));
  });

  test('a budget set by hand (RATE_LIMIT_IP) turns them on too; production always has them', () => {
    expect(configFromEnv(envOf({ RATE_LIMIT_IP: '1000/60' }), 0).rateLimits).toBe(true);
    expect(configFromEnv(envOf({ RATE_LIMIT_VIEWER: '1000/60' }), 0).rateLimits).toBe(true);
    expect(configFromEnv(envOf({ NODE_ENV: 'production' }), 0).rateLimits).toBe(true);
    expect(configFromEnv(envOf({ NODE_ENV: 'production', RATE_LIMITS: 'off' }), 0).rateLimits).toBe(false);
  });
});
