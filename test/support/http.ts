/** A small fetch wrapper for the mock tests: bearer token, JSON body, and the answer read once. */
export interface CallOptions {
  method?: string;
  token?: string;
  /** Serialized as JSON unless it is already a string. */
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** `manual` to see a redirect itself (identity's OpenID pages) rather than where it leads. */
  redirect?: RequestRedirect;
}

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body, or undefined when it is empty or not JSON. */
  body: any;
}

/** Every status seen through `call`, so a file can assert that nothing ever answered 5xx. */
export const seenStatuses: number[] = [];

export async function call(url: string, options: CallOptions = {}): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(url, { method: options.method ?? 'GET', headers, body, signal: options.signal, redirect: options.redirect ?? 'follow' });
  const text = await res.text();
  seenStatuses.push(res.status);
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

/** The error code of a mock's error body, `{ "error": { "code", "message" } }`. */
export const errorCode = (result: CallResult): string | undefined => result.body?.error?.code;
