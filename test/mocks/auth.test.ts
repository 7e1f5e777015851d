import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, createLocalJWKSet, generateKeyPair, jwtVerify, type JSONWebKeySet } from 'jose';
import { SERVICES_BEHIND_BFFS as BEHIND_BFFS, startTestMocks, type TestMocks } from '../support/mocks.ts';

/** The REST services behind the BFFs (search speaks gRPC: test/mocks/search.test.ts checks its tokens). */
const SERVICES_BEHIND_BFFS = BEHIND_BFFS.filter((name): name is Exclude<typeof name, 'search'> => name !== 'search');
import { call, errorCode } from '../support/http.ts';

let mocks: TestMocks;
/** A route of each service a token of u_1 may read. */
const USER_ROUTE = {
  users: '/users/u_1',
  catalog: '/titles/t_1',
  recommendations: '/recommendations/u_1',
  'continue-watching': '/continue-watching/u_1',
  'my-list': '/my-list/u_1',
  billing: '/billing/u_1',
  reviews: '/reviews?titleId=t_1',
  playback: '/playback/licenses',
  notifications: '/notifications/u_1/unread-count',
} as const;
/** One call of u_1's to `service` with `token` (playback's one route is a POST). */
const callAs = (service: keyof typeof USER_ROUTE, token: string) =>
  call(`${mocks.urls[service]}${USER_ROUTE[service]}`, service === 'playback' ? { method: 'POST', token, body: { contentIds: ['t_1'], drmSystem: 'widevine' } } : { token });
let u1: string;
let u2: string;

beforeAll(async () => {
  mocks = await startTestMocks();
  [u1, u2] = await Promise.all([mocks.serviceToken('u_1'), mocks.serviceToken('u_2')]);
});
afterAll(() => mocks?.close());

describe('bearer tokens', () => {
  it('answers 401 UNAUTHENTICATED with a www-authenticate challenge when no token is sent', async () => {
    const res = await call(`${mocks.urls.users}/users/u_1`);
    expect(res.status).toBe(401);
    expect(errorCode(res)).toBe('UNAUTHENTICATED');
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
  });

  it('answers 401 UNAUTHENTICATED when the authorization header is not a bearer token', async () => {
    const res = await call(`${mocks.urls.users}/users/u_1`, { headers: { authorization: 'Basic dTpw' } });
    expect(res.status).toBe(401);
    expect(errorCode(res)).toBe('UNAUTHENTICATED');
  });

  it('answers 401 INVALID_TOKEN to a garbage token', async () => {
    const res = await call(`${mocks.urls.users}/users/u_1`, { token: 'not.a.jwt' });
    expect(res.status).toBe(401);
    expect(errorCode(res)).toBe('INVALID_TOKEN');
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
  });

  it('answers 401 TOKEN_EXPIRED to a token minted with a negative ttl', async () => {
    const expired = await mocks.serviceToken('u_1', { ttlSeconds: -60 });
    const res = await call(`${mocks.urls.users}/users/u_1`, { token: expired });
    expect(res.status).toBe(401);
    expect(errorCode(res)).toBe('TOKEN_EXPIRED');
  });

  it('answers 401 INVALID_TOKEN to a token with the right issuer and audience signed by another key', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    for (const kid of ['concierge-dev-1', 'someone-elses-key']) {
      const forged = await new SignJWT({ scope: 'concierge:users' })
        .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
        .setIssuer(mocks.urls.identity)
        .setAudience('urn:concierge:service:users')
        .setSubject('u_1')
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(privateKey);
      const res = await call(`${mocks.urls.users}/users/u_1`, { token: forged });
      expect(res.status, `kid ${kid}`).toBe(401);
      expect(errorCode(res)).toBe('INVALID_TOKEN');
    }
  });

  it('accepts a valid token on every service that holds user data', async () => {
    const routes = [
      `${mocks.urls.users}/users/u_1`,
      `${mocks.urls.recommendations}/recommendations/u_1`,
      `${mocks.urls['continue-watching']}/continue-watching/u_1`,
      `${mocks.urls['my-list']}/my-list/u_1`,
      `${mocks.urls.billing}/billing/u_1`,
      `${mocks.urls.notifications}/notifications/u_1/unread-count`,
    ];
    for (const url of routes) expect((await call(url, { token: u1 })).status, url).toBe(200);
  });
});

describe("another user's data", () => {
  it.each([
    ['users', '/users/u_1'],
    ['recommendations', '/recommendations/u_1'],
    ['continue-watching', '/continue-watching/u_1'],
    ['my-list', '/my-list/u_1'],
    ['billing', '/billing/u_1'],
    ['notifications', '/notifications/u_1/unread-count'],
  ] as const)('is refused by %s with 403 FORBIDDEN to a token of u_2', async (service, path) => {
    const res = await call(`${mocks.urls[service]}${path}`, { token: u2 });
    expect(res.status).toBe(403);
    expect(errorCode(res)).toBe('FORBIDDEN');
  });

  it('is refused for writes too: u_2 cannot add to the my-list of u_1', async () => {
    const res = await call(`${mocks.urls['my-list']}/my-list/u_1/t_1`, { method: 'PUT', token: u2 });
    expect(res.status).toBe(403);
    expect(errorCode(res)).toBe('FORBIDDEN');
  });

  it('may be read by a token with the concierge:service scope', async () => {
    const service = await mocks.serviceToken('bff-web', { scope: 'concierge:service' });
    const res = await call(`${mocks.urls.users}/users/u_1`, { token: service });
    expect(res.status).toBe(200);
    expect(res.body.id).toBe('u_1');
    const billing = await call(`${mocks.urls.billing}/billing/u_2`, { token: service });
    expect(billing.status).toBe(200);
    expect(billing.body.userId).toBe('u_2');
  });
});

describe('identity documents', () => {
  it('serves the JWKS without a token, with public RSA keys only', async () => {
    const res = await call(`${mocks.urls.identity}/.well-known/jwks.json`);
    expect(res.status).toBe(200);
    expect(res.body.keys).toHaveLength(1);
    const [key] = res.body.keys;
    expect(key).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', kid: expect.any(String) });
    expect(key).not.toHaveProperty('d');
    expect(key).not.toHaveProperty('p');
  });

  it('mints tokens that verify against the served JWKS with the discovery issuer and audience concierge', async () => {
    const jwks = (await call(`${mocks.urls.identity}/.well-known/jwks.json`)).body as JSONWebKeySet;
    const { payload } = await jwtVerify(await mocks.token('u_1'), createLocalJWKSet(jwks), { issuer: mocks.urls.identity, audience: 'concierge' });
    expect(payload.sub).toBe('u_1');
  });

  it('serves OIDC discovery whose issuer equals the identity URL', async () => {
    const res = await call(`${mocks.urls.identity}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    expect(res.body.issuer).toBe(mocks.urls.identity);
    expect(res.body.jwks_uri).toBe(`${mocks.urls.identity}/.well-known/jwks.json`);
  });

  it('refuses to mint a token without a valid subject with 400 VALIDATION_FAILED', async () => {
    for (const body of [{}, { sub: 42 }, { sub: 'has spaces' }, { sub: 'u_1', ttlSeconds: 'long' }]) {
      const res = await call(`${mocks.urls.identity}/dev/token`, { method: 'POST', body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(errorCode(res)).toBe('VALIDATION_FAILED');
    }
  });
});

describe("the BFFs' audiences", () => {
  // Issue 27: a client's token (its audience is a BFF) opens no service, so a token that leaks
  // from a service's logs opens nothing else, and no service can replay it to another.
  it.each(['web', 'mobile', 'tv'] as const)('refuses a token for concierge-%s on every service with 401 INVALID_TOKEN', async (aud) => {
    const token = await mocks.token('u_1', { aud });
    const jwks = (await call(`${mocks.urls.identity}/.well-known/jwks.json`)).body as JSONWebKeySet;
    const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: mocks.urls.identity, audience: `concierge-${aud}` });
    expect(payload.sub).toBe('u_1');
    for (const service of SERVICES_BEHIND_BFFS) {
      const res = await callAs(service, token);
      expect(res.status, service).toBe(401);
      expect(errorCode(res)).toBe('INVALID_TOKEN');
      expect(res.body.error.message).toBe(`token is not for this service (its audience must be urn:concierge:service:${service})`);
    }
  });

  it('refuses the development token (audience concierge, which BFFs take in development) on every service', async () => {
    const token = await mocks.token('u_1', { scope: 'concierge:service' });
    for (const service of SERVICES_BEHIND_BFFS) {
      const res = await callAs(service, token);
      expect(res.status, service).toBe(401);
      expect(errorCode(res)).toBe('INVALID_TOKEN');
    }
  });

  it("refuses one service's token at another: a users token opens neither the catalog nor billing", async () => {
    const token = await mocks.serviceToken('u_1', { services: ['users'] });
    expect((await call(`${mocks.urls.users}/users/u_1`, { token })).status).toBe(200);
    for (const service of ['catalog', 'billing'] as const) {
      const res = await callAs(service, token);
      expect(res.status, service).toBe(401);
      expect(errorCode(res)).toBe('INVALID_TOKEN');
    }
  });

  it('refuses to mint for an audience that is not a BFF with 400 VALIDATION_FAILED, naming the ones there are', async () => {
    for (const aud of ['desktop', 'concierge-web', 42]) {
      const res = await call(`${mocks.urls.identity}/dev/token`, { method: 'POST', body: { sub: 'u_1', aud } });
      expect(res.status, String(aud)).toBe(400);
      expect(errorCode(res)).toBe('VALIDATION_FAILED');
      expect(res.body.error.message).toMatch(/aud must be one of web, mobile, tv .*a service's name \(users, catalog/);
    }
  });
});

describe('minting for users', () => {
  it('mints for the first and the last user, and for service subjects that are not users', async () => {
    for (const sub of ['u_1', 'u_1000', 'bff-web', 'svc']) {
      const res = await call(`${mocks.urls.identity}/dev/token`, { method: 'POST', body: { sub } });
      expect(res.status, sub).toBe(200);
    }
  });

  it('refuses a user that does not exist with 404 USER_NOT_FOUND, naming the users that do', async () => {
    for (const sub of ['u_99999', 'u_1001', 'u_0', 'u_01', 'u_x']) {
      const res = await call(`${mocks.urls.identity}/dev/token`, { method: 'POST', body: { sub } });
      expect(res.status, sub).toBe(404);
      expect(res.body).toEqual({ error: { code: 'USER_NOT_FOUND', message: `user ${sub} does not exist: users are u_1…u_1000` } });
    }
  });

  it('still answers 400 VALIDATION_FAILED first when the body is also invalid', async () => {
    const res = await call(`${mocks.urls.identity}/dev/token`, { method: 'POST', body: { sub: 'u_99999', ttlSeconds: 86401 } });
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('VALIDATION_FAILED');
  });
});

describe('in production', () => {
  it('has no /dev/token route (404) but still serves the JWKS', async () => {
    const production = await startTestMocks({ NODE_ENV: 'production' });
    try {
      const res = await call(`${production.urls.identity}/dev/token`, { method: 'POST', body: { sub: 'u_1' } });
      expect(res.status).toBe(404);
      expect(errorCode(res)).toBe('ROUTE_NOT_FOUND');
      expect((await call(`${production.urls.identity}/.well-known/jwks.json`)).status).toBe(200);
    } finally {
      await production.close();
    }
  });
});
