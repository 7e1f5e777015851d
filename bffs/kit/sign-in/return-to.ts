import { concierge } from '../errors.ts';

/**
 * `returnTo` as a path on this site, or a RETURN_TO_REFUSED error: the sign-in must never become
 * an open redirect. Only `/…` paths are taken; `//evil.example`, `/\evil.example` (browsers read a
 * backslash as a slash), absolute URLs, control characters and anything that resolves off this
 * origin are refused.
 */
export function localPath(returnTo: string | null): string {
  if (returnTo === null || returnTo === '') return '/';
  const refused = () => concierge('RETURN_TO_REFUSED', 'returnTo must be a path on this site, such as /account.');
  if (returnTo.length > 2048 || !returnTo.startsWith('/') || returnTo.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(returnTo)) throw refused();
  const base = 'https://bff.invalid';
  const resolved = new URL(returnTo, base);
  if (resolved.origin !== base) throw refused();
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}
