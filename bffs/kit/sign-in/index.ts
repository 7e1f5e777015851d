import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { BffConfig } from '../config.ts';
import type { CorsPolicy } from '../perimeter/cors.ts';
import type { Stage } from '../perimeter/pipeline.ts';
import { csrfStage } from '../perimeter/stages/csrf.ts';
import { sessionAuthenticationStage } from '../perimeter/stages/session.ts';
import type { VerifyViewer } from '../perimeter/viewer.ts';
import type { RedisClient } from '../stores/redis.ts';
import { createSessionStore, type SessionStore } from '../stores/sessions/session-store.ts';
import { tokenCipherFromEnv } from '../stores/sessions/token-cipher.ts';
import { createOidcClient } from './oidc.ts';
import { createSessionRefresher } from './refresh.ts';
import { useSignInRoutes } from './routes.ts';

/** The development secret registered for `web` at identity (downstream-mocks/README.md); production sets WEB_CLIENT_SECRET. */
export const DEV_WEB_CLIENT_SECRET = 'concierge-web-dev-secret';
const DEFAULT_IDLE_MINUTES = 30;
/** Well inside the provider's 14-day refresh token, which also caps it (the store takes the smaller). */
const DEFAULT_LIFETIME_HOURS = 12;

export interface CookieSignIn {
  sessions: SessionStore;
  /** For the perimeter (perimeter/index.ts): CSRF first, then the session's viewer. */
  stages: { csrf: Stage; authenticate: Stage };
  /** /auth/* (routes.ts). */
  routes: Plugin;
}

/**
 * Sign-in for a browser client (web), assembled: openid-client against identity as the
 * confidential client `client`, sessions in memory or in Redis (`REDIS_URL`) with their tokens
 * sealed, the CSRF and session stages for the perimeter, and the /auth routes.
 */
export function createCookieSignIn({ client, config, redis, cors, verifyViewer, logger, now }: { client: string; config: BffConfig; redis?: RedisClient; cors: CorsPolicy; verifyViewer: VerifyViewer; logger: Logger; now?: () => number }): CookieSignIn {
  const production = config.production;
  if (production && !config.webClientSecret) throw new Error('WEB_CLIENT_SECRET must be set in production: the development secret is public');
  const cipher = tokenCipherFromEnv({ NODE_ENV: production ? 'production' : 'development', SESSION_ENCRYPTION_KEY: config.sessionEncryptionKey });
  const sessions = createSessionStore({
    redis,
    cipher,
    idleTimeoutMs: (config.sessionIdleMinutes ?? DEFAULT_IDLE_MINUTES) * 60_000,
    absoluteLifetimeMs: (config.sessionLifetimeHours ?? DEFAULT_LIFETIME_HOURS) * 3_600_000,
    now,
  });
  const oidc = createOidcClient({
    issuer: config.urls.identity,
    clientId: client,
    clientSecret: config.webClientSecret ?? DEV_WEB_CLIENT_SECRET,
    resource: `urn:concierge:bff:${client}`,
    scope: 'openid profile offline_access concierge:user',
    allowHttp: !production || new URL(config.urls.identity).protocol === 'http:' && /^(127\.|localhost)/.test(new URL(config.urls.identity).hostname),
  });
  const refresher = createSessionRefresher({ sessions, oidc, now });
  return {
    sessions,
    stages: { csrf: csrfStage(cors), authenticate: sessionAuthenticationStage({ sessions, refresher, verifyViewer, bearer: !production }) },
    routes: useSignInRoutes({ client, oidc, sessions, cipher, cors, publicUrl: config.publicUrl, logger, now }),
  };
}
