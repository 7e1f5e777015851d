import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOWNSTREAM_DEFAULTS, configFromEnv, urlVariableOf, type DownstreamName } from '../../bffs/kit/config.ts';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import { createMobileBff } from '../../bffs/mobile/bff.ts';
import { createWebBff } from '../../bffs/web/bff.ts';
import { TEST_NOW, testConfig } from '../support/bffs.ts';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { fetchOver } from '../support/served.ts';
import { documentId } from '../support/documents.ts';

/**
 * Production mode: no GraphiQL at the BFFs (config.production, set by NODE_ENV=production), and no
 * token minting at identity (the mocks started with NODE_ENV=production).
 */

const MOBILE_HOME = /* GraphQL */ `
  query { home { profile { name } rows { id items { contentId } } } }
`;

const asHtml = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

describe('production mode', () => {
  /** Development mocks: they still mint, so the production BFF can be handed a real token. */
  let devMocks: TestMocks;
  let prodMocks: TestMocks;
  let production: Bff;
  let development: Bff;
  let productionFromEnv: Bff;
  const options = { clock: () => new Date(TEST_NOW), logger: pino({ level: 'silent' }) };

  beforeAll(async () => {
    [devMocks, prodMocks] = await Promise.all([startTestMocks(), startTestMocks({ NODE_ENV: 'production' })]);
    production = createMobileBff(testConfig(devMocks.urls, { production: true }), options);
    development = createMobileBff(testConfig(devMocks.urls), options);
    // The way a deployment gets there: NODE_ENV=production in the environment.
    // A production web BFF needs its own client secret and session key: it refuses any value published in the repository.
    const env: NodeJS.ProcessEnv = { NODE_ENV: 'production', LOG_LEVEL: 'silent', WEB_CLIENT_SECRET: randomBytes(24).toString('base64url'), SESSION_ENCRYPTION_KEY: randomBytes(32).toString('base64url') };
    for (const name of Object.keys(DOWNSTREAM_DEFAULTS) as DownstreamName[]) env[urlVariableOf(name)] = devMocks.urls[name];
    const config = configFromEnv(env, 0);
    expect(config.production).toBe(true);
    productionFromEnv = createWebBff(config, options);
  });

  afterAll(async () => {
    await Promise.all([production?.close(), development?.close(), productionFromEnv?.close()]);
    await Promise.all([devMocks?.close(), prodMocks?.close()]);
  });

  it('the development BFF does serve GraphiQL (control)', async () => {
    // At a host it listens as: under any other name the page is refused (graphiql-delivery.test.ts).
    const res = await development.fetch('http://localhost/graphql', { headers: asHtml });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toMatch(/graphiql/i);
  });

  const productionBffs: [string, () => Bff][] = [
    ['/graphql', () => production],
    ['/graphql?as=u_2', () => production],
    ['/graphql/', () => production],
    ['/graphql (NODE_ENV=production via configFromEnv)', () => productionFromEnv],
  ];

  it.each(productionBffs)('GET %s with Accept: text/html answers 406, with no GraphiQL', async (path, bff) => {
    const res = await bff().fetch(`http://bff${path.split(' ')[0]}`, { headers: { accept: 'text/html' } });
    const body = await res.text();
    // No page, and nothing else it could answer in HTML: "not acceptable".
    expect(res.status).toBe(406);
    expect(res.headers.get('content-type') ?? '').not.toContain('text/html');
    expect(body).not.toMatch(/graphiql/i);
    expect(body).not.toMatch(/<html|<script/i);
  });

  it.each(productionBffs)('GET %s with a browser\'s Accept answers a JSON error, with no GraphiQL', async (path, bff) => {
    const res = await bff().fetch(`http://bff${path.split(' ')[0]}`, { headers: asHtml });
    const body = await res.text();
    // `*/*` lets yoga fall back to legacy application/json: a GET with no query is a request
    // error (200 for legacy JSON today; 400 if request errors ever get one status everywhere).
    expect([200, 400]).toContain(res.status);
    expect(res.headers.get('content-type')).toContain('application/json');
    expect(body).not.toMatch(/graphiql/i);
    expect(body).not.toMatch(/<html|<script/i);
    expect(JSON.parse(body)).toMatchObject({ errors: [{ message: expect.stringMatching(/query/i) }] });
  });

  it('the production BFF still serves trusted documents with a valid token', async () => {
    const token = await devMocks.token('u_1', { aud: 'mobile' });
    const request = () =>
      fetchOver(production, '/graphql', {
      method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ documentId: documentId('mobile', 'MobileHome') }),
      });
    // A viewer's first home also exchanges its token for each service's at identity, which on a
    // loaded machine can take the lists' share of the deadline (bench/cold-home.ts measures it):
    // this test is about what production serves, so it asks as a viewer whose tokens are kept.
    await (await request()).arrayBuffer();
    const res = await request();
    const body = (await res.json()) as { data?: any; errors?: unknown };
    expect(res.status, JSON.stringify(body)).toBe(200);
    expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
    expect(body.data.home.profile.name).toEqual(expect.any(String));
    expect(body.data.home.rows.length).toBeGreaterThan(0);
  });

  it('the production BFF refuses a raw document: trusted documents only, by default', async () => {
    const token = await devMocks.token('u_1', { aud: 'mobile' });
    const res = await fetchOver(production, '/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: MOBILE_HOME }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ errors: [{ extensions: { code: 'PERSISTED_DOCUMENT_REQUIRED' } }] });
  });

  it('in production introspection is refused and "Did you mean" is hidden, even with arbitrary documents', async () => {
    const open = createMobileBff(testConfig(devMocks.urls, { production: true, trustedDocuments: 'arbitrary' }), options);
    try {
      const token = await devMocks.token('u_1', { aud: 'mobile' });
      const post = async (query: string) => {
        const res = await fetchOver(open, '/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query }),
        });
        return { status: res.status, body: (await res.json()) as { errors: { message: string; extensions: { code: string } }[] } };
      };
      const introspection = await post('{ __schema { types { name } } }');
      expect(introspection.status).toBe(400);
      expect(introspection.body.errors[0]!.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      const typo = await post('{ home { downloadEnable } }');
      expect(typo.status).toBe(400);
      expect(typo.body.errors[0]!.message).not.toMatch(/Did you mean/);
      expect(typo.body.errors[0]!.message).toContain('[Suggestion hidden]');
    } finally {
      await open.close();
    }
  });

  it('the production BFF still refuses a request with no token', async () => {
    const res = await fetchOver(production, '/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: MOBILE_HOME }),
    });
    const body = (await res.json()) as { data?: unknown; errors?: unknown[] };
    expect(body.data ?? null).toBeNull();
    expect(body.errors?.length).toBeGreaterThan(0);
  });

  it('identity started with NODE_ENV=production answers 404 to POST /dev/token', async () => {
    const res = await fetch(`${prodMocks.urls.identity}/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sub: 'u_1' }),
    });
    expect(res.status).toBe(404);
    const body = await res.text();
    expect(body).not.toContain('access_token');
    await expect(prodMocks.token('u_1')).rejects.toThrow(/404/);
  });

  it('production identity still publishes its keys, so tokens issued elsewhere verify', async () => {
    const res = await fetch(`${prodMocks.urls.identity}/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { keys: unknown[] }).keys.length).toBeGreaterThan(0);
  });

  it('development identity mints (control)', async () => {
    await expect(devMocks.token('u_1')).resolves.toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });
});
