import type { IncomingMessage } from 'node:http';
import { isIPv6 } from 'node:net';
import type { ErrorCode } from '../errors.ts';

/** Why a request's target or `Host` was refused, in the catalog's words. */
export interface TargetRefusal {
  code: Extract<ErrorCode, 'INVALID_HOST' | 'BAD_REQUEST'>;
  message: string;
}

/** RFC 3986's reg-name (unreserved, sub-delims, pct-encoded); IPv4 addresses are reg-names too. */
const REG_NAME = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+$/;
const PORT = /^\d{0,5}$/;
const ABSOLUTE_FORM = /^https?:\/\//i;

/**
 * Checks a request's target and `Host` as RFC 9112 asks of a server, before anything reads them,
 * and brings an absolute-form target (`GET http://host/graphql`) to origin-form, in place:
 * - §3.2: a request with more than one `Host` line, or a `Host` that is not `uri-host [":" port]`,
 *   is 400 (an HTTP/1.1 request with none node refuses itself: `requireHostHeader`);
 * - §3.2.2: an absolute-form target must be accepted, and its authority is the host (the `Host`
 *   line, still checked, is ignored);
 * - any other form (authority-form, `*`) names no resource here: 400.
 *
 * Why: every later reader builds a WHATWG URL from `http://<host><target>` (yoga's node adapter),
 * and a host that does not parse made that throw, which yoga's adapter
 * answered with the stack trace. A host is also only valid here if that URL parses.
 */
export function normalizeRequestTarget(req: IncomingMessage): TargetRefusal | undefined {
  const hosts = countHostLines(req.rawHeaders);
  if (hosts > 1) return invalidHost('More than one Host header was sent.');
  const host = req.headers.host;
  if (host !== undefined && !isValidAuthority(host)) return invalidHost('The Host header is not a valid host[:port].');

  const target = req.url ?? '';
  if (target.startsWith('/')) return undefined;
  if (!ABSOLUTE_FORM.test(target)) return { code: 'BAD_REQUEST', message: 'The request target must be a path (or an absolute http URL).' };
  const afterScheme = target.indexOf('//') + 2;
  const pathAt = firstOf(target, afterScheme, '/?#');
  const authority = target.slice(afterScheme, pathAt);
  if (!isValidAuthority(authority)) return invalidHost("The request target's host is not a valid host[:port].");
  const rest = target.slice(pathAt).split('#')[0]!;
  req.url = rest.startsWith('/') ? rest : `/${rest}`;
  req.headers.host = authority;
  return undefined;
}

function invalidHost(message: string): TargetRefusal {
  return { code: 'INVALID_HOST', message };
}

/** `uri-host [":" port]`, with no userinfo, that a WHATWG URL parser also takes. */
export function isValidAuthority(authority: string): boolean {
  if (authority.length === 0 || authority.length > 262) return false;
  let name: string;
  let port: string;
  if (authority.startsWith('[')) {
    const close = authority.indexOf(']');
    if (close === -1 || !isIPv6(authority.slice(1, close))) return false;
    name = authority.slice(0, close + 1);
    const after = authority.slice(close + 1);
    if (after !== '' && !after.startsWith(':')) return false;
    port = after.slice(1);
  } else {
    const colon = authority.lastIndexOf(':');
    name = colon === -1 ? authority : authority.slice(0, colon);
    port = colon === -1 ? '' : authority.slice(colon + 1);
    if (!REG_NAME.test(name)) return false;
  }
  if (!PORT.test(port) || Number(port) > 65_535) return false;
  return URL.canParse(`http://${name}${port ? `:${port}` : ''}/`);
}

function countHostLines(rawHeaders: string[]): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.length === 4 && rawHeaders[i]!.toLowerCase() === 'host') count++;
  return count;
}

function firstOf(text: string, from: number, characters: string): number {
  for (let i = from; i < text.length; i++) if (characters.includes(text[i]!)) return i;
  return text.length;
}
