import * as oauth from 'openid-client';
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import { concierge } from '../errors.ts';
import { bearerCredential } from './stages/device-session.ts';
import { isSessionId, type Session, type SessionStore } from '../stores/sessions/session-store.ts';
import type { TokenCipher } from '../stores/sessions/token-cipher.ts';
import { failure, failureOf, json, readJsonObject } from './answers.ts';
import { deviceLabel } from './device-label.ts';
import { openDevicePoll, sealDevicePoll, type DevicePoll } from './device-poll.ts';
import type { OidcClient } from './oidc.ts';

export interface DeviceRoutesOptions {
  /** `tv` */
  client: string;
  oidc: OidcClient;
  sessions: SessionStore;
  cipher: TokenCipher;
  logger: Logger;
  now?: () => number;
}

export const DEVICE_ROUTES = ['/auth/device', '/auth/device/token', '/auth/device/logout'] as const;
/** A label and a poll id fit many times over. */
const MAX_BODY_BYTES = 4096;
/** RFC 8628 §3.2's default, when the provider names no interval. */
const DEFAULT_INTERVAL_SECONDS = 5;

/**
 * The TV BFF's sign-in endpoints (OAuth 2.0 Device Authorization Grant, RFC 8628), beside
 * /graphql. The BFF is the confidential client `tv`; the TV gets an opaque session token and
 * never a provider token: its access token is refreshed on the server, its refresh token never
 * leaves the session store.
 *
 *   POST /auth/device          { label? }  → { user_code, verification_uri, verification_uri_complete, expires_in, interval, poll_id }
 *   POST /auth/device/token    { poll_id } → one poll at the provider: { session_token, token_type, expires_at }, or 400 with
 *                                            RFC 8628's `error` (authorization_pending, slow_down, expired_token, access_denied, invalid_grant)
 *   POST /auth/device/logout   Authorization: Bearer <session_token> → refresh token revoked, session ended: { signedOut }
 *
 * Not GraphQL requests, so yoga's alone; what a GraphQL request holds (the device session's
 * viewer) is its stage's, which the perimeter runs on both paths (stages/device-session.ts).
 */
export function useDeviceSignInRoutes(options: DeviceRoutesOptions): Plugin {
  const { client, oidc, sessions, cipher, logger, now = Date.now } = options;
  const routes = new Set<string>(DEVICE_ROUTES);

  async function start(request: Request, Response: typeof globalThis.Response) {
    const label = deviceLabel((await readJsonObject(request, MAX_BODY_BYTES)).label);
    const device = await oidc.deviceAuthorization().catch((error: unknown) => {
      logger.warn({ err: error }, 'device sign-in: the provider refused or did not answer the device authorization');
      throw unavailable();
    });
    const interval = device.interval ?? DEFAULT_INTERVAL_SECONDS;
    const poll: DevicePoll = { deviceCode: device.device_code, ...(label === undefined ? {} : { label }), interval, expiresAt: now() + device.expires_in * 1000 };
    return json(Response, 200, {
      user_code: device.user_code,
      verification_uri: device.verification_uri,
      verification_uri_complete: device.verification_uri_complete,
      expires_in: device.expires_in,
      interval,
      poll_id: sealDevicePoll(cipher, poll),
    });
  }

  async function token(request: Request, Response: typeof globalThis.Response) {
    const poll = openDevicePoll(cipher, (await readJsonObject(request, MAX_BODY_BYTES)).poll_id, now());
    if (poll === undefined) throw refused('DEVICE_CODE_EXPIRED', 'invalid_grant', 'This poll_id is not one this BFF issued: start again with POST /auth/device.');
    if (poll === 'expired') throw refused('DEVICE_CODE_EXPIRED', 'expired_token', 'The code has expired: start again with POST /auth/device.');
    let signedIn: Awaited<ReturnType<OidcClient['pollDeviceCode']>>;
    try {
      signedIn = await oidc.pollDeviceCode(poll.deviceCode);
    } catch (error) {
      throw pollRefusal(error, poll);
    }
    const session = await sessions.create({
      kind: 'device',
      client,
      sub: signedIn.claims.sub,
      name: signedIn.claims.name ?? signedIn.claims.sub,
      ...(poll.label === undefined ? {} : { label: poll.label }),
      tokens: { access: signedIn.access, refresh: signedIn.refresh, idToken: signedIn.idToken },
      accessExpiresAt: signedIn.accessExpiresAt,
    });
    logger.info({ sub: session.sub, client }, 'device sign-in: a device session was made');
    // The session's id is the TV's one credential; no provider token is in the answer.
    return json(Response, 200, { session_token: session.id, token_type: 'Bearer', expires_at: new Date(session.expiresAt).toISOString() });
  }

  async function logout(request: Request, Response: typeof globalThis.Response) {
    const credential = bearerCredential(request.headers.get('authorization'));
    const found = credential !== undefined && isSessionId(credential) ? ownSession(await sessions.get(credential)) : undefined;
    if (!found) return json(Response, 200, { signedOut: false });
    if (found.tokens.refresh) {
      // Revoked first, so a copy of the record that survived somewhere is useless.
      await oidc.revoke(found.tokens.refresh).catch((error: unknown) => logger.warn({ err: error }, 'device sign-out: the refresh token could not be revoked'));
    }
    return json(Response, 200, { signedOut: await sessions.delete(found.id) });
  }

  /** Only this BFF's device sessions: a web session id sent here ends nothing. */
  const ownSession = (session: Session | undefined) => (session?.kind === 'device' && session.client === client ? session : undefined);

  function pollRefusal(error: unknown, poll: DevicePoll): GraphQLError {
    if (!(error instanceof oauth.ResponseBodyError)) {
      logger.warn({ err: error }, 'device sign-in: the poll did not reach the provider');
      return unavailable();
    }
    switch (error.error) {
      case 'authorization_pending':
        return refused('DEVICE_AUTHORIZATION_PENDING', 'authorization_pending', 'The user has not approved the code yet: poll again after `interval` seconds.');
      case 'slow_down': {
        // The provider's new interval if it says one, else RFC 8628 §3.5's: 5 seconds more, from now on.
        const interval = typeof error.cause.interval === 'number' ? error.cause.interval : poll.interval + 5;
        return refused('DEVICE_SLOW_DOWN', 'slow_down', `Polled too fast: wait ${interval} seconds between polls from now on.`, { interval });
      }
      case 'access_denied':
        return refused('DEVICE_ACCESS_DENIED', 'access_denied', 'The user declined this device.');
      case 'expired_token':
        return refused('DEVICE_CODE_EXPIRED', 'expired_token', 'The code has expired: start again with POST /auth/device.');
      case 'invalid_grant':
        return refused('DEVICE_CODE_EXPIRED', 'invalid_grant', 'The code was already used or is unknown to the provider: start again with POST /auth/device.');
      default:
        // invalid_client and the like: this BFF's configuration, nothing the TV can fix.
        logger.error({ err: error }, 'device sign-in: the provider refused the poll');
        return unavailable();
    }
  }

  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (!routes.has(url.pathname)) return;
      if (request.method !== 'POST') return endResponse(failure(fetchAPI.Response, 'METHOD_NOT_ALLOWED', `${url.pathname} takes POST.`, { allow: 'POST' }));
      const answer = url.pathname === '/auth/device' ? start(request, fetchAPI.Response) : url.pathname === '/auth/device/token' ? token(request, fetchAPI.Response) : logout(request, fetchAPI.Response);
      return answer.then(endResponse, (error: unknown) => endResponse(failureOf(fetchAPI.Response, error)));
    },
  };
}

/** A catalog error that also speaks RFC 8628: `error` (and `interval`) beside `errors` in the body. */
function refused(code: 'DEVICE_AUTHORIZATION_PENDING' | 'DEVICE_SLOW_DOWN' | 'DEVICE_CODE_EXPIRED' | 'DEVICE_ACCESS_DENIED', error: string, message: string, extra: Record<string, unknown> = {}): GraphQLError {
  return concierge(code, message, { error, error_description: message, ...extra });
}

function unavailable(): GraphQLError {
  return concierge('IDENTITY_UNAVAILABLE', 'Device sign-in is unavailable: identity does not answer; retry later.', {}, { headers: { 'retry-after': '2' } });
}
