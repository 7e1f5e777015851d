import { BEARER_VARY, type CachingPolicy, type FlagDeclarations, type ClientVersionPolicy, type PerimeterPolicy, type ResiliencePolicy } from '../kit/index.ts';

/**
 * Mobile is the strictest: phones on cellular networks would rather draw a partial home now than
 * a full one late, so the deadline is short and a failing service is given up on quickly.
 */
export const MOBILE_POLICY: ResiliencePolicy = {
  deadlineMs: 1_500,
  listsShareOfDeadline: 0.6,
  nonCriticalShareOfDeadline: 0.4,
  staleIfError: { maxAgeSeconds: 300, maxEntries: 50_000 },
  retry: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 100, budgetRatio: 0.1, budgetMinPerSecond: 5 },
  breaker: { consecutiveFailures: 5, failureRate: 0.5, window: 20, minimumCalls: 10, halfOpenAfterMs: 5_000 },
  bulkhead: 64,
  connections: 32,
  shedding: { maxInFlight: 256, maxEventLoopDelayMs: 1_000 },
};

/**
 * Phones send four small documents; 16 KiB and depth 6 leave room for their growth, not for a crafted one. Budgets are per minute: about a hundred homes per viewer, and carrier NAT puts many viewers behind one address.
 * test/policy/operation-limits.test.ts proves every shipped operation fits.
 */
export const MOBILE_PERIMETER: PerimeterPolicy = {
  maxBodyBytes: 16384,
  maxPageSize: 50,
  limits: { depth: 6, aliases: 10, directives: 10, tokens: 1000, cost: 300 },
  rateLimits: { viewer: { points: 6000, windowSeconds: 60 }, ip: { points: 120000, windowSeconds: 60 } },
  inFlight: { viewer: 16, ip: 32 },
  corsCredentials: false,
};

/**
 * Mobile's home may be reused for a minute on the phone (`private, max-age=60`) and in the BFF's
 * response cache; bodies go out in brotli, which phones on cellular networks decode for free.
 */
export const MOBILE_CACHING: CachingPolicy = {
  defaults: { maxAge: 60, scope: 'PRIVATE' },
  vary: BEARER_VARY,
  keyHeaders: [],
  compression: { prefer: ['br', 'gzip'], thresholdBytes: 1024, brotliQuality: 5, gzipLevel: 6 },
  responseCacheBytes: 64 * 1024 * 1024,
};

/**
 * The app versions still served (README: Releasing a client). Apps in the field send their version; one without a header is served as the oldest supported.
 * Retire a version by raising `minimum`: its documents are then refused with
 * CLIENT_VERSION_UNSUPPORTED, and contracts:check stops holding the schema to them.
 */
export const MOBILE_VERSIONS: ClientVersionPolicy = {
  required: true,
  supported: { minimum: '1.0.0' },
};

/**
 * The flags mobile reads (flags/flags.json holds their definitions; README: Flags and experiments).
 * `top-picks-size` is an experiment on the home: 20 top picks (control) against 12.
 */
export const MOBILE_FLAGS: FlagDeclarations = {
  'top-picks-size': { default: 20, operations: ['MobileHome'] },
};
