import type { Dispatcher } from 'undici';
import type { Deadline } from '../resilience/deadline.ts';

export interface Exchanged {
  statusCode: number;
  /** The whole response body. */
  body: Buffer;
  /** A response header by lower-case name (the first, if repeated). */
  header(name: string): string | undefined;
}

/**
 * One HTTP exchange on an undici dispatcher, with the response body gathered into one Buffer,
 * ended when the request's deadline passes or its client goes away.
 *
 * Written on `dispatch` rather than `request()` because every response here is read whole and
 * parsed at once: `request()` wraps each body in a Readable stream and a consumer, which the
 * profile showed as a visible share of the BFF's CPU per home (six responses each). The timeouts
 * are undici's own; only the abort is ours, because `dispatch` takes no signal.
 *
 * The handler speaks undici's original callback interface (onConnect, onHeaders, ...): it is what
 * undici 7's clients call natively (handlers of the newer interface are wrapped into it) and the
 * only one its MockAgent calls, so unit tests and production run this same code.
 */
export function exchange(dispatcher: Dispatcher, options: Dispatcher.DispatchOptions, deadline: Deadline): Promise<Exchanged> {
  if (deadline.aborted) return Promise.reject(deadline.reason);
  return new Promise((resolve, reject) => {
    let abortCall: ((reason?: Error) => void) | undefined;
    let settled = false;
    let statusCode = 0;
    let rawHeaders: (Buffer | string)[] = [];
    let chunks: Buffer[] = [];

    const settle = (error: unknown, value?: Exchanged) => {
      if (settled) return;
      settled = true;
      unsubscribe();
      if (value) resolve(value);
      else reject(error);
    };
    // A call still queued for a socket cannot be aborted yet: it fails now, and is aborted when
    // undici hands it a socket (onConnect).
    const unsubscribe = deadline.onAbort((reason) => {
      abortCall?.(reason as Error);
      settle(reason);
    });

    const handler: Dispatcher.DispatchHandler = {
      onConnect(abort) {
        abortCall = abort;
        if (settled) abort(deadline.reason as Error);
      },
      onHeaders(status, headers) {
        statusCode = status;
        rawHeaders = headers ?? [];
        chunks = []; // a 1xx before the final response has no body of its own
        return true;
      },
      onData(chunk) {
        chunks.push(chunk);
        return true;
      },
      onComplete() {
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        settle(undefined, { statusCode, body, header: (name) => headerOf(rawHeaders, name) });
      },
      onError(error) {
        settle(error);
      },
    };
    dispatcher.dispatch(options, handler);
  });
}

/** Raw headers are [name, value, name, value, ...]; read only on the rare path that needs one. */
function headerOf(raw: (Buffer | string)[], name: string): string | undefined {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.toString().toLowerCase() === name) return raw[i + 1]!.toString();
  }
  return undefined;
}
