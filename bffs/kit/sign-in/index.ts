import type { Plugin } from 'graphql-yoga';
import { createAddressGate, useRouteGate } from '../perimeter/route-gate.ts';
import type { Wing, WingNeeds } from '../perimeter/wing.ts';
import { createSessionStore, type SessionStore } from '../stores/sessions/session-store.ts';
import { tokenCipherFromEnv, type TokenCipher } from '../stores/sessions/token-cipher.ts';
import { DEVICE_ROUTES, useDeviceSignInRoutes } from './device-routes.ts';
import { createOidcClient, type OidcClient } from './oidc.ts';
import { createSessionRefresher } from './refresh.ts';
import { revokeEnded } from './revoke-ended.ts';
import { observedSessions, type SessionEvent } from '../observability/observed-sessions.ts';
import { SIGN_IN_ROUTES, useSignInRoutes } from './routes.ts';
import { csrfStage } from './stages/csrf.ts';
import { deviceSessionStage } from './stages/device-session.ts';
import { sessionAuthenticationStage } from './stages/session.ts';

/** The development secrets registered at identity (downstream-mocks/README.md); production sets WEB_CLIENT_SECRET, TV_CLIENT_SECRET. */
export const DEV_WEB_CLIENT_SECRET = 'concierge-web-dev-secret';
export const DEV_TV_CLIENT_SECRET = 'concierge-tv-dev-secret';
const DEFAULT_IDLE_MINUTES = 30;
/** Well inside the provider's 14-day refresh token, which also caps it (the store takes the smaller). */
const DEFAULT_LIFETIME_HOURS = 12;
/**
 * A TV is a shared screen in a home, left unused for weeks and never typed into, so its session
 * lasts far longer than a browser's. The provider's grant (14 days) usually ends it first: a
 * refused refresh ends the session, and the TV shows its sign-in code again.
 */
const DEVICE_IDLE_MS = 30 * 86_400_000;
const DEVICE_LIFETIME_MS = 90 * 86_400_000;

/**
 * Sign-in as a wing (perimeter/wing.ts): its perimeter stages, its /auth routes behind their
 * gate, and its shutdown; and the sessions it keeps, which the account page's device directory
 * and development GraphiQL read.
 */
export interface SignIn extends Wing {
  sessions: SessionStore;
}

/** What sign-in needs of the assembly (a cookie client's CSRF check reads `cors`), and its own extras. */
export type SignInNeeds = Pick<WingNeeds, 'client' | 'config' | 'policy' | 'cors' | 'verifyViewer' | 'redis' | 'logger'> & {
  now?: () => number;
  /** Counts session events (observability/observed-sessions.ts). */
  noteSession?: (event: SessionEvent, count?: number) => void;
};

/**
 * A client's sign-in, by how it signs in (`CreateBffOptions.signIn`): `cookie` for browsers
 * (web), `device` for devices (TV).
 */
export function createSignIn(kind: 'cookie' | 'device', needs: SignInNeeds): SignIn {
  return kind === 'cookie' ? createCookieSignIn(needs) : createDeviceSignIn(needs);
}

/**
 * Sign-in for a browser client (web), assembled: openid-client against identity as the
 * confidential client `client`, sessions in memory or in Redis (`REDIS_URL`) with their tokens
 * sealed, the CSRF and session stages for the perimeter, and the /auth routes.
 */
function createCookieSignIn(needs: SignInNeeds): SignIn {
  const { client, config, redis, cors, verifyViewer, logger, now, noteSession } = needs;
  const { cipher, sessions, oidc } = parts({ client, config, redis, now, noteSession, secret: config.webClientSecret, devSecret: DEV_WEB_CLIENT_SECRET, secretName: 'WEB_CLIENT_SECRET', idleTimeoutMs: (config.sessionIdleMinutes ?? DEFAULT_IDLE_MINUTES) * 60_000, absoluteLifetimeMs: (config.sessionLifetimeHours ?? DEFAULT_LIFETIME_HOURS) * 3_600_000 });
  if (!redis) logger.warn('sessions are kept in this process (no REDIS_URL): the account page lists no TVs, whose sessions the TV BFF keeps in its own process; give web and TV the same REDIS_URL');
  const refresher = createSessionRefresher({ sessions, oidc, now });
  // Sessions that end by their idle timeout or lifetime: their refresh tokens are revoked from here.
  const revoker = revokeEnded({ client, sessions, oidc, logger });
  return {
    name: 'sign-in',
    sessions,
    firstStages: [csrfStage(cors)],
    authenticate: sessionAuthenticationStage({ client, sessions, refresher, verifyViewer, bearer: !config.production }),
    paths: SIGN_IN_ROUTES,
    routes: gated(needs, SIGN_IN_ROUTES, useSignInRoutes({ client, oidc, sessions, cipher, cors, publicUrl: config.publicUrl, logger, now })),
    close: () => revoker.stop(),
  };
}

/**
 * Sign-in for a device client (TV), assembled: the device authorization grant as the
 * confidential client `client`, device sessions (the TV holds only their opaque id) in the same
 * store web uses when both have `REDIS_URL`, the device-session stage, and the /auth/device routes.
 */
function createDeviceSignIn(needs: SignInNeeds): SignIn {
  const { client, config, redis, verifyViewer, logger, now, noteSession } = needs;
  const { cipher, sessions, oidc } = parts({ client, config, redis, now, noteSession, secret: config.tvClientSecret, devSecret: DEV_TV_CLIENT_SECRET, secretName: 'TV_CLIENT_SECRET', idleTimeoutMs: DEVICE_IDLE_MS, absoluteLifetimeMs: DEVICE_LIFETIME_MS });
  const refresher = createSessionRefresher({ sessions, oidc, now });
  // Web's account page ends TV sessions it cannot open, and sessions end by their idle timeout or
  // lifetime: their refresh tokens are revoked from here.
  const revoker = revokeEnded({ client, sessions, oidc, logger });
  return {
    name: 'device sign-in',
    sessions,
    firstStages: [],
    authenticate: deviceSessionStage({ client, sessions, refresher, verifyViewer, bearer: !config.production }),
    paths: DEVICE_ROUTES,
    routes: gated(needs, DEVICE_ROUTES, useDeviceSignInRoutes({ client, oidc, sessions, cipher, logger, now })),
    close: () => revoker.stop(),
  };
}

/**
 * The routes behind their gate: each one may call the provider, so the client address spends one
 * point of its sign-in budget a request (perimeter/route-gate.ts). None when budgets are off
 * (development) or the client has no sign-in budget.
 */
function gated({ client, policy, redis }: SignInNeeds, paths: readonly string[], routes: Plugin): Plugin[] {
  const budget = policy.rateLimits?.signIn;
  if (!budget) return [routes];
  const gate = createAddressGate({ client, name: 'sign-in', budget, trustedProxyHops: policy.trustedProxyHops, redis });
  return [useRouteGate(gate, paths), routes];
}

/** What both sign-ins are made of: the sealing key, the session store and the provider's client. */
function parts({ client, config, redis, now, noteSession, secret, devSecret, secretName, idleTimeoutMs, absoluteLifetimeMs }: Pick<SignInNeeds, 'client' | 'config' | 'redis' | 'now' | 'noteSession'> & { secret?: string; devSecret: string; secretName: string; idleTimeoutMs: number; absoluteLifetimeMs: number }): { cipher: TokenCipher; sessions: SessionStore; oidc: OidcClient } {
  const production = config.production;
  if (production && !secret) throw new Error(`${secretName} must be set in production: the development secret is public`);
  const cipher = tokenCipherFromEnv({ NODE_ENV: production ? 'production' : 'development', SESSION_ENCRYPTION_KEY: config.sessionEncryptionKey });
  const stored = createSessionStore({ redis, cipher, idleTimeoutMs, absoluteLifetimeMs, now });
  const sessions = noteSession ? observedSessions(stored, noteSession) : stored;
  const identity = new URL(config.urls.identity);
  const oidc = createOidcClient({
    issuer: config.urls.identity,
    clientId: client,
    clientSecret: secret ?? devSecret,
    resource: `urn:concierge:bff:${client}`,
    scope: 'openid profile offline_access concierge:user',
    allowHttp: !production || (identity.protocol === 'http:' && /^(127\.|localhost)/.test(identity.hostname)),
  });
  return { cipher, sessions, oidc };
}
