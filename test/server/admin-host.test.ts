/**
 * The admin port (`/metrics`, no authentication) listens on loopback under production defaults,
 * whatever `HOST` is; `ADMIN_HOST` opens it elsewhere (Kubernetes, with its NetworkPolicy).
 */
import { networkInterfaces } from 'node:os';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DOWNSTREAM_DEFAULTS, configFromEnv, urlVariableOf, type DownstreamName } from '../../bffs/kit/config.ts';
import { serve, type Serving } from '../../bffs/kit/server/serve.ts';
import { createMobileBff } from '../../bffs/mobile/bff.ts';
import { TEST_MOBILE_CLIENT_SECRET, startTestMocks, type TestMocks } from '../support/mocks.ts';

let mocks: TestMocks;
const servings: Serving[] = [];

beforeAll(async () => {
  mocks = await startTestMocks();
});
afterAll(async () => {
  for (const serving of servings) await serving.shutdown('test over');
  await mocks?.close();
});

async function startProduction(extra: NodeJS.ProcessEnv): Promise<Serving> {
  // A production mobile BFF needs its own client secret at identity: the test mocks' (mocks.ts).
  const env: NodeJS.ProcessEnv = { NODE_ENV: 'production', PORT: '0', SHUTDOWN_DELAY_MS: '0', LOG_LEVEL: 'silent', MOBILE_CLIENT_SECRET: TEST_MOBILE_CLIENT_SECRET, ...extra };
  for (const name of Object.keys(DOWNSTREAM_DEFAULTS) as DownstreamName[]) env[urlVariableOf(name)] = mocks.urls[name];
  const config = configFromEnv(env, 0);
  const serving = await serve(createMobileBff(config, { logger: pino({ level: 'silent' }) }), config, { signals: false });
  servings.push(serving);
  return serving;
}

/** An address of this machine that is not loopback, if it has one. */
const outside = Object.values(networkInterfaces()).flat().find((entry) => entry && entry.family === 'IPv4' && !entry.internal)?.address;

describe('the admin port', () => {
  test('under production defaults: the BFF on every interface, its admin port on loopback only', async () => {
    const serving = await startProduction({});
    expect((serving.server.address() as AddressInfo).address).toBe('0.0.0.0');
    const admin = serving.admin!.address() as AddressInfo;
    expect(admin.address).toBe('127.0.0.1');
    const metrics = await fetch(`http://127.0.0.1:${admin.port}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('concierge_graphql_requests_total');
    if (outside) await expect(fetch(`http://${outside}:${admin.port}/metrics`)).rejects.toThrow();
  });

  test('ADMIN_HOST=0.0.0.0 opens it on every interface (what the Kubernetes manifests set, with a NetworkPolicy)', async () => {
    const serving = await startProduction({ ADMIN_HOST: '0.0.0.0' });
    const admin = serving.admin!.address() as AddressInfo;
    expect(admin.address).toBe('0.0.0.0');
    if (outside) expect((await fetch(`http://${outside}:${admin.port}/metrics`)).status).toBe(200);
  });
});
