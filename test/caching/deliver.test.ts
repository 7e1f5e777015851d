import { brotliDecompressSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { deliver, type DeliveryPolicy } from '../../bffs/kit/request/deliver.ts';
import type { Representation } from '../../bffs/kit/request/respond.ts';

const policy: DeliveryPolicy = { vary: ['Authorization'], compression: { prefer: ['br', 'gzip'], thresholdBytes: 1024, brotliQuality: 5, gzipLevel: 6 } };
const headers = (values: Record<string, string>) => ({ get: (name: string) => values[name] ?? null });
const body = JSON.stringify({ data: { rows: Array.from({ length: 50 }, (_, i) => ({ id: `t_${i}`, title: `Title ${i}` })) } });

describe('deliver: a cached answer is compressed once per encoding', () => {
  test('the first delivery keeps the compressed body on the entry; the next one sends it as kept', () => {
    const representation: Representation = { body, cacheControl: 'private, max-age=60', tag: '"abc"', encoded: {} };
    const first = deliver('GET', headers({ 'accept-encoding': 'br' }), 'application/json', representation, policy);
    expect(first.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(first.body!).toString()).toBe(body);
    expect(representation.encoded!.br).toBe(first.body);
    // What is kept is what goes out, byte for byte, without compressing again.
    representation.encoded!.br = Buffer.from('kept');
    expect(deliver('GET', headers({ 'accept-encoding': 'br' }), 'application/json', representation, policy).body!.toString()).toBe('kept');
    expect(representation.encoded!.gzip).toBeUndefined();
  });

  test('a 304 and a HEAD compress nothing; a HEAD says the length the GET would send', () => {
    const representation: Representation = { body, cacheControl: 'private, max-age=60', tag: '"abc"', encoded: {} };
    const notModified = deliver('GET', headers({ 'accept-encoding': 'br', 'if-none-match': '"abc-br"' }), 'application/json', representation, policy);
    expect(notModified.status).toBe(304);
    expect(notModified.body).toBeUndefined();
    expect(representation.encoded!.br).toBeUndefined();
    const head = deliver('HEAD', headers({}), 'application/json', representation, policy);
    expect(head.body).toBeUndefined();
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(body)));
  });
});
