import type { GraphQLError } from 'graphql';
import { concierge } from '../../errors.ts';
import type { SessionRefresher } from '../refresh.ts';
import { isSessionId, type SessionStore } from '../../stores/sessions/session-store.ts';
import type { Stage } from '../../perimeter/pipeline.ts';
import type { VerifyViewer } from '../../perimeter/viewer.ts';

export interface DeviceSessionOptions {
  /** `tv`: only sessions this BFF made are taken (a web session id sent as a bearer token is not). */
  client: string;
  sessions: SessionStore;
  refresher: SessionRefresher;
  verifyViewer: VerifyViewer;
  /** Whether a JWT bearer token is still taken: in development (tests, GraphiQL), never under NODE_ENV=production. */
  bearer: boolean;
}

/** The credential of `Authorization: Bearer <credential>`, or undefined. */
export function bearerCredential(authorization: string | null): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '')?.[1];
}

/**
 * The viewer of a device client (TV): `Authorization: Bearer <session_token>` names a device
 * session (device-routes.ts), whose user is the viewer and whose access token, refreshed
 * first when about to expire (../refresh.ts), is what downstream sees. A session token is an opaque
 * 43-character id, never a JWT, so the two kinds of bearer are told apart by shape alone. One
 * that names no live device session of this BFF, or whose refresh the provider refused, is 401
 * SESSION_EXPIRED. A JWT is verified as before where allowed, else 401 SESSION_REQUIRED.
 */
export function deviceSessionStage({ client, sessions, refresher, verifyViewer, bearer }: DeviceSessionOptions): Stage {
  return async (passage) => {
    const authorization = passage.request.headers.get('authorization');
    const credential = bearerCredential(authorization);
    if (credential === undefined || !isSessionId(credential)) {
      if (!bearer) throw concierge('SESSION_REQUIRED', 'Sign the TV in with POST /auth/device and send Authorization: Bearer <session_token>: this BFF takes no other token.', {}, { headers: { 'www-authenticate': CHALLENGE } });
      passage.viewer = await verifyViewer(authorization);
      return;
    }
    const found = await sessions.get(credential);
    // The kind is checked before any refresh: another client's session is never refreshed here.
    if (!found || found.kind !== 'device' || found.client !== client) throw expired();
    const session = await refresher.current(found);
    if (!session) throw expired();
    passage.viewer = { id: session.sub, token: session.tokens.access };
  };
}

const CHALLENGE = 'Bearer realm="concierge"';

function expired(): GraphQLError {
  return concierge('SESSION_EXPIRED', 'The TV is signed out: sign in again with POST /auth/device.', {}, { headers: { 'www-authenticate': `${CHALLENGE}, error="invalid_token", error_description="The session has ended."` } });
}
