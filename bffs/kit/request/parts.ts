import type { ExecutionResult } from 'graphql';
import { getSSEProcessor, processRegularResult } from 'graphql-yoga';
import type { IncrementalResult } from '../execution/incremental.ts';
import type { Reply } from './exchange.ts';
import { resultReply } from './replies.ts';

/** The two ways `@defer`'s parts go on the wire, by what the request's `Accept` lists first. */
export type StreamedMediaType = 'multipart/mixed' | 'text/event-stream';

const STREAMED = /(multipart\/mixed|text\/event-stream)\s*(;|,|$)/i;

/** The streamed media type the request takes (the first listed of the two), or undefined. */
export function streamedMediaType(accept: string | null): StreamedMediaType | undefined {
  const found = accept ? STREAMED.exec(accept)?.[1]?.toLowerCase() : undefined;
  return found as StreamedMediaType | undefined;
}

/**
 * An answer in parts, as the incremental-delivery RFC frames them:
 * - SSE by yoga's own processor (exported by graphql-yoga), which also pings an idle stream;
 * - multipart/mixed written here, in the framing yoga's multipart processor writes (which yoga
 *   does not export): `---`, each part's headers and JSON, and `-----` after the last.
 * Each part is serialised by yoga's `processRegularResult`, so a part carries exactly what a
 * whole answer would: no `extensions.http`, no error internals.
 */
export function partsReply(parts: IncrementalResult | ExecutionResult, mediaType: StreamedMediaType, onClosed: () => void = () => {}): Reply {
  if (mediaType === 'text/event-stream') {
    const response = getSSEProcessor()(parts as never, globalThis as never, 'text/event-stream') as Response;
    return { status: response.status, headers: Object.fromEntries(response.headers), body: closing(response.body!, onClosed) };
  }
  // One result (a refusal, a failure, an answer not deferred) keeps the status and headers it
  // would have as JSON (401 with WWW-Authenticate, 429 with Retry-After), as yoga's processor does.
  const { status, headers } = isIncremental(parts) ? { status: 200, headers: {} } : resultReply(parts, 'application/json');
  const { 'content-type': _type, 'content-length': _length, ...kept } = headers;
  const iterator = isIncremental(parts) ? parts[Symbol.asyncIterator]() : single(parts);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode('\r\n---'));
    },
    async pull(controller) {
      try {
        const { done, value } = await iterator.next();
        if (value != null) {
          const json = encoder.encode(serialised(value as ExecutionResult));
          controller.enqueue(encoder.encode(`\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${json.byteLength}\r\n\r\n`));
          controller.enqueue(json);
          controller.enqueue(encoder.encode('\r\n---'));
        }
        if (done) {
          controller.enqueue(encoder.encode('--\r\n'));
          controller.close();
        }
      } catch (error) {
        controller.error(error);
      }
    },
    async cancel() {
      await iterator.return?.(); // the client stopped reading: the parts' own `done` runs (execution/execute.ts)
    },
  });
  return { status, headers: { ...kept, connection: 'keep-alive', 'content-type': 'multipart/mixed; boundary="-"' }, body: closing(body, onClosed) };
}

/**
 * The stream with `onClosed` called once it ends, fails or is cancelled. The parts' generator
 * gives back what the request holds in its `finally`, but a generator cancelled before its first
 * part never ran: this covers that case (the callback is idempotent).
 */
function closing(stream: ReadableStream<Uint8Array>, onClosed: () => void): ReadableStream<Uint8Array> {
  const reader = stream.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          controller.close();
          onClosed();
        } else controller.enqueue(value);
      } catch (error) {
        controller.error(error);
        onClosed();
      }
    },
    async cancel(reason) {
      try {
        await reader.cancel(reason);
      } finally {
        onClosed();
      }
    },
  });
}

function serialised(part: ExecutionResult): string {
  return (processRegularResult(part, { Response: class { constructor(readonly body: string) {} } } as never, 'application/json') as unknown as { body: string }).body;
}

function isIncremental(result: IncrementalResult | ExecutionResult): result is IncrementalResult {
  return typeof (result as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function';
}

/** One result as the only part (a deferring operation answered whole: `@defer(if: false)`). */
function single(result: ExecutionResult): AsyncIterator<ExecutionResult> {
  let sent = false;
  return {
    next: async () => (sent ? { done: true, value: undefined } : ((sent = true), { done: false, value: result })),
  };
}
