import { randomBytes } from 'node:crypto';
import { startMocks, type RunningMocks } from '../../downstream-mocks/src/start-mocks.ts';
import { SERVICE_NAMES, type ServiceName } from '../../downstream-mocks/src/registry.ts';

/** Every service but identity: the ones a BFF calls with exchanged tokens. */
export const SERVICES_BEHIND_BFFS = SERVICE_NAMES.filter((name): name is Exclude<ServiceName, 'identity'> => name !== 'identity');
import type { FaultSettings } from '../../downstream-mocks/src/http/faults.ts';

export interface TestMocks extends RunningMocks {
  /** Mints a token at the real identity service (`aud`: a BFF's audience, `concierge-<aud>`; default `concierge`). No service takes it. */
  token(sub?: string, extra?: { scope?: string; ttlSeconds?: number; aud?: 'web' | 'mobile' | 'tv' }): Promise<string>;
  /**
   * Mints a token for calling services directly, as a BFF's exchange would give: `aud` each named
   * service's (`urn:concierge:service:<name>`, default every service), with each one's scope.
   */
  serviceToken(sub?: string, extra?: { scope?: string; ttlSeconds?: number; services?: readonly Exclude<ServiceName, 'identity'>[] }): Promise<string>;
  /** `details` counts finer keys under a route, once there are any: identity's `POST /token grant_type=…`. */
  counters(service: ServiceName): Promise<{ total: number; routes: Record<string, number>; details?: Record<string, number> }>;
  resetCounters(): Promise<void>;
  /** The service's routes called, and its finer counts (`details`: the catalog's 304s), while `run` runs (the counters are reset first). */
  callsDuring(service: ServiceName, run: () => Promise<unknown>): Promise<{ routes: Record<string, number>; details: Record<string, number> }>;
  setFaults(service: ServiceName, faults: FaultSettings): Promise<void>;
  clearFaults(): Promise<void>;
}

/**
 * The mobile BFF's client secret at the test mocks (client `mobile-bff`), which testConfig gives
 * every BFF: one of its own, as production refuses the published development one.
 */
export const TEST_MOBILE_CLIENT_SECRET = randomBytes(24).toString('base64url');

/** Starts the ten real mock servers on free ports, with a frozen clock unless told otherwise. */
export async function startTestMocks(env: NodeJS.ProcessEnv = {}): Promise<TestMocks> {
  const mocks = await startMocks({ ports: 'ephemeral', env: { MOCKS_NOW: '2026-11-21T12:00:00.000Z', MOBILE_CLIENT_SECRET: TEST_MOBILE_CLIENT_SECRET, ...env } });
  const json = { 'content-type': 'application/json' };
  const services = Object.keys(mocks.urls) as ServiceName[];
  await warmIdentity(mocks.urls.identity);
  const counters: TestMocks['counters'] = async (service) => (await fetch(`${mocks.urls[service]}/__admin/counters`)).json() as never;
  const resetCounters = async () => {
    await Promise.all(services.map((s) => fetch(`${mocks.urls[s]}/__admin/counters/reset`, { method: 'POST' })));
  };

  return {
    ...mocks,
    async token(sub = 'u_1', extra = {}) {
      const res = await fetch(`${mocks.urls.identity}/dev/token`, { method: 'POST', headers: json, body: JSON.stringify({ sub, ...extra }) });
      if (!res.ok) throw new Error(`token minting failed: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { access_token: string }).access_token;
    },
    async serviceToken(sub = 'u_1', { services = SERVICES_BEHIND_BFFS, ...extra } = {}) {
      const res = await fetch(`${mocks.urls.identity}/dev/token`, { method: 'POST', headers: json, body: JSON.stringify({ sub, ...extra, aud: services }) });
      if (!res.ok) throw new Error(`token minting failed: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { access_token: string }).access_token;
    },
    counters,
    resetCounters,
    async callsDuring(service, run) {
      await resetCounters();
      await run();
      const { routes, details = {} } = await counters(service);
      return { routes, details };
    },
    async setFaults(service, faults) {
      const res = await fetch(`${mocks.urls[service]}/__admin/faults`, { method: 'PUT', headers: json, body: JSON.stringify(faults) });
      if (!res.ok) throw new Error(`setting faults failed: ${res.status} ${await res.text()}`);
    },
    async clearFaults() {
      await Promise.all(services.map((s) => fetch(`${mocks.urls[s]}/__admin/faults`, { method: 'DELETE' })));
    },
  };
}

/**
 * identity builds its OpenID provider on first use, and the token endpoint's first grants run
 * cold: on a loaded machine a second or more, longer than a BFF's deadline. Every BFF's first
 * request now exchanges the viewer's token there, so the mocks are warmed here (discovery, the
 * keys, a client-credentials grant and an exchange), and the calls are taken off the counters.
 */
async function warmIdentity(identity: string): Promise<void> {
  const basic = `Basic ${Buffer.from('dev-bff:concierge-dev-bff-dev-secret').toString('base64')}`;
  const form = { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' };
  const minted = await fetch(`${identity}/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub: 'u_1' }) });
  if (!minted.ok) return; // production mocks: no development client or tokens to warm with
  await Promise.all([
    fetch(`${identity}/.well-known/openid-configuration`).then((res) => res.arrayBuffer()),
    fetch(`${identity}/.well-known/jwks.json`).then((res) => res.arrayBuffer()),
  ]);
  const grants: Record<string, string>[] = [
    { grant_type: 'client_credentials', resource: 'urn:concierge:service:catalog', scope: 'concierge:catalog' },
    { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: ((await minted.json()) as { access_token: string }).access_token, subject_token_type: 'urn:ietf:params:oauth:token-type:access_token', resource: 'urn:concierge:service:users' },
  ];
  for (const body of grants) {
    await fetch(`${identity}/token`, { method: 'POST', headers: form, body: new URLSearchParams(body) }).then((res) => res.arrayBuffer());
  }
  await fetch(`${identity}/__admin/counters/reset`, { method: 'POST' });
}
