import { request } from 'undici';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  /** The bytes as they came over the wire: never decompressed. */
  body: Buffer;
}

/** One HTTP exchange as a proxy or a CDN sees it: headers as sent, the body still encoded. */
export async function raw(url: string, { method = 'GET', headers = {}, body }: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<RawResponse> {
  const response = await request(url, { method: method as 'GET', headers, body });
  const bytes = Buffer.from(await response.body.arrayBuffer());
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  return { status: response.statusCode, headers: flat, body: bytes };
}
