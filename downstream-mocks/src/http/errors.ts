/**
 * Every mock answers failures with one JSON shape: `{ "error": { "code", "message" } }`.
 * Handlers throw `HttpError`; the server turns it into that body. Anything else is a bug
 * in the mock and becomes a 500 with code INTERNAL.
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (code: string, message: string) => new HttpError(400, code, message);
export const notFound = (message: string) => new HttpError(404, 'NOT_FOUND', message);

export function errorBody(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}
