import { BEARER_VARY, type CachingPolicy, type FlagDeclarations, type ClientVersionPolicy, type PerimeterPolicy, type ResiliencePolicy } from '../kit/index.ts';

/** Web is the most patient: desktop networks are fast, and a rich page is worth a retry. */
export const WEB_POLICY: ResiliencePolicy = {
  deadlineMs: 3_000,
  listsShareOfDeadline: 0.6,
  nonCriticalShareOfDeadline: 0.25,
  staleIfError: { maxAgeSeconds: 300, maxEntries: 50_000 },
  retry: { maxAttempts: 3, baseDelayMs: 25, maxDelayMs: 250, budgetRatio: 0.1, budgetMinPerSecond: 10 },
  breaker: { consecutiveFailures: 10, failureRate: 0.5, window: 40, minimumCalls: 20, halfOpenAfterMs: 10_000 },
  bulkhead: 128,
  connections: 64,
  shedding: { maxInFlight: 512, maxEventLoopDelayMs: 1_500 },
};

/**
 * The web pages are the richest: a title page with a page of reviews costs 3,192 and a search 1,938 (pages priced at their 50-item cap), a home 61; the budgets fit twenty title pages a minute; the web app signs in with cookies (the sign-in issue), so its allowed origins may send credentials.
 * test/policy/operation-limits.test.ts proves every shipped operation fits.
 */
export const WEB_PERIMETER: PerimeterPolicy = {
  maxBodyBytes: 32768,
  maxPageSize: 50,
  limits: { depth: 8, aliases: 20, directives: 20, tokens: 1000, cost: 4000 },
  rateLimits: { viewer: { points: 80000, windowSeconds: 60 }, ip: { points: 800000, windowSeconds: 60 }, signIn: { points: 60, windowSeconds: 60 } },
  inFlight: { viewer: 32, ip: 64 },
  corsCredentials: true,
};

/**
 * Web's dashboards revalidate on every view (`private, no-cache`): the ETag spares the body when
 * nothing changed, and nothing is kept in the response cache. The browser's session cookie is the
 * credential, or a bearer token in development. Its home is the largest answer (66 kB): brotli at
 * quality 1 compresses it in a fifth of quality 5's time for 13% more bytes, on broadband
 * (`npm run bench:compression`).
 */
export const WEB_CACHING: CachingPolicy = {
  defaults: { maxAge: 0, scope: 'PRIVATE' },
  vary: ['Cookie', ...BEARER_VARY],
  keyHeaders: [],
  compression: { prefer: ['br', 'gzip'], thresholdBytes: 1024, brotliQuality: 1, gzipLevel: 1 },
  responseCacheBytes: 16 * 1024 * 1024,
};

/**
 * The app versions still served (README: Releasing a client). The web app ships with its BFF, so no header means the current app.
 * Retire a version by raising `minimum`: its documents are then refused with
 * CLIENT_VERSION_UNSUPPORTED, and contracts:check stops holding the schema to them.
 */
export const WEB_VERSIONS: ClientVersionPolicy = {
  required: false,
  supported: { minimum: '1.0.0' },
};

/**
 * The flags web reads (flags/flags.json holds their definitions; README: Flags and experiments).
 * `row-order` is an experiment on the home: `continue-first` (control) or `trending-first`.
 */
export const WEB_FLAGS: FlagDeclarations = {
  'row-order': { default: 'continue-first', operations: ['WebHome'] },
};
