import { createHash, hash } from 'node:crypto';
import type { CachePolicy } from '../core/cache-policy.ts';

/** Mutations, errors, refusals and partial answers: never stored by anyone. */
export const NO_STORE = 'no-store';

/**
 * `Cache-Control` for a successful query: `max-age` from its policy, or `no-cache` (reuse only
 * after revalidating with the ETag) when the policy's maxAge is 0, as web's dashboards want.
 */
export function cacheControlOf(policy: CachePolicy): string {
  const scope = policy.scope === 'PUBLIC' ? 'public' : 'private';
  return policy.maxAge > 0 ? `${scope}, max-age=${policy.maxAge}` : `${scope}, no-cache`;
}

/**
 * A strong, quoted ETag for one representation: the bytes, and for a private answer the viewer it
 * was computed for, so viewer A's tag never matches viewer B's answer even where the bytes agree.
 * The encoding is part of the representation (RFC 9110 8.8.3): a compressed body gets its own tag.
 * Pass the bytes that will be sent when there are any: hashing a string encodes it once more, and
 * the viewer's key goes in as an update of its own rather than a copy of the body with it in front.
 */
export function entityTag(body: string | Buffer, viewerKey: string | undefined): string {
  const digest = viewerKey === undefined ? hash('sha1', body, 'base64url') : createHash('sha1').update(`${viewerKey}\n`).update(body).digest('base64url');
  return `"${digest}"`;
}

export function encodedTag(tag: string, encoding: string | undefined): string {
  return encoding ? `${tag.slice(0, -1)}-${encoding}"` : tag;
}

/**
 * RFC 9110 13.1.2: `If-None-Match` uses the weak comparison (a `W/` prefix is ignored), and `*`
 * matches any current representation.
 */
export function noneMatch(ifNoneMatch: string | null, tag: string): boolean {
  if (!ifNoneMatch) return false;
  const value = ifNoneMatch.trim();
  if (value === '*') return true;
  for (const candidate of value.split(',')) {
    const trimmed = candidate.trim();
    if ((trimmed.startsWith('W/') ? trimmed.slice(2) : trimmed) === tag) return true;
  }
  return false;
}
