import type { ExecutionResult, GraphQLError } from 'graphql';
import { getCORSHeadersByRequestAndOptions } from '@whatwg-node/server';
import { refuseLargeBody } from '../perimeter/body-size.ts';
import { VARY_ORIGIN, type CorsPolicy } from '../perimeter/cors.ts';
import type { LoadShedder } from '../perimeter/load-shedding.ts';
import type { Admitted, Perimeter } from '../perimeter/pipeline.ts';
import { Deadline } from '../resilience/deadline.ts';
import { NO_STORE } from '../caching/http-cache.ts';
import { deliver, withVary, type DeliveryPolicy } from './deliver.ts';
import type { Executor } from '../execution/execute.ts';
import { acceptedMediaType, type RegularMediaType } from './media-types.ts';
import type { Responder } from './respond.ts';
import type { Exchange, Reply } from './exchange.ts';
import { paramsOfBody, paramsOfQueryString, readsBodyOf, type Params } from './params.ts';
import { partsReply, streamedMediaType, type StreamedMediaType } from './parts.ts';
import { refusal, resultReply } from './replies.ts';
import { concierge } from '../errors.ts';

export interface LifecycleOptions {
  /** The client's body limit: a declared length over it is refused unread, a streamed body once it passes it. */
  maxBodyBytes: number;
  /** One per BFF: every transport's requests count against one in-flight cap. */
  shedder: LoadShedder;
  cors: CorsPolicy;
  /** The client's perimeter (perimeter/index.ts): from its parameters to an admitted operation. */
  perimeter: Perimeter;
  /** The response cache, then the executor (server/respond.ts). */
  respond: Responder;
  /** For `@defer`'s parts (`execute.streaming`) and for a failure outside execution (`execute.failed`). */
  execute: Executor;
  /** Cache headers, 304, compression (server/deliver.ts). */
  delivery: DeliveryPolicy;
  deadlineMs: number;
}

/**
 * One request to the GraphQL endpoint, from arrival to the reply, the same on every transport:
 * node:http's lane and yoga's (fetch API) only turn their request into an `Exchange` and write
 * the `Reply` back (server/node-lane.ts, server/yoga-lane.ts), so every rule here holds on both
 * because it is written once. Read top to bottom:
 *
 *  edge       the request id and CORS headers every reply carries; refused on headers alone
 *             (413 body too large, 406 Accept, 405 method, 415 body type), then the load
 *             shedder's slot (503);
 *  params     the GraphQL parameters, from the query string or the body (400, 413);
 *  perimeter  from parameters to an admitted operation and viewer, or a refusal (perimeter/);
 *  respond    the response cache, else execution, within the request's deadline;
 *  deliver    cache headers, 304, compression for a whole answer; parts as they come for
 *             `@defer`; a result with errors by GraphQL over HTTP's status rules, never stored.
 *
 * What the request holds (the shedder's slot, the perimeter's in-flight slots) is given back
 * once its answer is computed, or after the last part of a streamed one.
 */
export function createLifecycle(options: LifecycleOptions): (exchange: Exchange) => Promise<Reply> {
  const { maxBodyBytes, shedder, cors, perimeter, respond, execute, delivery, deadlineMs } = options;

  return async function handle(exchange: Exchange): Promise<Reply> {
    const { method, headers, observation } = exchange;
    const edge = edgeHeaders(exchange, cors);
    const accept = headers.get('accept');
    const mediaType = acceptedMediaType(accept ?? undefined);
    const streamed = streamedMediaType(accept);

    const refused = refusedOnHeaders(exchange, mediaType ?? streamed, maxBodyBytes) ?? shedder.admit();
    if (refused) {
      observation.noteCode(refused.code);
      const refusedHeaders = { ...refused.headers, 'content-length': String(Buffer.byteLength(refused.body)), 'cache-control': NO_STORE };
      return { status: refused.status, headers: withVary(refusedHeaders, edge), body: method === 'HEAD' ? undefined : refused.body };
    }

    let admitted: Admitted | undefined;
    let streaming = false;
    /** A result with errors, from any step: by the status rules, never stored. */
    const errorReply = (result: ExecutionResult, answerHeaders: Record<string, string> = {}): Reply => {
      observation.noteResult(result);
      const reply = mediaType ? resultReply(result, mediaType) : partsReply(result, streamed!);
      const out = { status: reply.status, headers: withVary({ ...reply.headers, ...answerHeaders, 'cache-control': NO_STORE }, edge), body: reply.body };
      return method === 'HEAD' ? { ...out, body: undefined } : out;
    };
    try {
      let params: Params;
      try {
        params = await paramsOf(exchange, maxBodyBytes);
      } catch (error) {
        return errorReply({ errors: [error as GraphQLError] });
      }

      const verdict = await perimeter({ method, headers, peer: exchange.peer, params, observation });
      if (verdict.refused) return errorReply(verdict.refused);
      admitted = verdict.admitted;
      const facts = { headers, requestId: exchange.requestId, observation };

      if (streamed && (admitted.operation.deferred || !mediaType)) {
        // Parts as they come (or the one part a client that takes only parts is sent): the
        // deadline, and what the request holds, last until the last part.
        streaming = true;
        const holding = admitted;
        const deadline = Deadline.after(deadlineMs, exchange.signal);
        const parts = await execute.streaming(holding, { ...facts, deadline }, () => {
          deadline.dispose();
          shedder.release();
          holding.release();
        });
        observation.noteResult(parts as ExecutionResult);
        const reply = partsReply(parts, streamed);
        return { status: reply.status, headers: withVary({ ...reply.headers, ...holding.headers, 'cache-control': NO_STORE }, edge), body: reply.body };
      }

      const deadline = Deadline.after(deadlineMs, exchange.signal);
      let answer;
      try {
        answer = await respond(admitted, { ...facts, deadline });
      } finally {
        deadline.dispose(); // the answer is computed: stop the request's timer now
      }
      if (answer.result) return errorReply(answer.result, admitted.headers);
      const delivered = deliver(method, headers, mediaType ?? 'application/json', answer.representation, delivery);
      return { status: delivered.status, headers: withVary({ ...delivered.headers, ...admitted.headers }, edge), body: delivered.body };
    } catch (error) {
      // A bug of ours, not the request's: masked and logged like any failure (500), and the
      // server keeps serving.
      return errorReply(execute.failed(error));
    } finally {
      if (!streaming) {
        shedder.release();
        admitted?.release();
      }
    }
  };
}

/** Headers every reply of the endpoint carries: the request id, and the CORS answer when a browser asks. */
function edgeHeaders(exchange: Exchange, cors: CorsPolicy): Record<string, string> {
  const edge = { 'x-request-id': exchange.requestId };
  if (exchange.headers.get('origin') === null) return edge;
  // The same function and options as yoga's CORS plugin, which answers the preflights.
  const corsHeaders = getCORSHeadersByRequestAndOptions({ headers: exchange.headers } as Request, cors.options(exchange.headers)) ?? {};
  return { ...corsHeaders, vary: VARY_ORIGIN, ...edge };
}

interface EarlyRefusal {
  code: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * What is refused on the request's headers alone, before a slot is taken or a byte of the body
 * read: a declared body over the limit (413, and the connection closes rather than drain it);
 * an `Accept` nothing is answered in (406); a method (405) or a body type (415) not served.
 */
function refusedOnHeaders({ method, headers }: Exchange, answerType: RegularMediaType | StreamedMediaType | undefined, maxBodyBytes: number): EarlyRefusal | undefined {
  const tooLarge = refuseLargeBody(headers.get('content-length'), maxBodyBytes);
  if (tooLarge) return tooLarge;
  if (answerType === undefined) {
    return early('NOT_ACCEPTABLE', 'Accept application/graphql-response+json or application/json.', { accept: 'application/graphql-response+json; charset=utf-8, application/json; charset=utf-8' });
  }
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') return early('METHOD_NOT_ALLOWED', `${method.slice(0, 20)} is not served; use GET, HEAD or POST.`, { allow: 'GET, HEAD, POST' });
  if (method === 'POST' && !readsBodyOf(headers.get('content-type'))) {
    return early('UNSUPPORTED_MEDIA_TYPE', `A POST body of type ${JSON.stringify((headers.get('content-type') ?? 'none').slice(0, 100))} is not read here; send application/json.`);
  }
  return undefined;
}

function early(code: 'NOT_ACCEPTABLE' | 'METHOD_NOT_ALLOWED' | 'UNSUPPORTED_MEDIA_TYPE', message: string, headers: Record<string, string> = {}): EarlyRefusal {
  const reply = refusal(code, message, headers);
  return { code, status: reply.status, headers: reply.headers, body: reply.body as string };
}

/** The parameters: a GET's or HEAD's from its query string, a POST's from its body, read within the limit. */
async function paramsOf(exchange: Exchange, maxBodyBytes: number): Promise<Params> {
  if (exchange.method !== 'POST') return paramsOfQueryString(exchange.search);
  const body = await exchange.readBody(maxBodyBytes);
  if (body === undefined) throw tooLargeWhileRead(maxBodyBytes);
  return paramsOfBody(exchange.headers.get('content-type'), body);
}

/** A body with no declared length that passed the limit as it streamed: the rest is never read. */
function tooLargeWhileRead(maxBodyBytes: number): GraphQLError {
  return concierge('REQUEST_TOO_LARGE', `The request body is over ${maxBodyBytes} bytes; this BFF reads at most ${maxBodyBytes}.`, { max: maxBodyBytes });
}
