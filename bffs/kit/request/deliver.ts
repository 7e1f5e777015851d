import { compress, negotiateEncoding, type CompressionPolicy } from '../caching/compression.ts';
import { encodedTag, noneMatch, NO_STORE } from '../caching/http-cache.ts';
import { refusal } from './replies.ts';
import type { RequestHeaders } from '../core/headers.ts';
import type { RegularMediaType } from './media-types.ts';
import type { Representation } from './respond.ts';

export interface DeliveryPolicy {
  /** The request headers a cacheable answer depends on (`Vary`): the credential, the version, TV's device. */
  vary: readonly string[];
  compression: CompressionPolicy;
}

/** What either transport writes: a status, headers, and a body unless it is a 304 or a HEAD. */
export interface Delivery {
  status: number;
  headers: Record<string, string>;
  body?: Buffer;
}

/**
 * How a successful answer goes on the wire, written once for both transports:
 * - `Cache-Control` from the operation's policy; for a cacheable answer the strong `ETag` of the
 *   representation sent (each encoding its own) and `Vary` on what the answer depends on;
 * - `If-None-Match` is compared here, after authentication and against the tag computed for the
 *   current viewer: a tag from another viewer never matches. A match answers 304 to GET and HEAD,
 *   repeating Cache-Control, ETag and Vary without a body; to a POST, RFC 9110 13.1.2's 412;
 * - the body compressed by `Accept-Encoding` when it is over the client's threshold, once per
 *   cached answer and encoding (the entry keeps it for the next hit);
 * - HEAD: the headers a GET would get, no body.
 */
export function deliver(method: string, headers: RequestHeaders, mediaType: RegularMediaType, representation: Representation, policy: DeliveryPolicy): Delivery {
  const raw = representation.bytes ?? Buffer.from(representation.body);
  const out: Record<string, string> = { 'content-type': `${mediaType}; charset=utf-8`, 'cache-control': representation.cacheControl };
  const compressible = raw.length >= policy.compression.thresholdBytes;
  const encoding = compressible ? negotiateEncoding(headers.get('accept-encoding'), policy.compression) : undefined;
  if (representation.tag) {
    // Origin always, not only when this request had one: a shared cache must not hand an answer
    // stored for a request without Origin (no CORS headers) to a browser's request.
    const vary = ['Origin', ...policy.vary, ...(compressible ? ['Accept-Encoding'] : [])];
    out.vary = vary.join(', ');
    out.etag = encodedTag(representation.tag, encoding);
    if (representation.ageSeconds !== undefined) out.age = String(representation.ageSeconds);
    if (noneMatch(headers.get('if-none-match'), out.etag)) {
      if (method === 'GET' || method === 'HEAD') {
        const { 'content-type': _type, ...notModified } = out;
        return { status: 304, headers: notModified };
      }
      return preconditionFailed();
    }
  }
  let body: Buffer = raw;
  if (encoding) {
    body = representation.encoded?.[encoding] ?? compress(raw, encoding, policy.compression);
    if (representation.encoded) representation.encoded[encoding] = body;
  }
  if (encoding) out['content-encoding'] = encoding;
  out['content-length'] = String(body.length);
  return method === 'HEAD' ? { status: 200, headers: out } : { status: 200, headers: out, body };
}

function preconditionFailed(): Delivery {
  const { status, headers, body } = refusal('PRECONDITION_FAILED', 'If-None-Match matched the current answer; a POST is not answered 304. Use GET with documentId to revalidate.', { 'cache-control': NO_STORE });
  return { status, headers, body: Buffer.from(body as string) };
}

/** Two header sets merged, their `Vary` lists joined (the CORS reply's Origin, the answer's own). */
export function withVary(headers: Record<string, string>, reply: Record<string, string>): Record<string, string> {
  const merged = { ...headers, ...reply };
  if (headers.vary && reply.vary) merged.vary = joinVary(reply.vary, headers.vary);
  return merged;
}

/** `Vary` lists joined, each name once (the first spelling kept). */
export function joinVary(...lists: string[]): string {
  const seen = new Set<string>();
  const names: string[] = [];
  for (const list of lists) {
    for (const raw of list.split(',')) {
      const name = raw.trim();
      if (name && !seen.has(name.toLowerCase())) {
        seen.add(name.toLowerCase());
        names.push(name);
      }
    }
  }
  return names.join(', ');
}
