import { GraphQLError } from 'graphql';
import { concierge, ERRORS, type ErrorCode } from '../errors.ts';

/**
 * How the /auth/* routes answer: JSON, never cached (each answer is about one user's sign-in),
 * errors in the shape GraphQL errors have (`errors[].extensions.code` from the catalog), so a
 * client reads one kind of error whichever endpoint it called.
 */

export function json(Response: typeof globalThis.Response, status: number, body: unknown, cookies: string[] = []): Response {
  const headers = new Headers({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  for (const cookie of cookies) headers.append('set-cookie', cookie);
  return new Response(JSON.stringify(body), { status, headers });
}

/** A catalog error; `fields` go beside `errors` (RFC 8628's `error` and `interval` for the device endpoints). */
export function failure(Response: typeof globalThis.Response, code: ErrorCode, message: string, extra: Record<string, string> = {}, fields: Record<string, unknown> = {}): Response {
  const headers = new Headers({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  for (const [name, value] of Object.entries(extra)) headers.append(name, value);
  return new Response(JSON.stringify({ ...fields, errors: [{ message, extensions: { code } }] }), { status: ERRORS[code].status, headers });
}

/** A thrown catalog error as its answer, with the headers it asked for; anything else is rethrown (yoga's 500). */
export function failureOf(Response: typeof globalThis.Response, error: unknown): Response {
  if (!(error instanceof GraphQLError) || !error.extensions?.code) throw error;
  const headers = (error.extensions.http as { headers?: Record<string, string> } | undefined)?.headers ?? {};
  const { code: _code, http: _http, ...fields } = error.extensions as Record<string, unknown>;
  return failure(Response, error.extensions.code as ErrorCode, error.message, headers, fields);
}

/**
 * A small JSON object body, read at most `maxBytes` far (the perimeter's body limit guards
 * /graphql only): an empty body is `{}`; anything else that is not a JSON object is 400 BAD_REQUEST.
 */
export async function readJsonObject(request: Request, maxBytes: number): Promise<Record<string, unknown>> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > maxBytes) throw concierge('REQUEST_TOO_LARGE', `The body may be at most ${maxBytes} bytes.`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body?.getReader();
  while (reader) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw concierge('REQUEST_TOO_LARGE', `The body may be at most ${maxBytes} bytes.`);
    }
    chunks.push(value);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === 'object' && body !== null && !Array.isArray(body)) return body as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw concierge('BAD_REQUEST', 'The body must be a JSON object.');
}
