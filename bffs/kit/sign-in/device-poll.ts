import type { TokenCipher } from '../stores/sessions/token-cipher.ts';

/**
 * A device sign-in in progress, handed to the TV as its `poll_id`: sealed (AES-256-GCM, like the
 * web's login state), so the provider's device code never leaves the BFF readable, and neither
 * the code nor the label can be forged or swapped. Sealing keeps nothing on the server: any
 * replica opens it without a shared store, and an abandoned sign-in (most are) leaves nothing
 * behind. What it cannot do is be revoked; it does not need to be: it dies with its device code
 * (10 minutes), and the provider exchanges that code for tokens once, so a copied poll_id can
 * never make a second session.
 */
export interface DevicePoll {
  deviceCode: string;
  label?: string;
  /** The provider's polling interval, seconds: what a slow_down adds 5 to. */
  interval: number;
  /** ms since the epoch: the device code's end, as the provider said. */
  expiresAt: number;
}

/** The associated data of every sealed poll: a sealed login state or session token does not open as one. */
const PURPOSE = 'concierge-device-poll';

export function sealDevicePoll(cipher: TokenCipher, poll: DevicePoll): string {
  return cipher.seal(JSON.stringify(poll), PURPOSE);
}

/** The poll, 'expired' past its code's end, or undefined when it is not one this BFF sealed. */
export function openDevicePoll(cipher: TokenCipher, sealed: unknown, now: number): DevicePoll | 'expired' | undefined {
  if (typeof sealed !== 'string' || sealed.length > 2048) return undefined;
  try {
    const poll = JSON.parse(cipher.open(sealed, PURPOSE)) as DevicePoll;
    return now < poll.expiresAt ? poll : 'expired';
  } catch {
    return undefined;
  }
}
