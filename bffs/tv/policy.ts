import { BEARER_VARY, type CachingPolicy, type FlagDeclarations, type ClientVersionPolicy, type PerimeterPolicy, type ResiliencePolicy } from '../kit/index.ts';

/** TV sits between: big rows, a fast first frame, and playback licences fetched ahead. */
export const TV_POLICY: ResiliencePolicy = {
  deadlineMs: 2_000,
  listsShareOfDeadline: 0.5,
  nonCriticalShareOfDeadline: 0.4,
  staleIfError: { maxAgeSeconds: 300, maxEntries: 50_000 },
  retry: { maxAttempts: 2, baseDelayMs: 25, maxDelayMs: 150, budgetRatio: 0.1, budgetMinPerSecond: 5 },
  breaker: { consecutiveFailures: 5, failureRate: 0.5, window: 20, minimumCalls: 10, halfOpenAfterMs: 5_000 },
  bulkhead: 96,
  connections: 48,
  shedding: { maxInFlight: 256, maxEventLoopDelayMs: 1_000 },
};

/**
 * TVs send two documents; a household shares one address, so the address budget is ten viewers'.
 * test/policy/operation-limits.test.ts proves every shipped operation fits.
 */
export const TV_PERIMETER: PerimeterPolicy = {
  maxBodyBytes: 16384,
  maxPageSize: 50,
  limits: { depth: 6, aliases: 10, directives: 10, tokens: 1000, cost: 400 },
  rateLimits: { viewer: { points: 6000, windowSeconds: 60 }, ip: { points: 60000, windowSeconds: 60 }, signIn: { points: 60, windowSeconds: 60 } },
  inFlight: { viewer: 24, ip: 48 },
  corsCredentials: false,
};

/**
 * TV's home may be reused for two minutes (`private, max-age=120`); its answer depends on the
 * device's DRM and capabilities headers, so they are in `Vary` and in the response cache's key.
 */
export const TV_CACHING: CachingPolicy = {
  defaults: { maxAge: 120, scope: 'PRIVATE' },
  vary: [...BEARER_VARY, 'X-Device-Drm', 'X-Device-Capabilities'],
  keyHeaders: ['x-device-drm', 'x-device-capabilities'],
  compression: { prefer: ['br', 'gzip'], thresholdBytes: 1024, brotliQuality: 5, gzipLevel: 6 },
  responseCacheBytes: 64 * 1024 * 1024,
};

/**
 * The app versions still served (README: Releasing a client). Apps in the field send their version; one without a header is served as the oldest supported.
 * Retire a version by raising `minimum`: its documents are then refused with
 * CLIENT_VERSION_UNSUPPORTED, and contracts:check stops holding the schema to them.
 */
export const TV_VERSIONS: ClientVersionPolicy = {
  required: true,
  supported: { minimum: '1.0.0' },
};

/**
 * The flags TV reads (flags/flags.json holds their definitions; README: Flags and experiments).
 * `ambient-mode` is a rollout by device capability (`ambient`) and percentage of viewers.
 */
export const TV_FLAGS: FlagDeclarations = {
  'ambient-mode': { default: false, operations: ['TvHome'] },
};
