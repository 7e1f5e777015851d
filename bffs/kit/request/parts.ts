import type { ExecutionResult } from 'graphql';
import { getSSEProcessor, processRegularResult } from 'graphql-yoga';
import type { IncrementalResult } from '../execution/incremental.ts';
import type { Reply } from './exchange.ts';

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
export function partsReply(parts: IncrementalResult | ExecutionResult, mediaType: StreamedMediaType): Reply {
  if (mediaType === 'text/event-stream') {
    const response = getSSEProcessor()(parts as never, globalThis as never, 'text/event-stream') as Response;
    return { status: response.status, headers: Object.fromEntries(response.headers), body: response.body! };
  }
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
      await iterator.return?.(); // the client stopped reading: the parts' `done` runs (execute.ts)
    },
  });
  return { status: 200, headers: { connection: 'keep-alive', 'content-type': 'multipart/mixed; boundary="-"' }, body };
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
