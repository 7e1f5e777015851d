import { GraphQLError, type ExecutionResult } from 'graphql';
import { getCORSHeadersByRequestAndOptions } from '@whatwg-node/server';
import { refuseLargeBody, type EarlyRefusal } from '../perimeter/body-size.ts';
import { VARY_ORIGIN, type CorsPolicy } from '../perimeter/cors.ts';
import type { LoadShedder } from '../perimeter/load-shedding.ts';
import type { Admitted, Passage, Perimeter } from '../perimeter/pipeline.ts';
import { Deadline } from '../resilience/deadline.ts';
import { NO_STORE } from '../caching/http-cache.ts';
import { deliver, joinVary, withVary, type DeliveryPolicy } from './deliver.ts';
import type { Executor } from '../execution/execute.ts';
import { acceptedMediaType, type RegularMediaType } from './media-types.ts';
import { withVariationInParts, type Responder } from './respond.ts';
import type { Exchange, Reply } from './exchange.ts';
import { paramsOfBody, paramsOfQueryString, readsBodyOf, refuseParamsInPostUrl, type Params } from './params.ts';
import { partsReply, streamedMediaType, type StreamedMediaType } from './parts.ts';
import { refusal, resultReply } from './replies.ts';
import { concierge } from '../errors.ts';
import type { LiveConnections } from '../perimeter/live-connections.ts';
import type { Gate } from '../perimeter/pipeline.ts';
import { watchSession } from '../perimeter/session-watch.ts';
import { endingEvents } from './ending-events.ts';

export interface LifecycleOptions {
  /** The client's body limit: a declared length over it is refused unread, a streamed body once it passes it. */
  maxBodyBytes: number;
  /** One per BFF: every transport's requests count against one in-flight cap. */
  shedder: LoadShedder;
  cors: CorsPolicy;
  /** The client's perimeter (perimeter/index.ts): from its parameters to an admitted operation. */
  perimeter: Perimeter;
  /** The response cache, then the executor (respond.ts). */
  respond: Responder;
  /** For `@defer`'s parts (`execute.streaming`) and for a failure outside execution (`execute.failed`). */
  execute: Executor;
  /** Cache headers, 304, compression (deliver.ts). */
  delivery: DeliveryPolicy;
  deadlineMs: number;
  /** Live connections per viewer and address, which an SSE subscription holds while it is open (where the schema has subscriptions). */
  liveConnections?: LiveConnections;
  /** The perimeter's handshake gate and how often an SSE subscription's credential is judged again (the socket lane watches its own). */
  sessionWatch?: { gate: Gate; everyMs: number };
}

/**
 * One request to the GraphQL endpoint, from arrival to the reply, the same on every transport:
 * node:http's lane and yoga's (fetch API) only turn their request into an `Exchange` and write
 * the `Reply` back (server/fast-lane.ts, server/yoga-lane.ts), and so does the WebSocket lane
 * with each `subscribe` message (server/socket-lane.ts), so every rule here holds on all three
 * because it is written once. Read top to bottom:
 *
 *  edge       the request id and CORS headers every reply carries; refused on headers alone
 *             (413 body too large, 406 Accept, 405 method, 415 body type); the perimeter's
 *             screening, on the headers too (CSRF, origin, the in-flight caps: 403, 429); then
 *             the load shedder's slot (503);
 *  params     the GraphQL parameters, from the query string or the body (400, 413);
 *  perimeter  from parameters to an admitted operation and viewer, or a refusal (perimeter/);
 *  respond    the response cache, else execution, within the request's deadline; a
 *             subscription's events, over SSE or a socket;
 *  deliver    cache headers, 304, compression for a whole answer; parts as they come for
 *             `@defer`; a result with errors by GraphQL over HTTP's status rules, never stored.
 *
 * What the request holds (the perimeter's in-flight slots, the shedder's slot) is given back
 * once its answer is computed, or after the last part of a streamed one.
 */
export function createLifecycle(options: LifecycleOptions): (exchange: Exchange) => Promise<Reply> {
  const { maxBodyBytes, shedder, cors, perimeter, respond, execute, delivery, deadlineMs, liveConnections, sessionWatch } = options;

  return async function handle(exchange: Exchange): Promise<Reply> {
    const { method, headers, observation } = exchange;
    // A socket's message (socket-lane.ts) takes results, which its transport frames itself.
    const socket = exchange.takes === 'results';
    const edge = edgeHeaders(exchange, cors);
    const accept = headers.get('accept');
    const mediaType = socket ? 'application/json' : acceptedMediaType(accept ?? undefined);
    // A HEAD is answered as its GET would be, without a body: never in parts.
    const streamed = socket || method === 'HEAD' ? undefined : streamedMediaType(accept);

    // Edge: refused on headers alone (a socket's handshake headers were its transport's to judge);
    // then the perimeter's screening (the in-flight caps, on the headers too, so a burst's excess
    // costs no body read and no slot of the shedder); then a slot of the shedder.
    const refused = socket ? undefined : refusedOnHeaders(exchange, mediaType ?? streamed, maxBodyBytes);
    if (refused) return early(refused);
    const screened = perimeter.screen({ method, headers, peer: exchange.peer, params: NO_PARAMS, observation });
    if (screened.refused) return errorReply(screened.refused);
    const passage: Passage = screened.passage;
    const shed = shedder.admit();
    if (shed) {
      passage.release();
      return early(shed);
    }

    // What the request holds from here on (the screening's in-flight slots, the shedder's slot,
    // then the perimeter's other slots) is given back once, by whichever comes first: the answer
    // computed, or the last part of a streamed one sent (or the client leaving before it).
    let handedOff = false;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      shedder.release();
      passage.release();
    };
    try {
      // Parameters
      try {
        passage.request.params = exchange.params ?? (await paramsOf(exchange, maxBodyBytes));
      } catch (error) {
        return errorReply(unreadable(error, maxBodyBytes));
      }

      // Perimeter
      const verdict = await perimeter.admit(passage);
      if (verdict.refused) return errorReply(verdict.refused);
      const admitted: Admitted = verdict.admitted;
      const facts = { headers, requestId: exchange.requestId, observation };

      // Respond, with events: a subscription, over SSE or a socket. What the request held bounds
      // the work of starting it, and is given back once it has started; the live connection
      // itself is bounded by its transport (connections per viewer and address, subscriptions per socket).
      if (admitted.operation.kind === 'subscription') {
        if (!socket && !streamed) return errorReply({ errors: [concierge('STREAM_REQUIRED', 'A subscription is answered as events: send Accept: text/event-stream (GraphQL over SSE), or subscribe over the WebSocket protocol graphql-transport-ws.')] }, admitted.headers);
        const deadline = Deadline.after(deadlineMs, exchange.signal);
        let events;
        try {
          events = await execute.subscribe(admitted, { ...facts, deadline });
        } finally {
          deadline.dispose(); // started, or failed to: the deadline was for that
        }
        if (!(Symbol.asyncIterator in events)) return errorReply(events, admitted.headers);
        if (socket) return { status: 200, headers: {}, results: events }; // the socket holds its own live connection
        // An SSE subscription is a live connection of its own, held until the stream ends.
        const slot = liveConnections?.take(admitted.viewer.id, admitted.clientAddress ?? exchange.peer);
        if (slot?.refused) {
          await events.return?.();
          return errorReply({ errors: [slot.refused] }, admitted.headers);
        }
        // A session that ends while the stream is open ends it, its last event saying why.
        const watched = sessionWatch ? endingEvents(events, (end) => watchSession(sessionWatch.gate, { method, headers, peer: exchange.peer, params: {} }, sessionWatch.everyMs, end)) : events;
        const reply = partsReply(watched, streamed!, () => slot?.release());
        return { status: reply.status, headers: withVary({ ...reply.headers, ...admitted.headers, 'cache-control': NO_STORE }, edge), body: reply.body };
      }

      // Respond, in parts: `@defer`'s (or the one part a client that takes only parts is sent).
      if (streamed && (admitted.operation.deferred || !mediaType)) {
        const deadline = Deadline.after(deadlineMs, exchange.signal);
        const finished = () => {
          deadline.dispose();
          release();
        };
        let reply: Reply;
        try {
          const parts = await execute.streaming(admitted, { ...facts, deadline }, finished);
          observation.noteResult(parts as ExecutionResult);
          reply = partsReply(withVariationInParts(parts, admitted.variation), streamed, finished);
        } catch (error) {
          finished(); // nothing was streamed: stop the timer too, and give back what is held
          throw error;
        }
        handedOff = true;
        // The variation's headers and Vary too (Content-Language, the flags' Vary): the parts are its answer.
        const { variation } = admitted;
        const varied: Record<string, string> = variation.vary.length ? { vary: joinVary(...variation.vary) } : {};
        return { status: reply.status, headers: withVary({ ...reply.headers, ...admitted.headers, ...variation.headers, ...varied, 'cache-control': NO_STORE }, edge), body: reply.body };
      }

      // Respond, whole: from the response cache, or executed within the deadline.
      const deadline = Deadline.after(deadlineMs, exchange.signal);
      let answer;
      try {
        answer = await respond(admitted, { ...facts, deadline });
      } finally {
        deadline.dispose(); // the answer is computed: stop the request's timer now
      }

      // Deliver
      if (answer.result) return errorReply(answer.result, { ...admitted.headers, ...admitted.variation.headers });
      if (socket) return { status: 200, headers: {}, result: JSON.parse(answer.representation.body) as ExecutionResult };
      const { variation } = admitted;
      const delivered = deliver(method, headers, mediaType ?? 'application/json', answer.representation, variation.vary.length ? { ...delivery, vary: [...delivery.vary, ...variation.vary] } : delivery);
      return { status: delivered.status, headers: withVary({ ...delivered.headers, ...admitted.headers, ...answer.representation.headers }, edge), body: delivered.body };
    } catch (error) {
      // A bug of ours, not the request's: masked and logged like any failure (500), and the
      // server keeps serving.
      return errorReply(execute.failed(error));
    } finally {
      if (!handedOff) release();
    }

    /** A refusal on the request's headers, before anything was taken. */
    function early(refusal: EarlyRefusal): Reply {
      observation.noteCode(refusal.code);
      if (socket) return { status: refusal.status, headers: {}, result: JSON.parse(refusal.body) as ExecutionResult };
      const refusedHeaders = { ...refusal.headers, 'content-length': String(Buffer.byteLength(refusal.body)), 'cache-control': NO_STORE };
      return { status: refusal.status, headers: withVary(refusedHeaders, edge), body: method === 'HEAD' ? undefined : refusal.body };
    }

    /** A result with errors, from any step: by GraphQL over HTTP's status rules, never stored. */
    function errorReply(result: ExecutionResult, answerHeaders: Record<string, string> = {}): Reply {
      observation.noteResult(result);
      if (socket) return { status: resultReply(result, 'application/json').status, headers: {}, result };
      const reply = mediaType ? resultReply(result, mediaType) : partsReply(result, streamed!);
      const out = { status: reply.status, headers: withVary({ ...reply.headers, ...answerHeaders, 'cache-control': NO_STORE }, edge), body: reply.body };
      return method === 'HEAD' ? { ...out, body: undefined } : out;
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

/**
 * What is refused on the request's headers alone, before a slot is taken or a byte of the body
 * read: a declared body over the limit (413, and the connection closes rather than drain it);
 * an `Accept` nothing is answered in (406); a method (405) or a body type (415) not served.
 */
function refusedOnHeaders({ method, headers }: Exchange, answerType: RegularMediaType | StreamedMediaType | undefined, maxBodyBytes: number): EarlyRefusal | undefined {
  const tooLarge = refuseLargeBody(headers.get('content-length'), maxBodyBytes);
  if (tooLarge) return tooLarge;
  if (answerType === undefined) {
    return refusedEarly('NOT_ACCEPTABLE', 'Accept application/graphql-response+json or application/json.', { accept: 'application/graphql-response+json; charset=utf-8, application/json; charset=utf-8' });
  }
  if (method !== 'GET' && method !== 'HEAD' && method !== 'POST') return refusedEarly('METHOD_NOT_ALLOWED', `${method.slice(0, 20)} is not served; use GET, HEAD or POST.`, { allow: 'GET, HEAD, POST' });
  if (method === 'POST' && !readsBodyOf(headers.get('content-type'))) {
    return refusedEarly('UNSUPPORTED_MEDIA_TYPE', `A POST body of type ${JSON.stringify((headers.get('content-type') ?? 'none').slice(0, 100))} is not read here; send application/json.`);
  }
  return undefined;
}

function refusedEarly(code: 'NOT_ACCEPTABLE' | 'METHOD_NOT_ALLOWED' | 'UNSUPPORTED_MEDIA_TYPE', message: string, headers: Record<string, string> = {}): EarlyRefusal {
  const reply = refusal(code, message, headers);
  return { code, status: reply.status, headers: reply.headers, body: reply.body as string };
}

/** What the screening stages see as the parameters: none yet, as they are read after it. */
const NO_PARAMS: Params = Object.freeze({}) as Params;

/** The parameters: a GET's or HEAD's from its query string, a POST's from its body, read within the limit. */
async function paramsOf(exchange: Exchange, maxBodyBytes: number): Promise<Params> {
  if (exchange.method !== 'POST') return paramsOfQueryString(exchange.search);
  refuseParamsInPostUrl(exchange.search);
  const body = await exchange.readBody(maxBodyBytes);
  if (body === undefined) throw new BodyTooLarge();
  return paramsOfBody(exchange.headers.get('content-type'), body);
}

/** A body with no declared length that passed the limit as it streamed: the rest is never read, and the connection closes. */
class BodyTooLarge extends Error {}

/**
 * Why the parameters could not be read, as a result: the parameter's own refusal (400), a body
 * over the limit (413, and the connection closes rather than read the rest), or a body that broke
 * off (the client is gone, or its stream failed: 400, which only a live client reads).
 */
function unreadable(error: unknown, maxBodyBytes: number): ExecutionResult {
  if (error instanceof BodyTooLarge) {
    return { errors: [concierge('REQUEST_TOO_LARGE', `The request body is over ${maxBodyBytes} bytes; this BFF reads at most ${maxBodyBytes}.`, { max: maxBodyBytes }, { headers: { connection: 'close' } })] };
  }
  if (error instanceof GraphQLError && error.extensions.code) return { errors: [error] };
  return { errors: [concierge('BAD_REQUEST', 'The request body broke off before its end.')] };
}
