import { request } from 'undici';

/** One part of a multipart/mixed GraphQL answer, with when it arrived. */
export interface Part {
  atMs: number;
  body: any;
}

export interface StreamedAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  parts: Part[];
}

/**
 * POSTs over real HTTP and reads a multipart/mixed answer part by part, as it arrives (the
 * incremental-delivery RFC's framing: `--<boundary>`, part headers, a blank line, JSON), timing
 * each part from the request's start. A non-multipart answer comes back as one part.
 */
export async function postStreamed(url: string, headers: Record<string, string>, body: unknown): Promise<StreamedAnswer> {
  const started = performance.now();
  const res = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const contentType = String(res.headers['content-type'] ?? '');
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!contentType.startsWith('multipart/mixed') || !boundary) {
    return { status: res.statusCode, headers: res.headers, parts: [{ atMs: performance.now() - started, body: await res.body.json() }] };
  }
  const parts: Part[] = [];
  const delimiter = `\r\n--${boundary}`;
  let buffered = '';
  for await (const chunk of res.body) {
    buffered += (chunk as Buffer).toString('utf8');
    // Complete parts are those followed by the next delimiter.
    for (;;) {
      const start = buffered.indexOf(delimiter);
      if (start < 0) break;
      const next = buffered.indexOf(delimiter, start + delimiter.length);
      if (next < 0) break;
      const part = buffered.slice(start + delimiter.length, next);
      buffered = buffered.slice(next);
      const blank = part.indexOf('\r\n\r\n');
      if (blank >= 0 && part.slice(blank + 4).trim()) parts.push({ atMs: performance.now() - started, body: JSON.parse(part.slice(blank + 4)) });
    }
  }
  // The last part ends at the closing delimiter `--<boundary>--`.
  const tail = buffered.replace(new RegExp(`${delimiter.replace(/[-\\^$*+?.()|[\]{}]/g, '\\$&')}--\\s*$`), '');
  const blank = tail.indexOf('\r\n\r\n');
  if (blank >= 0 && tail.slice(blank + 4).trim()) parts.push({ atMs: performance.now() - started, body: JSON.parse(tail.slice(blank + 4)) });
  return { status: res.statusCode, headers: res.headers, parts };
}

/** Every part merged into one result, the way a client assembles them (the deferred data at its path). */
export function assemble(parts: Part[]): { data: any; errors?: any[] } {
  const [first, ...rest] = parts;
  const result: { data: any; errors?: any[] } = structuredClone({ data: first!.body.data, ...(first!.body.errors ? { errors: first!.body.errors } : {}) });
  for (const { body } of rest) {
    for (const part of body.incremental ?? []) {
      let target = result.data;
      for (const key of part.path) target = target[key];
      Object.assign(target, part.data);
      if (part.errors) (result.errors ??= []).push(...part.errors);
    }
  }
  return result;
}
