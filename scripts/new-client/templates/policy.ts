import type { NewClient } from '../names.ts';

/** bffs/<name>/policy.ts: resilience, perimeter and supported versions, starting from mobile's. */
export const policyTemplate = ({ name, constant }: NewClient) => `import { BEARER_VARY, type CachingPolicy, type ClientVersionPolicy, type PerimeterPolicy, type ResiliencePolicy } from '../kit/index.ts';

/**
 * Mobile's figures, which \`npm run new-client\` started ${name} from: a device on a wireless
 * network that would rather draw a partial home now than a full one late. Tune them for ${name}.
 */
export const ${constant}_POLICY: ResiliencePolicy = {
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
 * One small document; mobile's limits leave it room to grow, not room for a crafted one.
 * test/policy/operation-limits.test.ts proves every shipped operation fits.
 */
export const ${constant}_PERIMETER: PerimeterPolicy = {
  maxBodyBytes: 16384,
  maxPageSize: 50,
  limits: { depth: 6, aliases: 10, directives: 10, tokens: 1000, cost: 300 },
  rateLimits: { viewer: { points: 6000, windowSeconds: 60 }, ip: { points: 120000, windowSeconds: 60 } },
  inFlight: { viewer: 16, ip: 32 },
  corsCredentials: false,
};

/**
 * Mobile's caching: the home may be reused for a minute (\`private, max-age=60\`), in brotli over
 * 1 KiB. README: Caching.
 */
export const ${constant}_CACHING: CachingPolicy = {
  defaults: { maxAge: 60, scope: 'PRIVATE' },
  vary: BEARER_VARY,
  keyHeaders: [],
  compression: { prefer: ['br', 'gzip'], thresholdBytes: 1024, brotliQuality: 5, gzipLevel: 6 },
  responseCacheBytes: 64 * 1024 * 1024,
};

/**
 * The app versions still served (README: Releasing a client). Apps send their version; one
 * without a header is served as the oldest supported. Retire a version by raising \`minimum\`.
 */
export const ${constant}_VERSIONS: ClientVersionPolicy = {
  required: true,
  supported: { minimum: '1.0.0' },
};
`;
