import { concierge } from '../errors.ts';

/** `first` within 1..max, or a BAD_USER_INPUT error naming the argument. */
export function pageSize(first: number | null | undefined, fallback: number, max: number): number {
  const size = first ?? fallback;
  if (!Number.isInteger(size) || size < 1 || size > max) throw concierge('BAD_USER_INPUT', `first must be from 1 to ${max}.`);
  return size;
}

/**
 * Our cursors wrap the service's opaque cursor in a versioned envelope, so a client never
 * depends on a downstream format and a bad cursor is refused here with a clear code.
 */
export const encodeCursor = (serviceCursor: string | null) =>
  serviceCursor === null ? null : Buffer.from(`v1:${serviceCursor}`).toString('base64url');

export function decodeCursor(after: string | null | undefined): string | undefined {
  if (after === null || after === undefined) return undefined;
  const text = Buffer.from(after, 'base64url').toString('utf8');
  if (!text.startsWith('v1:') || text.length < 4) throw concierge('BAD_USER_INPUT', 'after is not a cursor this API gave out.');
  return text.slice(3);
}
