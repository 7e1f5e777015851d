/**
 * The contract test: each mock's committed OpenAPI document is valid, matches the routes the
 * service registers, is served byte for byte at `GET /openapi.json`, and describes every answer
 * the running service gives. Each case below is one real HTTP call; its status and body are
 * validated against the document's response schema for that status. At the end of each
 * service, every documented operation and response status must have been exercised.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import { Validator } from '@seriousme/openapi-schema-validator';
import { REST_SERVICES as SERVICES, REST_SERVICE_NAMES as SERVICE_NAMES, type RestServiceName as ServiceName } from '../../downstream-mocks/src/registry.ts';
import { MAX_BODY_BYTES } from '../../downstream-mocks/src/http/server.ts';
import { TitleStore } from '../../downstream-mocks/src/data/titles.ts';
import { ReviewStore } from '../../downstream-mocks/src/data/reviews.ts';
import { createEventLogs } from '../../downstream-mocks/src/events/index.ts';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { call, errorCode, type CallResult } from '../support/http.ts';
import { IdentitySteps, TV_DEV_SECRET, WEB_DEFAULT_REDIRECT, WEB_DEV_SECRET, basic, formHeaders, pkce, webAuthorizationPath, type Stop } from '../support/identity-steps.ts';

// ---------------------------------------------------------------------------------------------
// The documents, and Ajv over them
// ---------------------------------------------------------------------------------------------

type Json = Record<string, any>;
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;

const OPENAPI_DIR = fileURLToPath(new URL('../../downstream-mocks/openapi/', import.meta.url));
const docText = Object.fromEntries(
  await Promise.all(SERVICE_NAMES.map(async (name) => [name, await readFile(`${OPENAPI_DIR}${name}.json`, 'utf8')] as const)),
) as Record<ServiceName, string>;
const docs = Object.fromEntries(SERVICE_NAMES.map((name) => [name, JSON.parse(docText[name]) as Json])) as Record<ServiceName, Json>;
const docUri = (service: ServiceName) => `https://concierge.test/openapi/${service}.json`;

/**
 * Strict Ajv: a typo such as `requried` in a schema fails the compile. Each whole document is
 * added as a schema under its URI, so `#/components/...` refs resolve inside it; the document's
 * own top-level fields and OpenAPI's schema annotations are registered as inert keywords.
 */
const ajv = new Ajv2020({ strict: true, strictRequired: true, allowUnionTypes: true, allErrors: true });
addFormatsPlugin.default(ajv);
for (const keyword of ['openapi', 'info', 'servers', 'security', 'paths', 'components', 'tags', 'webhooks', 'jsonSchemaDialect', 'externalDocs', 'example', 'discriminator', 'xml']) {
  ajv.addKeyword({ keyword, schemaType: ['object', 'array', 'string', 'number', 'boolean', 'null'] });
}
for (const name of SERVICE_NAMES) ajv.addSchema(docs[name], docUri(name));

const pointer = (...segments: string[]) =>
  segments.map((s) => `/${encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))}`).join('');

/** The documented response of an operation for a status, following a `$ref` to components/responses. */
function documentedResponse(service: ServiceName, op: Operation, status: number): { response: Json; at: string } | undefined {
  const [method, path] = splitOperation(op);
  let at = pointer('paths', path, method, 'responses', String(status));
  let response: Json | undefined = docs[service].paths?.[path]?.[method]?.responses?.[String(status)];
  if (typeof response?.$ref === 'string') {
    at = (response.$ref as string).slice(1);
    response = at.split('/').slice(1).reduce<any>((node, part) => node?.[part], docs[service]);
  }
  return response && { response, at };
}

function validatorFor(service: ServiceName, at: string, ...rest: string[]): ValidateFunction {
  const validate = ajv.getSchema(`${docUri(service)}#${at}${pointer(...rest)}`);
  if (!validate) throw new Error(`no schema at ${service}#${at}${pointer(...rest)}`);
  return validate;
}

/** The first few schema errors: with allErrors, a wrong shared schema fails in every title of a batch. */
const explain = (validate: ValidateFunction) => ajv.errorsText(validate.errors?.slice(0, 8), { dataVar: 'body' });

/** `GET /users/{id}`, the form the route table and the request counters both use. */
type Operation = `${'GET' | 'POST' | 'PUT' | 'DELETE'} /${string}`;
const splitOperation = (op: Operation) => {
  const space = op.indexOf(' ');
  return [op.slice(0, space).toLowerCase(), op.slice(space + 1)] as const;
};

function documentedOperations(service: ServiceName): Operation[] {
  return Object.entries(docs[service].paths as Json).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path}` as Operation),
  ).sort();
}

function documentedStatuses(service: ServiceName): string[] {
  return documentedOperations(service).flatMap((op) => {
    const [method, path] = splitOperation(op);
    return Object.keys(docs[service].paths[path][method].responses).map((status) => `${op} → ${status}`);
  }).sort();
}

// ---------------------------------------------------------------------------------------------
// The cases: one real call each
// ---------------------------------------------------------------------------------------------

/** Who calls: no token, u_1 (the default), u_2, a service-scoped token, an expired or a forged one. */
type Caller = 'anonymous' | 'u_1' | 'u_2' | 'service' | 'expired' | 'forged';

interface Case {
  /** The test's name: a sentence about the behaviour. */
  does: string;
  op: Operation;
  /** The concrete path and query; a function when it depends on an earlier answer. */
  path: string | (() => string);
  as?: Caller;
  /** Sent as JSON; a string is sent as-is (for malformed, oversized or form bodies); a function when it depends on an earlier answer. */
  body?: unknown;
  headers?: Record<string, string> | (() => Record<string, string>);
  status: number;
  /** The expected error code, for error statuses. */
  code?: string;
  /** Runs before the call. */
  setup?: () => Promise<void>;
  /** Behaviour beyond the schema: the answer's content. */
  check?: (res: CallResult) => void;
  /** An answer that streams until the client leaves (`GET /events`): only its status and headers are read. */
  stream?: boolean;
}

const state: { titlesCursor?: string; reviewsCursor?: string; titleTag?: string } = {};
const BAD_ENCODING = '%E0%A4%A';
const ids = (from: number, count: number) => Array.from({ length: count }, (_, i) => `t_${from + i}`);
/** A valid JSON body just over the 1 MiB limit. */
const oversized = (body: Json) => JSON.stringify({ ...body, padding: 'x'.repeat(MAX_BODY_BYTES) });
const asText = { 'content-type': 'text/plain' };
const keysOf = (value: unknown) => Object.keys(value as object).sort();

/** The error cases every route with a JSON body shares. */
function bodyCases(op: Operation, path: string, validBody: Json, as: Caller = 'u_1'): Case[] {
  return [
    { does: 'refuses a body that is not valid JSON with 400 INVALID_JSON', op, path, as, body: '{"ids": [', status: 400, code: 'INVALID_JSON' },
    { does: 'refuses a body that is not a JSON object with 400 VALIDATION_FAILED', op, path, as, body: [validBody], status: 400, code: 'VALIDATION_FAILED' },
    { does: 'refuses a body over 1 MiB with 413 PAYLOAD_TOO_LARGE', op, path, as, body: oversized(validBody), status: 413, code: 'PAYLOAD_TOO_LARGE' },
    { does: 'refuses a body that is not application/json with 415 UNSUPPORTED_MEDIA_TYPE', op, path, as, body: JSON.stringify(validBody), headers: asText, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  ];
}

/**
 * 401 without a token; for per-user routes also 403 for another user, 404 for an unknown user and 400 for a bad path.
 * `body`: a valid body, sent with each; `ok`: the status of a call that succeeds.
 */
function guardCases(op: Operation, path: (userId: string) => string, { perUser = true, body, ok = 200 }: { perUser?: boolean; body?: Json; ok?: number } = {}): Case[] {
  const cases: Case[] = [{ does: 'refuses a call without a token with 401 UNAUTHENTICATED', op, path: path('u_1'), body, as: 'anonymous', status: 401, code: 'UNAUTHENTICATED' }];
  if (!perUser) return cases;
  return [
    ...cases,
    { does: "refuses another user's data with 403 FORBIDDEN", op, path: path('u_2'), body, status: 403, code: 'FORBIDDEN' },
    { does: 'lets a service-scoped token act for any user', op, path: path('u_777'), body, as: 'service', status: ok },
    { does: 'answers 404 NOT_FOUND for a user that does not exist', op, path: path('u_1001'), body, as: 'service', status: 404, code: 'NOT_FOUND' },
    { does: 'refuses a path that is not valid percent-encoding with 400 VALIDATION_FAILED', op, path: path(BAD_ENCODING), body, status: 400, code: 'VALIDATION_FAILED' },
  ];
}

/** The event routes of a service that publishes its changes: public, with `after` checked. */
function eventCases(): Case[] {
  const recent = () => `${Date.now()}-0`;
  const ago = () => `${Date.now() - 16 * 60_000}-0`;
  return [
    { does: 'streams every user\'s changes as Server-Sent Events, without a token', op: 'GET /events', path: '/events', as: 'anonymous', status: 200, stream: true, check: ({ headers }) => expect(headers.get('content-type')).toBe('text/event-stream') },
    { does: 'resumes the stream after a recent event id', op: 'GET /events', path: () => `/events?after=${recent()}`, as: 'anonymous', status: 200, stream: true },
    { does: 'refuses an after that is not an event id with 400 BAD_EVENT_ID', op: 'GET /events', path: '/events?after=yesterday', as: 'anonymous', status: 400, code: 'BAD_EVENT_ID' },
    { does: 'refuses an after older than the retention window with 410 EVENTS_EXPIRED', op: 'GET /events', path: () => `/events?after=${ago()}`, as: 'anonymous', status: 410, code: 'EVENTS_EXPIRED' },
    { does: "lists a user's retained changes, without a token", op: 'GET /events/{userId}', path: '/events/u_1', as: 'anonymous', status: 200, check: ({ body }) => expect(body.events.length).toBeGreaterThan(0) },
    { does: "lists a user's changes after a recent event id", op: 'GET /events/{userId}', path: () => `/events/u_1?after=${recent()}`, as: 'anonymous', status: 200 },
    { does: 'refuses an after in the future with 400 BAD_EVENT_ID', op: 'GET /events/{userId}', path: () => `/events/u_1?after=${Date.now() + 60_000}-0`, as: 'anonymous', status: 400, code: 'BAD_EVENT_ID' },
    { does: 'refuses an after older than the retention window with 410 EVENTS_EXPIRED', op: 'GET /events/{userId}', path: () => `/events/u_1?after=${ago()}`, as: 'anonymous', status: 410, code: 'EVENTS_EXPIRED' },
  ];
}

/**
 * Identity's OpenID provider and sign-in pages. Most steps need a sign-in in progress in a
 * browser, so a case's setup walks the pages up to that step (IdentitySteps) and the case makes
 * the next call with that browser's cookies. Every call is anonymous: the OAuth endpoints
 * authenticate the client (HTTP Basic), not a bearer token.
 */
function identityProviderCases(): Case[] {
  const steps = new IdentitySteps(() => mocks.urls.identity);
  const at: Record<string, Stop> = {};
  const code: { value?: string; verifier?: string } = {};
  const cookieOf = (name: string, extra: Record<string, string> = {}) => () => ({ cookie: at[name]!.cookie, ...extra });
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const webClient = { ...formHeaders, authorization: basic('web', WEB_DEV_SECRET) };
  const tvClient = { ...formHeaders, authorization: basic('tv', TV_DEV_SECRET) };
  const locationOf = (res: CallResult) => new URL(res.headers.get('location')!);
  const redirectsTo = (path: RegExp) => (res: CallResult) => expect(locationOf(res).pathname).toMatch(path);
  const html = (text: string) => (res: CallResult) => expect(res.text).toContain(text);
  const oauthError = (error: string) => ({ body }: CallResult) => expect(body.error).toBe(error);
  const cases: Omit<Case, 'as'>[] = [
    { does: 'starts a sign-in by redirecting to its login page', op: 'GET /auth', path: webAuthorizationPath(pkce()), status: 303, check: redirectsTo(/^\/interaction\/[^/]+$/) },
    {
      does: 'redirects a request without PKCE back to the client with invalid_request', op: 'GET /auth', path: `/auth?${form({ client_id: 'web', response_type: 'code', redirect_uri: WEB_DEFAULT_REDIRECT, scope: 'openid' })}`, status: 303,
      check: (res) => {
        expect(locationOf(res).href.startsWith(WEB_DEFAULT_REDIRECT)).toBe(true);
        expect(locationOf(res).searchParams.get('error')).toBe('invalid_request');
      },
    },
    { does: 'answers an unknown client with an error page', op: 'GET /auth', path: '/auth?client_id=nobody&response_type=code', status: 400, check: html('invalid_client') },
    {
      does: 'continues a sign-in after the login step', op: 'GET /auth/{uid}', setup: async () => void (at.resume = await steps.afterLogin()),
      path: () => at.resume!.at, headers: cookieOf('resume'), status: 303, check: redirectsTo(/^\/interaction\/[^/]+$/),
    },
    { does: 'answers an error page when no sign-in is in progress in the browser', op: 'GET /auth/{uid}', path: '/auth/unknown', status: 400 },
    {
      does: 'shows the login form of a sign-in', op: 'GET /interaction/{uid}', setup: async () => void (at.login = await steps.atLogin()),
      path: () => at.login!.at, headers: cookieOf('login'), status: 200, check: html('name="password"'),
    },
    {
      does: 'grants the consent step of a first-party client without a page', op: 'GET /interaction/{uid}', setup: async () => void (at.consent = await steps.atConsent()),
      path: () => at.consent!.at, headers: cookieOf('consent'), status: 303, check: redirectsTo(/^\/auth\/[^/]+$/),
    },
    { does: 'answers an error page without the sign-in cookie', op: 'GET /interaction/{uid}', path: '/interaction/unknown', status: 400, check: html('Sign-in expired') },
    {
      does: 'signs u_1 in with the development password', op: 'POST /interaction/{uid}/login', setup: async () => void (at.signIn = await steps.atLogin()),
      path: () => `${at.signIn!.at}/login`, headers: cookieOf('signIn', formHeaders), body: form({ username: 'u_1', password: 'dev-password' }), status: 303, check: redirectsTo(/^\/auth\/[^/]+$/),
    },
    {
      does: 'refuses a wrong password with the login form and the reason', op: 'POST /interaction/{uid}/login', setup: async () => void (at.wrong = await steps.atLogin()),
      path: () => `${at.wrong!.at}/login`, headers: cookieOf('wrong', formHeaders), body: form({ username: 'u_1', password: 'guess' }), status: 400, check: html('Wrong password.'),
    },
    {
      does: 'grants consent when the form allows it', op: 'POST /interaction/{uid}/consent', setup: async () => void (at.allow = await steps.atConsent()),
      path: () => `${at.allow!.at}/consent`, headers: cookieOf('allow', formHeaders), body: form({ decision: 'allow' }), status: 303, check: redirectsTo(/^\/auth\/[^/]+$/),
    },
    { does: 'answers an error page without a consent step in progress', op: 'POST /interaction/{uid}/consent', path: '/interaction/unknown/consent', headers: formHeaders, body: form({ decision: 'allow' }), status: 400 },
    {
      does: 'exchanges an authorization code and its PKCE verifier for tokens', op: 'POST /token', path: '/token', headers: webClient, status: 200,
      setup: async () => void ({ code: code.value, verifier: code.verifier } = await steps.webCode()),
      body: () => form({ grant_type: 'authorization_code', code: code.value!, redirect_uri: WEB_DEFAULT_REDIRECT, code_verifier: code.verifier! }),
      check: ({ body }) => expect([body.token_type, body.expires_in, typeof body.refresh_token]).toEqual(['Bearer', 300, 'string']),
    },
    { does: 'refuses an unknown code with 400 invalid_grant', op: 'POST /token', path: '/token', headers: webClient, body: form({ grant_type: 'authorization_code', code: 'unknown', redirect_uri: WEB_DEFAULT_REDIRECT, code_verifier: 'v'.repeat(43) }), status: 400, check: oauthError('invalid_grant') },
    { does: 'refuses a wrong client secret with 401 invalid_client', op: 'POST /token', path: '/token', headers: { ...formHeaders, authorization: basic('web', 'wrong') }, body: form({ grant_type: 'refresh_token', refresh_token: 'x' }), status: 401, check: oauthError('invalid_client') },
    { does: 'answers 200 to the revocation of a token that is not valid anyway', op: 'POST /token/revocation', path: '/token/revocation', headers: webClient, body: form({ token: 'not-a-token' }), status: 200 },
    { does: 'refuses a revocation without a token with 400 invalid_request', op: 'POST /token/revocation', path: '/token/revocation', headers: webClient, body: form({}), status: 400, check: oauthError('invalid_request') },
    { does: 'refuses a revocation with a wrong client secret with 401 invalid_client', op: 'POST /token/revocation', path: '/token/revocation', headers: { ...formHeaders, authorization: basic('web', 'wrong') }, body: form({ token: 'x' }), status: 401, check: oauthError('invalid_client') },
    {
      does: 'starts a device sign-in for the tv client', op: 'POST /device/auth', path: '/device/auth', headers: tvClient, body: form({ scope: 'openid concierge:user' }), status: 200,
      check: ({ body }) => expect(body.verification_uri).toBe(`${mocks.urls.identity}/device`),
    },
    { does: 'refuses the device grant to a client not registered for it with 400 invalid_request', op: 'POST /device/auth', path: '/device/auth', headers: webClient, body: form({ scope: 'openid' }), status: 400, check: oauthError('invalid_request') },
    { does: 'refuses a wrong client secret with 401 invalid_client', op: 'POST /device/auth', path: '/device/auth', headers: { ...formHeaders, authorization: basic('tv', 'wrong') }, body: form({}), status: 401, check: oauthError('invalid_client') },
    { does: 'shows the form for the code on the TV', op: 'GET /device', path: '/device', status: 200, check: html('name="user_code"') },
    { does: 'submits a code given in the link by itself', op: 'GET /device', path: '/device?user_code=BCDF-GHJK', status: 200, check: html('value="BCDF-GHJK"') },
    {
      does: 'shows the code form again with the reason for an unknown code', op: 'POST /device', path: '/device', setup: async () => void (at.device = await steps.deviceForm()),
      headers: cookieOf('device', formHeaders), body: () => form({ xsrf: at.device!.fields.xsrf!, user_code: 'BCDF-GHJK' }), status: 200, check: html('That code is not valid.'),
    },
    {
      does: 'sends a form posted without a session back to the code page, keeping the code', op: 'POST /device', path: '/device', headers: formHeaders, body: form({ xsrf: 'x', user_code: 'BCDF-GHJK' }), status: 303,
      check: (res) => expect(`${locationOf(res).pathname}${locationOf(res).search}`).toBe('/device?user_code=BCDF-GHJK'),
    },
    {
      does: 'refuses a form whose xsrf token does not match the session with 400', op: 'POST /device', path: '/device', setup: async () => void (at.xsrf = await steps.deviceForm()),
      headers: cookieOf('xsrf', formHeaders), body: form({ xsrf: 'not-the-token', user_code: 'BCDF-GHJK' }), status: 400, check: html('name="user_code"'),
    },
    {
      does: 'shows the success page at the end of a device sign-in', op: 'GET /device/{uid}', setup: async () => void (at.deviceDone = await steps.deviceAfterConsent()),
      path: () => at.deviceDone!.at, headers: cookieOf('deviceDone'), status: 200, check: html('Device connected'),
    },
    { does: 'sends a browser without the sign-in cookie back to the code page', op: 'GET /device/{uid}', path: '/device/unknown', status: 303, check: redirectsTo(/^\/device$/) },
    { does: 'asks to confirm a sign-out', op: 'GET /session/end', path: '/session/end?client_id=web', status: 200, check: html('name="xsrf"') },
    {
      does: 'refuses a post_logout_redirect_uri the client did not register with 400 invalid_request', op: 'GET /session/end', path: `/session/end?${form({ client_id: 'web', post_logout_redirect_uri: 'http://evil.example/' })}`, status: 400,
      check: oauthError('invalid_request'),
    },
    {
      does: 'signs out and redirects to the success page', op: 'POST /session/end/confirm', path: '/session/end/confirm', setup: async () => void (at.logout = await steps.logoutForm()),
      headers: cookieOf('logout', formHeaders), body: () => form(at.logout!.fields), status: 303, check: redirectsTo(/^\/session\/end\/success$/),
    },
    { does: 'refuses a confirmation without a sign-out in progress with 400 invalid_request', op: 'POST /session/end/confirm', path: '/session/end/confirm', headers: formHeaders, body: form({ xsrf: 'x', logout: 'yes' }), status: 400, check: oauthError('invalid_request') },
    { does: 'shows the signed-out page', op: 'GET /session/end/success', path: '/session/end/success', status: 200, check: html('Signed out') },
    { does: 'refuses an unknown client with 400 invalid_client', op: 'GET /session/end/success', path: '/session/end/success?client_id=nobody', status: 400, check: oauthError('invalid_client') },
    // Last of the device cases: it spends this address's budget of wrong codes.
    {
      does: 'refuses a code from an address that entered too many wrong ones with 429 and Retry-After', op: 'POST /device', path: '/device',
      setup: async () => {
        for (let tries = 0; tries < 20; tries++) {
          const stop = (at.throttled = await steps.deviceForm());
          const wrong = await stop.browser.request(`${mocks.urls.identity}/device`, { form: { xsrf: stop.fields.xsrf!, user_code: 'BCDF-GHJK' } });
          if (wrong.status === 429) return;
        }
        throw new Error('20 wrong codes were never throttled');
      },
      headers: cookieOf('throttled', formHeaders), body: () => form({ xsrf: at.throttled!.fields.xsrf!, user_code: 'BCDF-GHJK' }), status: 429,
      check: (res) => {
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        expect(res.text).toContain('Too many wrong codes');
      },
    },
  ];
  return cases.map((c) => ({ ...c, as: 'anonymous' }));
}

const CASES: Record<ServiceName, Case[]> = {
  identity: [
    {
      does: 'publishes one RS256 signing key in its JWKS', op: 'GET /.well-known/jwks.json', path: '/.well-known/jwks.json', as: 'anonymous', status: 200,
      check: ({ body }) => expect(body.keys).toHaveLength(1),
    },
    {
      does: 'publishes OpenID discovery pointing at its own JWKS, with PKCE S256 only', op: 'GET /.well-known/openid-configuration', path: '/.well-known/openid-configuration', as: 'anonymous', status: 200,
      check: ({ body }) => {
        expect(body.jwks_uri).toBe(`${body.issuer}/.well-known/jwks.json`);
        expect(body.code_challenge_methods_supported).toEqual(['S256']);
      },
    },
    ...identityProviderCases(),
    { does: 'mints a token for a subject', op: 'POST /dev/token', path: '/dev/token', as: 'anonymous', body: { sub: 'u_1' }, status: 200, check: ({ body }) => expect(body.expires_in).toBe(3600) },
    { does: 'mints a token with a scope and a lifetime, ignoring unknown properties', op: 'POST /dev/token', path: '/dev/token', as: 'anonymous', body: { sub: 'bff-web', scope: 'concierge:service', ttlSeconds: 60, note: 'ignored' }, status: 200 },
    {
      does: "mints a token with a BFF's audience", op: 'POST /dev/token', path: '/dev/token', as: 'anonymous', body: { sub: 'u_1', aud: 'tv' }, status: 200,
      check: ({ body }) => expect(JSON.parse(Buffer.from(body.access_token.split('.')[1], 'base64url').toString()).aud).toBe('concierge-tv'),
    },
    { does: 'refuses a subject with forbidden characters with 400 VALIDATION_FAILED', op: 'POST /dev/token', path: '/dev/token', as: 'anonymous', body: { sub: 'u 1' }, status: 400, code: 'VALIDATION_FAILED' },
    { does: 'refuses a lifetime over a day with 400 VALIDATION_FAILED', op: 'POST /dev/token', path: '/dev/token', as: 'anonymous', body: { sub: 'u_1', ttlSeconds: 86401 }, status: 400, code: 'VALIDATION_FAILED' },
    { does: 'refuses an audience that is not a BFF with 400 VALIDATION_FAILED', op: 'POST /dev/token', path: '/dev/token', as: 'anonymous', body: { sub: 'u_1', aud: 'desktop' }, status: 400, code: 'VALIDATION_FAILED' },
    { does: 'refuses a user that does not exist with 404 USER_NOT_FOUND', op: 'POST /dev/token', path: '/dev/token', as: 'anonymous', body: { sub: 'u_99999' }, status: 404, code: 'USER_NOT_FOUND' },
    ...bodyCases('POST /dev/token', '/dev/token', { sub: 'u_1' }, 'anonymous'),
  ],

  users: [
    { does: 'returns the full user record to its owner', op: 'GET /users/{id}', path: '/users/u_1', status: 200, check: ({ body }) => expect(body.id).toBe('u_1') },
    {
      does: 'returns only id and the named fields of a sparse fieldset', op: 'GET /users/{id}', path: '/users/u_1?fields=profile,entitlements', status: 200,
      check: ({ body }) => expect(keysOf(body)).toEqual(['entitlements', 'id', 'profile']),
    },
    { does: 'refuses an unknown sparse field with 400 UNKNOWN_FIELDS', op: 'GET /users/{id}', path: '/users/u_1?fields=profile,colour', status: 400, code: 'UNKNOWN_FIELDS' },
    { does: 'refuses an empty sparse fieldset with 400 VALIDATION_FAILED', op: 'GET /users/{id}', path: '/users/u_1?fields=', status: 400, code: 'VALIDATION_FAILED' },
    { does: 'refuses an expired token with 401 TOKEN_EXPIRED', op: 'GET /users/{id}', path: '/users/u_1', as: 'expired', status: 401, code: 'TOKEN_EXPIRED' },
    { does: 'refuses a token it cannot verify with 401 INVALID_TOKEN', op: 'GET /users/{id}', path: '/users/u_1', as: 'forged', status: 401, code: 'INVALID_TOKEN' },
    ...guardCases('GET /users/{id}', (id) => `/users/${id}`),
  ],

  catalog: [
    { does: 'returns the full title', op: 'GET /titles/{id}', path: '/titles/t_42', status: 200, check: ({ body }) => expect(Object.keys(body).length).toBeGreaterThanOrEqual(40) },
    {
      does: 'returns only id and the named fields of a sparse fieldset', op: 'GET /titles/{id}', path: '/titles/t_42?fields=name,images', status: 200,
      check: ({ body }) => expect(keysOf(body)).toEqual(['id', 'images', 'name']),
    },
    {
      does: 'sends an ETag and public freshness with a title', op: 'GET /titles/{id}', path: '/titles/t_42?fields=name,images', status: 200,
      check: ({ headers }) => {
        state.titleTag = headers.get('etag')!;
        expect(headers.get('cache-control')).toBe('public, max-age=300, stale-while-revalidate=600');
      },
    },
    {
      does: 'answers 304 with no body, repeating ETag and Cache-Control, when If-None-Match names the current tag (weakly compared)', op: 'GET /titles/{id}', path: '/titles/t_42?fields=name,images',
      headers: () => ({ 'if-none-match': `"stale", W/${state.titleTag}` }), status: 304,
      check: ({ text, headers }) => expect([text, headers.get('etag')]).toEqual(['', state.titleTag]),
    },
    {
      does: "answers 200 when If-None-Match names another fieldset's tag", op: 'GET /titles/{id}', path: '/titles/t_42?fields=name',
      headers: () => ({ 'if-none-match': state.titleTag! }), status: 200, check: ({ headers }) => expect(headers.get('etag')).not.toBe(state.titleTag),
    },
    { does: 'answers 304 to If-None-Match: * for a title that exists', op: 'GET /titles/{id}', path: '/titles/t_42', headers: { 'if-none-match': '*' }, status: 304 },
    { does: 'refuses an unknown sparse field with 400 UNKNOWN_FIELDS', op: 'GET /titles/{id}', path: '/titles/t_42?fields=name,colour', status: 400, code: 'UNKNOWN_FIELDS' },
    { does: 'refuses an empty sparse fieldset with 400 VALIDATION_FAILED', op: 'GET /titles/{id}', path: '/titles/t_42?fields=', status: 400, code: 'VALIDATION_FAILED' },
    { does: 'refuses a path that is not valid percent-encoding with 400 VALIDATION_FAILED', op: 'GET /titles/{id}', path: `/titles/${BAD_ENCODING}`, status: 400, code: 'VALIDATION_FAILED' },
    { does: 'answers 404 NOT_FOUND for a title that does not exist', op: 'GET /titles/{id}', path: '/titles/t_10001', status: 404, code: 'NOT_FOUND' },
    ...guardCases('GET /titles/{id}', () => '/titles/t_42', { perUser: false }),

    {
      does: 'returns a batch in the order asked, with null for unknown ids', op: 'POST /titles/batch', path: '/titles/batch', body: { ids: ['t_7', 't_0', 't_3'], extra: true }, status: 200,
      check: ({ body }) => expect(body.titles.map((t: Json | null) => t?.id ?? null)).toEqual(['t_7', null, 't_3']),
    },
    {
      does: 'returns partial titles in a batch with a sparse fieldset', op: 'POST /titles/batch', path: '/titles/batch', body: { ids: ['t_1', 't_10001'], fields: ['name', 'maturityRating'] }, status: 200,
      check: ({ body }) => {
        expect(keysOf(body.titles[0])).toEqual(['id', 'maturityRating', 'name']);
        expect(body.titles[1]).toBeNull();
      },
    },
    {
      does: 'gives each title of a batch the ETag its own GET sends for the same fields, null for an unknown id', op: 'POST /titles/batch', path: '/titles/batch', body: { ids: ['t_42', 't_0'], fields: ['name', 'images'] }, status: 200,
      check: ({ body, headers }) => {
        expect(body.etags).toEqual([state.titleTag, null]);
        expect(headers.get('cache-control')).toBe('public, max-age=300, stale-while-revalidate=600');
      },
    },
    { does: 'accepts a batch of exactly 100 ids', op: 'POST /titles/batch', path: '/titles/batch', body: { ids: ids(1, 100) }, status: 200, check: ({ body }) => expect(body.titles).toHaveLength(100) },
    { does: 'refuses a batch of 0 ids with 400 BATCH_SIZE_INVALID', op: 'POST /titles/batch', path: '/titles/batch', body: { ids: [] }, status: 400, code: 'BATCH_SIZE_INVALID' },
    { does: 'refuses a batch of 101 ids with 400 BATCH_SIZE_INVALID', op: 'POST /titles/batch', path: '/titles/batch', body: { ids: ids(1, 101) }, status: 400, code: 'BATCH_SIZE_INVALID' },
    { does: 'refuses ids that are not strings with 400 VALIDATION_FAILED', op: 'POST /titles/batch', path: '/titles/batch', body: { ids: [1, 2] }, status: 400, code: 'VALIDATION_FAILED' },
    { does: 'refuses a batch without a body with 400 VALIDATION_FAILED', op: 'POST /titles/batch', path: '/titles/batch', status: 400, code: 'VALIDATION_FAILED' },
    { does: 'refuses an unknown sparse field in a batch with 400 UNKNOWN_FIELDS', op: 'POST /titles/batch', path: '/titles/batch', body: { ids: ['t_1'], fields: ['colour'] }, status: 400, code: 'UNKNOWN_FIELDS' },
    ...bodyCases('POST /titles/batch', '/titles/batch', { ids: ['t_1'] }),
    ...guardCases('POST /titles/batch', () => '/titles/batch', { perUser: false }),

    {
      does: 'searches titles by name and genre, one page at a time', op: 'GET /titles', path: '/titles?query=SILENT&genre=drama&limit=5', status: 200,
      check: ({ body }) => {
        expect(body.items).toHaveLength(5);
        for (const title of body.items) expect(title.name.toLowerCase()).toContain('silent');
        for (const title of body.items) expect(title.genres).toContain('drama');
        state.titlesCursor = body.nextCursor;
      },
    },
    {
      does: 'continues a search from the cursor it handed out', op: 'GET /titles', path: () => `/titles?query=silent&genre=drama&limit=5&cursor=${state.titlesCursor}`, status: 200,
      check: ({ body }) => expect(body.items).toHaveLength(5),
    },
    { does: 'ends a search with a null cursor', op: 'GET /titles', path: '/titles?query=no+such+title', status: 200, check: ({ body }) => expect(body).toEqual({ items: [], total: 0, nextCursor: null }) },
    { does: 'refuses a limit over 100 with 400 VALIDATION_FAILED', op: 'GET /titles', path: '/titles?limit=101', status: 400, code: 'VALIDATION_FAILED' },
    { does: 'refuses a cursor it did not hand out with 400 INVALID_CURSOR', op: 'GET /titles', path: '/titles?cursor=bm9wZQ', status: 400, code: 'INVALID_CURSOR' },
    {
      does: 'lists the titles released on or after releasedAfter, newest first', op: 'GET /titles', path: '/titles?releasedAfter=2026-08-03&sort=newest&limit=100', status: 200,
      check: ({ body }) => {
        expect(body.total).toBe(372);
        const dates = body.items.map((t: Json) => t.releaseDate);
        expect(dates).toEqual([...dates].sort().reverse());
        expect(dates.every((d: string) => d >= '2026-08-03')).toBe(true);
      },
    },
    {
      does: 'returns only id and the named fields of each item with a sparse fieldset', op: 'GET /titles', path: '/titles?sort=id&fields=name,releaseDate,images&limit=3', status: 200,
      check: ({ body }) => {
        expect(body.items.map((t: Json) => t.id)).toEqual(['t_1', 't_2', 't_3']);
        for (const title of body.items) expect(keysOf(title)).toEqual(['id', 'images', 'name', 'releaseDate']);
      },
    },
    { does: 'refuses a releasedAfter that is not a YYYY-MM-DD day with 400 VALIDATION_FAILED', op: 'GET /titles', path: '/titles?releasedAfter=2026-02-30', status: 400, code: 'VALIDATION_FAILED' },
    { does: 'refuses a sort it does not know with 400 VALIDATION_FAILED', op: 'GET /titles', path: '/titles?sort=oldest', status: 400, code: 'VALIDATION_FAILED' },
    { does: 'refuses an unknown sparse field in a search with 400 UNKNOWN_FIELDS', op: 'GET /titles', path: '/titles?fields=name,colour', status: 400, code: 'UNKNOWN_FIELDS' },
    ...guardCases('GET /titles', () => '/titles', { perUser: false }),
  ],

  recommendations: [
    { does: "returns a user's 500 ranked recommendations, best first", op: 'GET /recommendations/{userId}', path: '/recommendations/u_1', status: 200, check: ({ body }) => expect(body.items.map((i: Json) => i.rank)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1)) },
    { does: 'returns only the first `limit` recommendations', op: 'GET /recommendations/{userId}', path: '/recommendations/u_1?limit=10', status: 200, check: ({ body }) => expect(body.items).toHaveLength(10) },
    { does: 'refuses a limit over 500 with 400 VALIDATION_FAILED', op: 'GET /recommendations/{userId}', path: '/recommendations/u_1?limit=501', status: 400, code: 'VALIDATION_FAILED' },
    ...guardCases('GET /recommendations/{userId}', (id) => `/recommendations/${id}`),
    { does: 'returns the 100 trending titles of the US by default', op: 'GET /trending', path: '/trending', status: 200, check: ({ body }) => expect([body.region, body.items.length]).toEqual(['US', 100]) },
    { does: 'returns the trending titles of another region', op: 'GET /trending', path: '/trending?region=GB', status: 200, check: ({ body }) => expect(body.region).toBe('GB') },
    { does: 'refuses a region that is not a two-letter code with 400 VALIDATION_FAILED', op: 'GET /trending', path: '/trending?region=usa', status: 400, code: 'VALIDATION_FAILED' },
    ...guardCases('GET /trending', () => '/trending', { perUser: false }),
  ],

  'continue-watching': [
    {
      does: "returns a user's unfinished titles, with season and episode for series", op: 'GET /continue-watching/{userId}', path: '/continue-watching/u_1', status: 200,
      check: ({ body }) => expect(body.items.some((i: Json) => i.season !== undefined)).toBe(true),
    },
    { does: 'returns an empty list for a user who has watched nothing', op: 'GET /continue-watching/{userId}', path: '/continue-watching/u_7', as: 'service', status: 200, check: ({ body }) => expect(body.items).toEqual([]) },
    ...guardCases('GET /continue-watching/{userId}', (id) => `/continue-watching/${id}`),
    {
      does: 'records progress on a title, first in the row', op: 'PUT /continue-watching/{userId}/{contentId}', path: '/continue-watching/u_1/t_9999', body: { progressSeconds: 90 }, status: 200,
      check: ({ body }) => expect(body).toMatchObject({ item: { contentId: 't_9999', progressSeconds: 90 }, changed: true }),
    },
    { does: 'records the same progress again without changing anything', op: 'PUT /continue-watching/{userId}/{contentId}', path: '/continue-watching/u_1/t_9999', body: { progressSeconds: 90 }, status: 200, check: ({ body }) => expect(body.changed).toBe(false) },
    { does: "refuses progress beyond the title's runtime with 400 VALIDATION_FAILED", op: 'PUT /continue-watching/{userId}/{contentId}', path: '/continue-watching/u_1/t_9999', body: { progressSeconds: 1_000_000 }, status: 400, code: 'VALIDATION_FAILED' },
    { does: 'refuses progress on a title that does not exist with 404 TITLE_NOT_FOUND', op: 'PUT /continue-watching/{userId}/{contentId}', path: '/continue-watching/u_1/t_0', body: { progressSeconds: 1 }, status: 404, code: 'TITLE_NOT_FOUND' },
    ...bodyCases('PUT /continue-watching/{userId}/{contentId}', '/continue-watching/u_1/t_1', { progressSeconds: 1 }),
    ...guardCases('PUT /continue-watching/{userId}/{contentId}', (id) => `/continue-watching/${id}/t_1`, { body: { progressSeconds: 1 } }),
    ...eventCases(),
  ],

  'my-list': [
    { does: "returns a user's list", op: 'GET /my-list/{userId}', path: '/my-list/u_1', status: 200 },
    ...guardCases('GET /my-list/{userId}', (id) => `/my-list/${id}`),
    { does: 'adds a title to the front of the list', op: 'PUT /my-list/{userId}/{contentId}', path: '/my-list/u_1/t_9999', status: 200, check: ({ body }) => expect(body).toMatchObject({ inList: true, changed: true }) },
    { does: 'adds a title already in the list without changing anything', op: 'PUT /my-list/{userId}/{contentId}', path: '/my-list/u_1/t_9999', status: 200, check: ({ body }) => expect(body).toMatchObject({ inList: true, changed: false }) },
    { does: 'removes a title from the list', op: 'DELETE /my-list/{userId}/{contentId}', path: '/my-list/u_1/t_9999', status: 200, check: ({ body }) => expect(body).toMatchObject({ inList: false, changed: true }) },
    { does: 'removes a title not in the list without changing anything', op: 'DELETE /my-list/{userId}/{contentId}', path: '/my-list/u_1/t_9999', status: 200, check: ({ body }) => expect(body).toMatchObject({ inList: false, changed: false }) },
    { does: 'refuses to add a title that does not exist with 404 TITLE_NOT_FOUND', op: 'PUT /my-list/{userId}/{contentId}', path: '/my-list/u_1/t_0', status: 404, code: 'TITLE_NOT_FOUND' },
    { does: 'refuses to remove a title that does not exist with 404 TITLE_NOT_FOUND', op: 'DELETE /my-list/{userId}/{contentId}', path: '/my-list/u_1/t_10001', status: 404, code: 'TITLE_NOT_FOUND' },
    {
      does: 'refuses to add a 501st title with 409 LIST_FULL', op: 'PUT /my-list/{userId}/{contentId}', path: '/my-list/u_11/t_501', as: 'service', status: 409, code: 'LIST_FULL',
      setup: async () => {
        const token = tokenOf('service');
        for (let start = 1; start <= 500; start += 50) {
          const added = await Promise.all(ids(start, 50).map((id) => call(`${mocks.urls['my-list']}/my-list/u_11/${id}`, { method: 'PUT', token })));
          expect(added.map((r) => r.status)).toEqual(Array(50).fill(200));
        }
      },
    },
    ...guardCases('PUT /my-list/{userId}/{contentId}', (id) => `/my-list/${id}/t_1`),
    ...guardCases('DELETE /my-list/{userId}/{contentId}', (id) => `/my-list/${id}/t_1`),
    ...eventCases(),
  ],

  billing: [
    {
      does: "returns a user's billing account with payment methods and invoices", op: 'GET /billing/{userId}', path: '/billing/u_1', status: 200,
      check: ({ body }) => expect(body.invoices).toHaveLength(12),
    },
    ...guardCases('GET /billing/{userId}', (id) => `/billing/${id}`),
  ],

  reviews: [
    {
      does: "returns the first page of a title's reviews, newest first", op: 'GET /reviews', path: '/reviews?titleId=t_1&limit=5', status: 200,
      check: ({ body }) => {
        expect(body.items).toHaveLength(5);
        const dates = body.items.map((r: Json) => r.createdAt);
        expect(dates).toEqual([...dates].sort().reverse());
        state.reviewsCursor = body.nextCursor;
      },
    },
    { does: 'continues from the cursor it handed out', op: 'GET /reviews', path: () => `/reviews?titleId=t_1&limit=5&cursor=${state.reviewsCursor}`, status: 200, check: ({ body }) => expect(body.items).toHaveLength(5) },
    { does: 'returns an empty page for a title without reviews', op: 'GET /reviews', path: '/reviews?titleId=t_13', status: 200, check: ({ body }) => expect(body).toMatchObject({ total: 0, items: [], nextCursor: null }) },
    { does: 'refuses a listing without titleId with 400 VALIDATION_FAILED', op: 'GET /reviews', path: '/reviews', status: 400, code: 'VALIDATION_FAILED' },
    { does: 'refuses a limit of 0 with 400 VALIDATION_FAILED', op: 'GET /reviews', path: '/reviews?titleId=t_1&limit=0', status: 400, code: 'VALIDATION_FAILED' },
    { does: 'refuses a cursor it did not hand out with 400 INVALID_CURSOR', op: 'GET /reviews', path: '/reviews?titleId=t_1&cursor=!!', status: 400, code: 'INVALID_CURSOR' },
    { does: 'answers 404 NOT_FOUND for reviews of a title that does not exist', op: 'GET /reviews', path: '/reviews?titleId=t_0', status: 404, code: 'NOT_FOUND' },
    ...guardCases('GET /reviews', () => '/reviews?titleId=t_1', { perUser: false }),

    {
      does: 'summarizes ratings per title in the order asked, null for unknown titles', op: 'POST /reviews/summaries', path: '/reviews/summaries', body: { titleIds: ['t_1', 't_0', 't_13'] }, status: 200,
      check: ({ body }) => {
        expect(body.summaries[0]).toMatchObject({ titleId: 't_1', count: 173 });
        expect(body.summaries[1]).toBeNull();
        expect(body.summaries[2]).toEqual({ titleId: 't_13', averageRating: null, count: 0 });
      },
    },
    { does: 'refuses 0 title ids with 400 BATCH_SIZE_INVALID', op: 'POST /reviews/summaries', path: '/reviews/summaries', body: { titleIds: [] }, status: 400, code: 'BATCH_SIZE_INVALID' },
    { does: 'refuses 101 title ids with 400 BATCH_SIZE_INVALID', op: 'POST /reviews/summaries', path: '/reviews/summaries', body: { titleIds: ids(1, 101) }, status: 400, code: 'BATCH_SIZE_INVALID' },
    { does: 'refuses title ids that are not strings with 400 VALIDATION_FAILED', op: 'POST /reviews/summaries', path: '/reviews/summaries', body: { titleIds: 't_1' }, status: 400, code: 'VALIDATION_FAILED' },
    ...bodyCases('POST /reviews/summaries', '/reviews/summaries', { titleIds: ['t_1'] }),
    ...guardCases('POST /reviews/summaries', () => '/reviews/summaries', { perUser: false }),
  ],

  playback: [
    {
      does: 'issues a licence per title for the DRM system asked, null for unknown titles', op: 'POST /playback/licenses', path: '/playback/licenses', body: { contentIds: ['t_1', 't_0'], drmSystem: 'fairplay' }, status: 200,
      check: ({ body }) => {
        expect(body.licenses[0]).toMatchObject({ contentId: 't_1', drmSystem: 'fairplay', expiresAt: '2026-11-21T18:00:00.000Z' });
        expect(body.licenses[1]).toBeNull();
      },
    },
    { does: 'refuses an unsupported DRM system with 400 VALIDATION_FAILED', op: 'POST /playback/licenses', path: '/playback/licenses', body: { contentIds: ['t_1'], drmSystem: 'clearkey' }, status: 400, code: 'VALIDATION_FAILED' },
    { does: 'refuses 0 title ids with 400 BATCH_SIZE_INVALID', op: 'POST /playback/licenses', path: '/playback/licenses', body: { contentIds: [], drmSystem: 'widevine' }, status: 400, code: 'BATCH_SIZE_INVALID' },
    { does: 'refuses 101 title ids with 400 BATCH_SIZE_INVALID', op: 'POST /playback/licenses', path: '/playback/licenses', body: { contentIds: ids(1, 101), drmSystem: 'widevine' }, status: 400, code: 'BATCH_SIZE_INVALID' },
    ...bodyCases('POST /playback/licenses', '/playback/licenses', { contentIds: ['t_1'], drmSystem: 'widevine' }),
    ...guardCases('POST /playback/licenses', () => '/playback/licenses', { perUser: false }),
  ],

  notifications: [
    { does: "returns a user's unread notification count", op: 'GET /notifications/{userId}/unread-count', path: '/notifications/u_1/unread-count', status: 200 },
    ...guardCases('GET /notifications/{userId}/unread-count', (id) => `/notifications/${id}/unread-count`),
    { does: 'counts a new notification as unread', op: 'POST /notifications/{userId}', path: '/notifications/u_1', body: { text: 'New episodes' }, status: 201, check: ({ body }) => expect(body.unreadCount).toBeGreaterThan(0) },
    { does: 'refuses a blank text with 400 VALIDATION_FAILED', op: 'POST /notifications/{userId}', path: '/notifications/u_1', body: { text: ' ' }, status: 400, code: 'VALIDATION_FAILED' },
    ...bodyCases('POST /notifications/{userId}', '/notifications/u_1', { text: 'hi' }),
    ...guardCases('POST /notifications/{userId}', (id) => `/notifications/${id}`, { body: { text: 'hi' }, ok: 201 }),
    { does: 'marks every notification read', op: 'POST /notifications/{userId}/read', path: '/notifications/u_1/read', status: 200, check: ({ body }) => expect(body).toMatchObject({ unreadCount: 0, lastNotificationAt: null, changed: true }) },
    ...guardCases('POST /notifications/{userId}/read', (id) => `/notifications/${id}/read`),
    ...eventCases(),
  ],
};

// Every service serves its own document, publicly.
for (const service of SERVICE_NAMES) {
  CASES[service].push({ does: 'serves its OpenAPI document without a token', op: 'GET /openapi.json', path: '/openapi.json', as: 'anonymous', status: 200 });
}

// ---------------------------------------------------------------------------------------------
// Running it
// ---------------------------------------------------------------------------------------------

let mocks: TestMocks;
const tokens = new Map<Caller, string>();

beforeAll(async () => {
  mocks = await startTestMocks();
  tokens.set('u_1', await mocks.serviceToken('u_1'));
  tokens.set('u_2', await mocks.serviceToken('u_2'));
  tokens.set('service', await mocks.serviceToken('bff-contract-test', { scope: 'concierge:service' }));
  tokens.set('expired', await mocks.serviceToken('u_1', { ttlSeconds: -60 }));
  // A well-formed token signed by no key the identity service has.
  const [header, payload] = tokens.get('u_1')!.split('.');
  tokens.set('forged', `${header}.${payload}.${Buffer.from('not the signature').toString('base64url')}`);
});
afterAll(() => mocks?.close());

const tokenOf = (caller: Caller) => (caller === 'anonymous' ? undefined : tokens.get(caller));

/** `METHOD path → status`, for every call a service's cases made. */
const exercised = Object.fromEntries(SERVICE_NAMES.map((name) => [name, new Set<string>()])) as Record<ServiceName, Set<string>>;

async function run(service: ServiceName, c: Case): Promise<void> {
  await c.setup?.();
  const [method] = splitOperation(c.op);
  const path = typeof c.path === 'function' ? c.path() : c.path;
  const res = c.stream ? await openStream(`${mocks.urls[service]}${path}`) : await call(`${mocks.urls[service]}${path}`, {
    method: method.toUpperCase(),
    token: tokenOf(c.as ?? 'u_1'),
    body: typeof c.body === 'function' ? c.body() : c.body,
    headers: typeof c.headers === 'function' ? c.headers() : c.headers,
    // A redirect is an answer of its own (identity's sign-in pages), checked by its Location.
    redirect: 'manual',
  });
  exercised[service].add(`${c.op} → ${res.status}`);

  expect(res.status, res.text.slice(0, 300)).toBe(c.status);
  if (c.code) expect(errorCode(res)).toBe(c.code);
  checkQueryParameters(service, c.op, path, res.status);

  const documented = documentedResponse(service, c.op, res.status);
  expect(documented, `${c.op} does not document status ${res.status}`).toBeDefined();
  const { response, at } = documented!;

  // The answer's media type is one the response documents, and its body valid for that type's
  // schema: JSON parsed, anything else (identity's HTML pages) as text. A response without
  // content (a redirect, an empty 200) has no body in the contract.
  const mediaTypes = Object.keys(response.content ?? {});
  if (mediaTypes.length > 0) {
    const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    expect(mediaTypes, `${c.op} ${res.status} answered ${mediaType}`).toContain(mediaType);
    const validateBody = validatorFor(service, at, 'content', mediaType, 'schema');
    const body = /[/+]json$/.test(mediaType) ? res.body : res.text;
    expect(validateBody(body), explain(validateBody)).toBe(true);
  }

  for (const [name, header] of Object.entries((response.headers ?? {}) as Json)) {
    const value = res.headers.get(name);
    if (value === null) {
      expect(header.required, `header ${name} is required`).not.toBe(true);
      continue;
    }
    const validateHeader = validatorFor(service, at, 'headers', name, 'schema');
    expect(validateHeader(value), `header ${name}: ${explain(validateHeader)}`).toBe(true);
  }

  c.check?.(res);
}

/** The status and headers of a streamed answer; the client leaves at once. */
async function openStream(url: string): Promise<CallResult> {
  const abort = new AbortController();
  const res = await fetch(url, { signal: abort.signal });
  abort.abort();
  return { status: res.status, headers: res.headers, text: '', body: undefined };
}

/**
 * Every query parameter a case sends is documented on its operation; when the call succeeds, each
 * value is also valid for the parameter's schema (a `form`, non-exploded array is split on commas,
 * numbers are read as numbers), so the document cannot be narrower than what the service accepts.
 */
function checkQueryParameters(service: ServiceName, op: Operation, path: string, status: number): void {
  const [method, template] = splitOperation(op);
  const parameters: Json[] = docs[service].paths[template][method].parameters ?? [];
  for (const [name, value] of new URL(path, 'http://mock.test').searchParams) {
    const index = parameters.findIndex((p) => p.in === 'query' && p.name === name);
    expect(index, `${op} does not document the query parameter ${name}`).toBeGreaterThanOrEqual(0);
    if (status >= 400) continue;
    const parameter = parameters[index]!;
    const schema = parameter.schema as Json;
    const at = pointer('paths', template, method, 'parameters', String(index), 'schema');
    const validate = validatorFor(service, at);
    const isArray = schema.type === 'array' && parameter.style === 'form' && parameter.explode === false;
    const typed = isArray ? value.split(',') : schema.type === 'integer' || schema.type === 'number' ? Number(value) : value;
    expect(validate(typed), `${op} ${name}=${value}: ${explain(validate)}`).toBe(true);
  }
}

/** The routes a service registers, as start-mocks builds them (plus the document route it adds). */
async function registeredOperations(service: ServiceName): Promise<Operation[]> {
  const seed = 42;
  const events = await createEventLogs({});
  const deps = { seed, env: {}, titles: new TitleStore(seed), reviews: new ReviewStore(seed), events, identityUrl: () => 'http://127.0.0.1:4100' };
  const routes = await SERVICES[service].routes(deps);
  await events.close();
  return [...routes.map((r) => `${r.method} ${r.path}` as Operation), 'GET /openapi.json' as Operation].sort();
}

for (const service of SERVICE_NAMES) {
  describe(`${service} contract`, () => {
    it('is a valid OpenAPI 3.1 document', async () => {
      const result = await new Validator().validate(structuredClone(docs[service]));
      expect(result.errors ?? []).toEqual([]);
      expect(result.valid).toBe(true);
      expect(docs[service].openapi).toMatch(/^3\.1\./);
      expect(docs[service].servers[0].url).toBe(`http://127.0.0.1:${SERVICES[service].port}`);
    });

    it('documents exactly the routes the service registers', async () => {
      expect(documentedOperations(service)).toEqual(await registeredOperations(service));
    });

    it('serves the committed document byte for byte at GET /openapi.json', async () => {
      const res = await fetch(`${mocks.urls[service]}/openapi.json`);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(docText[service], 'utf8'))).toBe(true);
    });

    for (const c of CASES[service]) {
      it(`${c.op}: ${c.does}`, () => run(service, c));
    }

    it('exercised every documented operation and response status', async () => {
      expect([...exercised[service]].sort()).toEqual(documentedStatuses(service));
      const { routes } = await mocks.counters(service);
      expect(Object.keys(routes).sort()).toEqual(documentedOperations(service));
    });
  });
}
