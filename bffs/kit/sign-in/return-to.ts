import { concierge } from '../errors.ts';

/** Where relative paths are resolved: any origin would do, this one can never be real. */
const BASE = 'https://bff.invalid';

/**
 * `returnTo` as a path on this site, or a RETURN_TO_REFUSED error: the sign-in must never become
 * an open redirect. What is checked is the path this returns (resolved, its dot segments gone),
 * not the text given: `/.//evil.example` resolves to `//evil.example`, which a browser reads as
 * another host. That path is refused when it, or it percent-decoded once (what a proxy or a
 * framework in front may do to it), starts with `//` or holds a backslash (browsers read one as
 * a slash) or a control character, or resolves off this origin.
 */
export function localPath(returnTo: string | null): string {
  if (returnTo === null || returnTo === '') return '/';
  const refused = () => concierge('RETURN_TO_REFUSED', 'returnTo must be a path on this site, such as /account.');
  if (returnTo.length > 2048 || !returnTo.startsWith('/')) throw refused();
  const resolved = new URL(returnTo, BASE);
  if (resolved.origin !== BASE) throw refused();
  const decoded = decodedOnce(resolved.pathname);
  if (!isLocal(resolved.pathname) || decoded === undefined || !isLocal(decoded) || /[\\\u0000-\u001f\u007f]/.test(returnTo)) throw refused();
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}

/** A path a browser resolves on this origin, as it is and resolved again (its dot segments). */
function isLocal(path: string): boolean {
  if (!path.startsWith('/') || path.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(path)) return false;
  const again = new URL(path, BASE);
  return again.origin === BASE && !again.pathname.startsWith('//');
}

function decodedOnce(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined; // a malformed escape: nothing to take
  }
}
