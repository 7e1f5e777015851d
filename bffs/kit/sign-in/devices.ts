import { createHash } from 'node:crypto';
import type { SessionStore, SessionSummary } from '../stores/sessions/session-store.ts';
import type { SignedInDevice, ViewerDevices } from '../core/viewer.ts';

export type { SignedInDevice, ViewerDevices };

/** What an unnamed device is called. */
const UNNAMED = 'TV';

/**
 * The stable, public name of a device session: a hash of its id, so the account page can name a
 * TV to sign out without ever holding the TV's bearer credential (the hash cannot be turned back
 * into the id). `dev_` and 22 characters (128 bits): never mistaken for a session id.
 */
export const deviceHandle = (sessionId: string) => `dev_${createHash('sha256').update(`concierge-device-handle:${sessionId}`).digest('base64url').slice(0, 22)}`;

/**
 * The device sessions of `client` (TV) as another BFF (web) sees them: listed and ended through
 * the store's summaries, which do not open the tokens, so web never holds a TV's tokens, nor
 * needs the TV BFF's sealing key. Ending one from here deletes it and, in the same step, queues
 * its sealed tokens for the TV BFF, which alone can open them and holds the TV client's
 * credentials the provider asks for, to revoke its refresh token there (revoke-ended.ts).
 * Only in a store both BFFs reach: Redis (README, Sign-in).
 */
export function createDeviceDirectory(sessions: SessionStore, client: string) {
  const own = (sub: string) => sessions.summaries({ sub, kind: 'device', client });
  const shown = (session: SessionSummary): SignedInDevice => ({
    id: deviceHandle(session.id),
    label: session.label ?? UNNAMED,
    signedInAt: new Date(session.createdAt).toISOString(),
    lastSeenAt: new Date(session.lastSeenAt).toISOString(),
  });
  return (viewerId: string): ViewerDevices => ({
    list: async () => (await own(viewerId)).map(shown),
    async signOut(id) {
      // Looked up among the viewer's own sessions only: another user's handle matches nothing.
      const match = (await own(viewerId)).find((session) => deviceHandle(session.id) === id);
      return match ? sessions.endElsewhere(match.id) : false;
    },
  });
}

export type DeviceDirectory = ReturnType<typeof createDeviceDirectory>;
