import type { Budget } from './core/perimeter-policy.ts';
import type { TrustedDocumentsMode } from './core/trusted-documents.ts';
import { DOWNSTREAM_DEFAULTS, type DownstreamName, type DownstreamUrls } from './core/services.ts';

// The service names live on the kit's ground floor (core/); scripts, tests and the bench still
// read them here, beside the configuration they name.
export { DOWNSTREAM_DEFAULTS, type DownstreamName, type DownstreamUrls };

export interface BffConfig {
  port: number;
  /** Where a BFF listens: loopback in development (its GraphiQL hands out tokens), all interfaces in production (`HOST`). */
  host?: string;
  /** Development mode serves GraphiQL with a token filled in; production never does. */
  production: boolean;
  urls: DownstreamUrls;
  /** Overrides the client policy's request deadline (`DEADLINE_MS`). */
  deadlineMs?: number;
  /** Overrides the client policy's sockets per downstream origin (`DOWNSTREAM_CONNECTIONS`). */
  connections?: number;
  logLevel: string;
  /** `LOG_FORMAT=json` keeps development's logs in JSON; else pino-pretty in development, JSON in production (server/logger.ts). */
  logFormat?: 'json' | 'pretty';
  /**
   * Serve plain `POST /graphql` on the fast lane (server/fast-lane.ts). On by default;
   * `FAST_LANE=off` sends everything through yoga, to compare or to rule the lane out.
   */
  fastLane?: boolean;
  /** `only`: documents by id from the client's manifest; `arbitrary`: raw queries too (`TRUSTED_DOCUMENTS`). */
  trustedDocuments?: TrustedDocumentsMode;
  /** Shared stores (rate limits, sessions, the title cache's second level) live in this Redis when set (`REDIS_URL`); in process otherwise. */
  redisUrl?: string;
  /**
   * The shared title cache's in-process bound, in MB of the titles' JSON (`TITLE_CACHE_MB`); 0
   * turns the cache off, Redis level included.
   * @default 32
   */
  titleCacheMb?: number;
  /** The web BFF's browser origins (`WEB_ORIGINS`, a comma list). */
  webOrigins?: string[];
  /**
   * The cost budgets (viewer, address, sign-in). `RATE_LIMITS=off` and `OPERATION_LIMITS=off`
   * exist to measure what the perimeter costs (the bench's concierge-open system). In development
   * the budgets are off unless asked for (`RATE_LIMITS=on`, or a `RATE_LIMIT_*` budget): a
   * poller or a reloading GraphiQL is not an abuser, and `npm run dev` starts each new
   * generation of a BFF with a fresh in-process budget anyway.
   */
  rateLimits?: boolean;
  operationLimits?: boolean;
  /** Overrides the client policy's budgets (`RATE_LIMIT_VIEWER`, `RATE_LIMIT_IP`: `<points>/<seconds>`). */
  viewerBudget?: Budget;
  /** Overrides the client policy's in-flight caps per viewer and per address (`IN_FLIGHT_VIEWER`, `IN_FLIGHT_IP`: requests at once, per replica). */
  viewerInFlight?: number;
  ipInFlight?: number;
  /** Proxies in front of the BFF whose `X-Forwarded-For` entries are believed (`TRUSTED_PROXY_HOPS`). */
  trustedProxyHops?: number;
  ipBudget?: Budget;
  /** Overrides the client policy's sign-in budget (`RATE_LIMIT_SIGN_IN`: `<requests>/<seconds>`). */
  signInBudget?: Budget;
  /**
   * Sign-in for cookie clients (web): the BFF's client secret at the provider (`WEB_CLIENT_SECRET`),
   * the key sealing tokens at rest (`SESSION_ENCRYPTION_KEY`), and where browsers reach the BFF
   * (`WEB_PUBLIC_URL`, for the redirect URI). Each has a development default; production must set
   * the first two (sign-in/index.ts refuses to start without them).
   */
  webClientSecret?: string;
  /** The TV BFF's client secret at the provider for the device sign-in (`TV_CLIENT_SECRET`); production must set it. */
  tvClientSecret?: string;
  /**
   * The mobile BFF's client secret at the provider (`MOBILE_CLIENT_SECRET`), as client `mobile-bff`:
   * what it exchanges the app's tokens with (server/acting-client.ts); production must set it.
   */
  mobileClientSecret?: string;
  sessionEncryptionKey?: string;
  publicUrl?: string;
  /** Session idle timeout and absolute lifetime (`SESSION_IDLE_MINUTES`, `SESSION_LIFETIME_HOURS`). */
  sessionIdleMinutes?: number;
  sessionLifetimeHours?: number;
  /** `RESPONSE_CACHE=off` computes every answer (HTTP cache headers and 304s stay): to measure, or to rule the cache out. */
  responseCache?: boolean;
  /** The deploy's id (`DEPLOY_ID`: an image tag, a commit); with the schema's hash it keys the shared response cache, so a deploy starts clean. */
  deployId?: string;
  /**
   * The admin port (`ADMIN_PORT`): Prometheus's `/metrics`, never exposed publicly. Defaults to
   * the BFF's port + 90 (4090 web, 4091 mobile, 4092 tv); `off` serves none.
   */
  adminPort?: number;
  /**
   * Where the admin port listens (`ADMIN_HOST`): loopback unless set, in production too, since
   * `/metrics` has no authentication. A scraper on another host (Kubernetes scrapes the pod's
   * address) needs `0.0.0.0` and a network policy that lets only the scraper in (deploy/kubernetes).
   * @default 127.0.0.1
   */
  adminHost?: string;
  /**
   * After SIGTERM, how long `/ready` answers 503 while the listener still serves
   * (`SHUTDOWN_DELAY_MS`): a balancer or Kubernetes takes the replica out of rotation in that
   * time, since it removes endpoints at the same moment as it sends SIGTERM, not before.
   * @default 5000 under NODE_ENV=production, else 0
   */
  shutdownDelayMs?: number;
  /**
   * How long an idle keep-alive socket stays open (`KEEP_ALIVE_TIMEOUT_MS`). Behind a balancer
   * (`TRUSTED_PROXY_HOPS` ≥ 1) it must be longer than the balancer's idle timeout, or the BFF
   * closes a socket the balancer is about to reuse (a 502); the headers timeout
   * (`HEADERS_TIMEOUT_MS`) longer still.
   * @default behind a balancer 65000, and the headers timeout 5000 more; reached directly 5000 and 10000 (server/socket-limits.ts)
   */
  keepAliveTimeoutMs?: number;
  headersTimeoutMs?: number;
  /**
   * Sockets open at once on the listener (`MAX_CONNECTIONS`); at the cap the oldest idle one is
   * closed for a new one. Default: the open-files limit less the downstream pools and a reserve
   * (server/socket-limits.ts).
   */
  maxConnections?: number;
  /** Sockets per client address (`MAX_CONNECTIONS_PER_ADDRESS`). Default: 64 when no balancer is declared, none behind one. */
  maxConnectionsPerAddress?: number;
  /** `METRICS=off` records none, to measure what they cost (the bench); never in production. */
  metrics?: boolean;
  /** The services' event streams in Redis: their key prefix (`EVENTS_PREFIX`, the services' own) and how long they keep events (`EVENTS_RETENTION_MS`). */
  eventsPrefix?: string;
  eventsRetentionMs?: number;
  /** Live connections (WebSockets and SSE subscriptions) per viewer and per address, subscriptions per WebSocket (`LIVE_CONNECTIONS_PER_VIEWER`, `LIVE_CONNECTIONS_PER_ADDRESS`, `LIVE_SUBSCRIPTIONS_PER_SOCKET`). */
  liveConnectionsPerViewer?: number;
  liveConnectionsPerAddress?: number;
  liveSubscriptionsPerSocket?: number;
  /** How often a WebSocket's session is checked (`LIVE_SESSION_CHECK_MS`), and pinged (`LIVE_KEEP_ALIVE_MS`). */
  liveSessionCheckMs?: number;
  liveKeepAliveMs?: number;
  /** On shutdown, the WebSockets are closed with 1012 spread over this long (`LIVE_RESTART_SPREAD_MS`, default 2000): their apps do not all reconnect at one instant. */
  liveRestartSpreadMs?: number;
  /** `FLAGS=off` evaluates no flag (every app gets each flag's default, and no experiment is exposed): to measure what flags cost. */
  flags?: boolean;
  /** `FLAGS_FILE`: the flagd-format flag definitions, reloaded when the file changes. Default: the repository's flags/flags.json. */
  flagsFile?: string;
}

export const urlVariableOf = (name: DownstreamName) => `${name.toUpperCase().replace(/-/g, '_')}_URL`;

/** Reads `PORT`, `<SERVICE>_URL` and friends; anything unset takes the embedded default. */
export function configFromEnv(env: NodeJS.ProcessEnv, defaultPort: number): BffConfig {
  const urls = Object.fromEntries(
    (Object.keys(DOWNSTREAM_DEFAULTS) as DownstreamName[]).map((name) => [name, parseUrl(env, urlVariableOf(name), DOWNSTREAM_DEFAULTS[name])]),
  ) as DownstreamUrls;
  const production = env.NODE_ENV === 'production';
  return {
    port: parseInteger(env, 'PORT', defaultPort),
    host: env.HOST || (production ? '0.0.0.0' : '127.0.0.1'),
    production,
    urls,
    deadlineMs: parseOptionalInteger(env, 'DEADLINE_MS'),
    connections: parseOptionalInteger(env, 'DOWNSTREAM_CONNECTIONS'),
    logLevel: env.LOG_LEVEL ?? 'info',
    logFormat: parseLogFormat(env),
    fastLane: parseSwitch(env, 'FAST_LANE', true),
    trustedDocuments: parseMode(env),
    redisUrl: env.REDIS_URL || undefined,
    titleCacheMb: parseOptionalInteger(env, 'TITLE_CACHE_MB'),
    webOrigins: (env.WEB_ORIGINS ?? '').split(',').map((origin) => origin.trim()).filter(Boolean).map((origin) => parseOrigin('WEB_ORIGINS', origin)),
    rateLimits: parseSwitch(env, 'RATE_LIMITS', production || BUDGET_VARIABLES.some((key) => !!env[key])),
    operationLimits: parseSwitch(env, 'OPERATION_LIMITS', true),
    viewerBudget: parseBudget(env, 'RATE_LIMIT_VIEWER'),
    trustedProxyHops: parseInteger(env, 'TRUSTED_PROXY_HOPS', 0),
    ipBudget: parseBudget(env, 'RATE_LIMIT_IP'),
    viewerInFlight: parseCap(env, 'IN_FLIGHT_VIEWER'),
    ipInFlight: parseCap(env, 'IN_FLIGHT_IP'),
    signInBudget: parseBudget(env, 'RATE_LIMIT_SIGN_IN'),
    webClientSecret: env.WEB_CLIENT_SECRET || undefined,
    tvClientSecret: env.TV_CLIENT_SECRET || undefined,
    mobileClientSecret: env.MOBILE_CLIENT_SECRET || undefined,
    sessionEncryptionKey: env.SESSION_ENCRYPTION_KEY || undefined,
    publicUrl: env.WEB_PUBLIC_URL ? parseOrigin('WEB_PUBLIC_URL', env.WEB_PUBLIC_URL) : undefined,
    sessionIdleMinutes: parseOptionalInteger(env, 'SESSION_IDLE_MINUTES'),
    sessionLifetimeHours: parseOptionalInteger(env, 'SESSION_LIFETIME_HOURS'),
    responseCache: parseSwitch(env, 'RESPONSE_CACHE', true),
    deployId: env.DEPLOY_ID || undefined,
    adminPort: parseAdminPort(env, parseInteger(env, 'PORT', defaultPort)),
    adminHost: env.ADMIN_HOST || undefined,
    shutdownDelayMs: parseInteger(env, 'SHUTDOWN_DELAY_MS', production ? 5_000 : 0),
    keepAliveTimeoutMs: parseOptionalInteger(env, 'KEEP_ALIVE_TIMEOUT_MS'),
    headersTimeoutMs: parseOptionalInteger(env, 'HEADERS_TIMEOUT_MS'),
    maxConnections: parseOptionalInteger(env, 'MAX_CONNECTIONS'),
    maxConnectionsPerAddress: parseOptionalInteger(env, 'MAX_CONNECTIONS_PER_ADDRESS'),
    metrics: parseSwitch(env, 'METRICS', true),
    eventsPrefix: env.EVENTS_PREFIX || undefined,
    eventsRetentionMs: parseOptionalInteger(env, 'EVENTS_RETENTION_MS'),
    liveConnectionsPerViewer: parseOptionalInteger(env, 'LIVE_CONNECTIONS_PER_VIEWER'),
    liveConnectionsPerAddress: parseOptionalInteger(env, 'LIVE_CONNECTIONS_PER_ADDRESS'),
    liveSubscriptionsPerSocket: parseOptionalInteger(env, 'LIVE_SUBSCRIPTIONS_PER_SOCKET'),
    liveSessionCheckMs: parseOptionalInteger(env, 'LIVE_SESSION_CHECK_MS'),
    liveKeepAliveMs: parseOptionalInteger(env, 'LIVE_KEEP_ALIVE_MS'),
    liveRestartSpreadMs: parseOptionalInteger(env, 'LIVE_RESTART_SPREAD_MS'),
    flags: parseSwitch(env, 'FLAGS', true),
    flagsFile: env.FLAGS_FILE || undefined,
  };
}

/** A budget set by hand turns the budgets on in development too (config's `rateLimits`). */
const BUDGET_VARIABLES = ['RATE_LIMIT_VIEWER', 'RATE_LIMIT_IP', 'RATE_LIMIT_SIGN_IN'] as const;

/** Behind a balancer: longer than the idle timeout of common balancers (AWS ALB 60 s, HAProxy's default `timeout http-keep-alive`); reached directly, server/socket-limits.ts's. */
export const DEFAULT_KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** The admin port sits beside the BFF's: 4000 → 4090. */
export const ADMIN_PORT_OFFSET = 90;

function parseAdminPort(env: NodeJS.ProcessEnv, port: number): number | undefined {
  if (env.ADMIN_PORT?.toLowerCase() === 'off') return undefined;
  if (env.ADMIN_PORT === undefined || env.ADMIN_PORT === '') return port === 0 ? 0 : port + ADMIN_PORT_OFFSET;
  return parseInteger(env, 'ADMIN_PORT', 0);
}

/** TRUSTED_DOCUMENTS, when set; its default (only in production) is resolved with the rest (server/settings.ts). */
function parseMode(env: NodeJS.ProcessEnv): TrustedDocumentsMode | undefined {
  const raw = env.TRUSTED_DOCUMENTS;
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'only' || raw === 'arbitrary') return raw;
  throw new Error(`TRUSTED_DOCUMENTS must be only or arbitrary, got "${raw}"`);
}

function parseBudget(env: NodeJS.ProcessEnv, key: string): Budget | undefined {
  const raw = env[key];
  if (raw === undefined || raw === '') return undefined;
  const match = /^(\d+)\/(\d+)$/.exec(raw);
  if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) throw new Error(`${key} must be <points>/<seconds>, got "${raw}"`);
  return { points: Number(match[1]), windowSeconds: Number(match[2]) };
}

function parseCap(env: NodeJS.ProcessEnv, key: string): number | undefined {
  const cap = parseOptionalInteger(env, key);
  if (cap === 0) throw new Error(`${key} must be a positive integer, got "${env[key]}"`);
  return cap;
}

function parseOrigin(key: string, raw: string): string {
  try {
    const { origin } = new URL(raw);
    if (origin !== raw.replace(/\/$/, '')) throw new Error();
    return origin;
  } catch {
    throw new Error(`${key} must list origins like https://app.example.com, got "${raw}"`);
  }
}

function parseOptionalInteger(env: NodeJS.ProcessEnv, key: string): number | undefined {
  return env[key] === undefined || env[key] === '' ? undefined : parseInteger(env, key, 0);
}

function parseLogFormat(env: NodeJS.ProcessEnv): 'json' | 'pretty' | undefined {
  const raw = env.LOG_FORMAT?.toLowerCase();
  if (raw === undefined || raw === '') return undefined;
  if (raw === 'json' || raw === 'pretty') return raw;
  throw new Error(`LOG_FORMAT must be json or pretty, got "${env.LOG_FORMAT}"`);
}

function parseSwitch(env: NodeJS.ProcessEnv, key: string, fallback: boolean): boolean {
  const raw = env[key]?.toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'on' || raw === 'true' || raw === '1') return true;
  if (raw === 'off' || raw === 'false' || raw === '0') return false;
  throw new Error(`${key} must be on or off, got "${env[key]}"`);
}

function parseInteger(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${key} must be a non-negative integer, got "${raw}"`);
  return value;
}

function parseUrl(env: NodeJS.ProcessEnv, key: string, fallback: string): string {
  const raw = env[key] ?? fallback;
  try {
    return new URL(raw).origin;
  } catch {
    throw new Error(`${key} must be an absolute URL, got "${raw}"`);
  }
}
