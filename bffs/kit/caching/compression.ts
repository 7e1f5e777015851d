import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

export type Encoding = 'br' | 'gzip';

/** A client's compression defaults (bffs/<client>/policy.ts), chosen by `npm run bench:compression`. */
export interface CompressionPolicy {
  /** Encodings in the client's order of preference; the first one the request accepts wins. */
  prefer: readonly Encoding[];
  /** Bodies smaller than this go uncompressed: the saving would not pay the CPU and the framing. */
  thresholdBytes: number;
  /** Brotli quality, 0 to 11. */
  brotliQuality: number;
  /** gzip level, 1 to 9. */
  gzipLevel: number;
}

/**
 * The encoding to send for this `Accept-Encoding`: the client's first preference the request
 * accepts with a q above 0 (RFC 9110 12.5.3; `*` accepts any), or none.
 */
export function negotiateEncoding(acceptEncoding: string | null, policy: CompressionPolicy): Encoding | undefined {
  if (!acceptEncoding) return undefined;
  const accepted = new Map<string, number>();
  for (const part of acceptEncoding.toLowerCase().split(',')) {
    const [coding, ...params] = part.trim().split(';');
    if (!coding) continue;
    const q = params.map((param) => param.trim()).find((param) => param.startsWith('q='));
    const weight = q ? Number(q.slice(2)) : 1;
    accepted.set(coding, Number.isFinite(weight) ? weight : 0);
  }
  const wildcard = accepted.get('*');
  for (const encoding of policy.prefer) {
    const weight = accepted.get(encoding) ?? wildcard ?? 0;
    if (weight > 0) return encoding;
  }
  return undefined;
}

/**
 * Compresses one body. Synchronously, on purpose: the bodies are tens of kilobytes, where zlib's
 * thread-pool round trip costs more than the work (bench/compression.ts measured both).
 */
export function compress(body: Buffer, encoding: Encoding, policy: CompressionPolicy): Buffer {
  if (encoding === 'br') {
    return brotliCompressSync(body, {
      params: { [constants.BROTLI_PARAM_QUALITY]: policy.brotliQuality, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT, [constants.BROTLI_PARAM_SIZE_HINT]: body.length },
    });
  }
  return gzipSync(body, { level: policy.gzipLevel });
}
