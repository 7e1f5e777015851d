import { concierge } from '../errors.ts';
import { MAX_CURSOR_LENGTH } from '../input-limits.ts';

/** `first` within 1..max, or a BAD_USER_INPUT error naming the argument. */
export function pageSize(first: number | null | undefined, fallback: number, max: number): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > max) throw concierge('BAD_USER_INPUT', `first must be from 1 to ${max}.`);
  return size;
}

/** base64url without padding, as `encodeCursor` writes it. */
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Our cursors wrap the service's opaque cursor in a versioned envelope, so a client never
 * depends on a downstream format and a bad cursor is refused here with a clear code.
 */
export const encodeCursor = (serviceCursor: string | null) =>
  serviceCursor === null ? null : Buffer.from(`v1:${serviceCursor}`).toString('base64url');

/**
 * The service's cursor inside `after`, checked here so that a forged one never reaches a
 * service, or BAD_USER_INPUT (a field error) when `after` is not one
 * `encodeCursor` could have written: longer than MAX_CURSOR_LENGTH (our envelope around the
 * services' cursors, which are a few dozen characters), outside the base64url
 * alphabet (which Buffer would skip silently), not its canonical encoding, without the `v1:`
 * envelope, or holding control characters.
 */
export function decodeCursor(after: string | null | undefined): string | undefined {
  if (after === null || after === undefined) return undefined;
  const refused = () => concierge('BAD_USER_INPUT', 'after is not a cursor this API gave out.');
  if (after.length > MAX_CURSOR_LENGTH || !BASE64URL.test(after)) throw refused();
  const text = Buffer.from(after, 'base64url').toString('utf8');
  if (!text.startsWith('v1:') || text.length < 4 || encodeCursor(text.slice(3)) !== after || /[\u0000-\u001f\u007f]/.test(text)) throw refused();
  return text.slice(3);
}
