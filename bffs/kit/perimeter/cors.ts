import type { CORSOptions } from 'graphql-yoga';
import type { RequestHeaders } from '../core/headers.ts';

export interface CorsPolicyOptions {
  /** Browser origins the client serves (web: `WEB_ORIGINS`; mobile and TV: none). */
  origins: readonly string[];
  /** Development: the BFF's own GraphiQL page (same origin as the request's Host) is served too. */
  production: boolean;
  /** Whether allowed origins may send credentials (cookies). */
  credentials: boolean;
}

const LOOPBACK_HOST = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

/** Every answer to a request with an Origin depends on it (`options`), so a shared cache must key on it. */
export const VARY_ORIGIN = 'Origin';

/** How long a browser may keep a preflight's answer. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * Which browser origins a client answers, for both transports: the origin stage refuses the
 * others (403) and `options` gives yoga's own CORS function (`getCORSHeadersByRequestAndOptions`,
 * which both the fast lane and yoga's CORS plugin call) options that name only an allowed origin.
 * For any other origin it gives `false`: no CORS headers at all, so a stranger's preflight gets
 * nothing a browser would honour, and credentials are never offered to it.
 */
export function createCorsPolicy({ origins, production, credentials }: CorsPolicyOptions) {
  const allowed = new Set(origins);
  // The BFF's own page, in development only and only on a loopback host: a DNS-rebound name
  // (evil.example resolving to 127.0.0.1) must not pass for the BFF's own origin.
  const allows = (origin: string, host: string | null): boolean =>
    allowed.has(origin) || (!production && host !== null && LOOPBACK_HOST.test(host) && (origin === `http://${host}` || origin === `https://${host}`));
  return {
    allows,
    options(headers: RequestHeaders): CORSOptions | false {
      const origin = headers.get('origin');
      if (origin === null || !allows(origin, headers.get('host'))) return false;
      return {
        origin: [origin],
        credentials,
        methods: ['GET', 'POST'],
        allowedHeaders: ['authorization', 'content-type', 'accept', 'x-csrf', 'x-request-id', 'x-client-version', 'x-device-drm', 'x-device-capabilities'],
        exposedHeaders: ['x-request-id', 'retry-after', 'ratelimit', 'ratelimit-policy'],
        maxAge: PREFLIGHT_MAX_AGE_SECONDS,
      };
    },
  };
}

export type CorsPolicy = ReturnType<typeof createCorsPolicy>;
