import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { ExecutionResult } from 'graphql';
import type { Answer } from './respond.ts';
import { processRegularResult } from 'graphql-yoga';
import { getCORSHeadersByRequestAndOptions } from '@whatwg-node/server';
import { refuseLargeBody, type EarlyRefusal } from '../perimeter/body-size.ts';
import { VARY_ORIGIN, type CorsPolicy } from '../perimeter/cors.ts';
import type { LoadShedder } from '../perimeter/load-shedding.ts';
import type { Admitted, Perimeter } from '../perimeter/pipeline.ts';
import { requestIdFrom } from '../perimeter/request-id.ts';
import { Deadline } from '../resilience/deadline.ts';
import type { RequestHeaders } from '../core/headers.ts';
import type { NodeListener } from '../core/node-listener.ts';
import type { Executor } from './execute.ts';
import { deliver, withVary, type DeliveryPolicy } from './deliver.ts';
import type { Responder } from './respond.ts';
import { NO_STORE } from '../caching/http-cache.ts';
import { acceptsIncremental } from './incremental.ts';
import { acceptedMediaType, type RegularMediaType } from './media-types.ts';
import type { Observer } from '../observability/observer.ts';
import type { RequestObservation } from '../observability/request-observation.ts';
import type { ObservedServerContext } from '../observability/yoga-observation.ts';

export interface FastLaneOptions {
  endpoint: string;
  shedder: LoadShedder;
  deadlineMs: number;
  /** The client's perimeter (perimeter/pipeline.ts), the same one yoga's plugin runs. */
  perimeter: Perimeter;
  /** The same executor yoga's plugin runs (execute.ts), for what fails outside it. */
  execute: Executor;
  /** The same responder (respond.ts): the response cache, then the executor. */
  respond: Responder;
  /** How a successful answer goes on the wire (deliver.ts): cache headers, 304, compression. */
  delivery: DeliveryPolicy;
  cors: CorsPolicy;
  maxBodyBytes: number;
  /** The same observer as yoga's path (observability/): each request's metrics, access line and span. */
  observer: Observer;
  /** yoga on node:http, for every request the lane does not take. */
  yoga: NodeListener;
  /** yoga's fetch, for a request the lane has read but leaves to yoga (a body that is not JSON); it carries the lane's observation. */
  yogaFetch: (url: string, init: { method: string; headers: [string, string][]; body: Buffer | undefined; signal: AbortSignal }, context: ObservedServerContext) => Promise<Response>;
}

/**
 * The fast lane: `POST /graphql` with a JSON body, and `GET`/`HEAD /graphql?documentId=…` (the
 * cacheable form: a response-cache hit or a 304 should cost the least), straight from node:http through the perimeter
 * to the graphql-jit compiled operation and back, without yoga's fetch-API adapter and envelop's
 * hook layers. The benchmark found those layers cost as much CPU per MobileHome as everything
 * else together (bench/RESULTS.md).
 *
 * It is only a transport: the perimeter, the executor, the CORS policy and the status and
 * serialisation rules are the ones yoga's path runs (yoga-perimeter.ts), so every rule holds on
 * both paths because it exists once. What it leaves to yoga:
 * - decided on headers alone: another method, path, content type or `Accept` (multipart/mixed
 *   and SSE among them: yoga streams `@defer`'s parts), and a body that is chunked or compressed,
 *   goes to yoga untouched (CORS preflights too);
 * - decided on the body: a body that is not one JSON object (broken JSON, a batch), or a GET whose
 *   `variables` or `extensions` are not JSON, is replayed to yoga with the bytes already read, so
 *   yoga refuses it in its words and our codes.
 * test/bffs/fast-lane.test.ts holds the two paths to the same status, headers and body, and
 * test/caching/http-cache.test.ts runs its cache assertions on both.
 */
export function createFastLane(options: FastLaneOptions): NodeListener {
  const { endpoint, shedder, deadlineMs, perimeter, execute, respond, delivery, cors, maxBodyBytes, observer, yoga, yogaFetch } = options;

  /**
   * Answers one request the lane took; the shedder's count, and the in-flight slots the perimeter
   * holds for an admitted request, are released exactly once, here, when the answer is out.
   * `params` undefined: the lane cannot read them (a body that is not one JSON object, a GET's
   * malformed JSON), so yoga answers, from the bytes already read.
   */
  async function answer(req: IncomingMessage, res: ServerResponse, headers: RequestHeaders, mediaType: RegularMediaType, reply: ReplyHeaders, params: Record<string, unknown> | undefined, body: Buffer | undefined, observation: RequestObservation): Promise<void> {
    let counted = true;
    let admitted: Admitted | undefined;
    const method = req.method!;
    try {
      if (params === undefined) {
        counted = false;
        shedder.release(); // yoga counts it again, on its own path
        return await replay(req, res, body, observation);
      }
      const verdict = await perimeter({ method, headers, peer: req.socket.remoteAddress ?? 'unknown', params, observation });
      if (verdict.refused) return await send(res, mediaType, reply, verdict.refused, JSON.stringify, observation);
      admitted = verdict.admitted;
      const deadline = Deadline.after(deadlineMs);
      // 'close' before the response has gone out: the client hung up, so its calls are cancelled
      // and never counted against a service.
      res.once('close', () => {
        if (!res.writableFinished) deadline.clientLeft();
      });
      let answer: Answer;
      try {
        answer = await respond(admitted, { headers, requestId: reply['x-request-id'], deadline, observation });
      } finally {
        deadline.dispose(); // the answer is computed: stop the request's timer now
      }
      if (answer.result) return await send(res, mediaType, { ...reply, ...admitted.headers }, answer.result, JSON.stringify, observation);
      const delivered = deliver(method, headers, mediaType, answer.representation, delivery);
      res.writeHead(delivered.status, withVary({ ...delivered.headers, ...admitted.headers }, reply));
      res.end(delivered.body);
    } catch (error) {
      // A bug of ours, not the request's: answer like yoga would (500, masked), keep serving.
      if (res.headersSent) res.destroy();
      else await send(res, mediaType, reply, execute.failed(error), JSON.stringify, observation).catch(() => res.destroy());
    } finally {
      if (counted) shedder.release();
      admitted?.release();
    }
  }

  /** A result with errors, a refusal or a failure: never stored by anyone (`no-store`). */
  async function send(res: ServerResponse, mediaType: RegularMediaType, reply: Record<string, string>, result: ExecutionResult, stringify: (r: ExecutionResult) => string, observation: RequestObservation): Promise<void> {
    reply = { ...reply, 'cache-control': NO_STORE };
    observation.noteResult(result);
    if (!result.errors?.length && !result.extensions) {
      const body = stringify(result);
      res.writeHead(200, { 'content-type': `${mediaType}; charset=utf-8`, 'content-length': Buffer.byteLength(body), ...reply });
      res.end(body);
      return;
    }
    // yoga's own status, header and serialisation rules, with yoga's functions, handed a plain
    // response: under a burst refused at the perimeter (429 TOO_MANY_IN_FLIGHT) this is the hot
    // path, and a fetch Response and its Headers cost as much again as the rest of a refusal.
    const response = processRegularResult(result, { Response: PlainResponse } as never, mediaType) as unknown as PlainResponse;
    const text = response.body ?? '';
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(response.init.headers ?? {})) headers[name.toLowerCase()] = value;
    headers['content-length'] = String(Buffer.byteLength(text));
    res.writeHead(response.init.status ?? 200, { ...headers, ...reply });
    res.end(text);
  }

  async function replay(req: IncomingMessage, res: ServerResponse, body: Buffer | undefined, observation: RequestObservation): Promise<void> {
    const headers: [string, string][] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
    // yoga's node adapter aborts the request's signal when the client hangs up; a replayed request
    // must too, or its downstream calls would run to the deadline and count against the services.
    const clientGone = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) clientGone.abort();
    });
    const url = `http://${req.headers.host ?? 'localhost'}${req.url}`;
    const response = await yogaFetch(url, { method: req.method!, headers, body, signal: clientGone.signal }, { observation });
    const bytes = Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(bytes);
  }

  function refuseEarly(req: IncomingMessage, res: ServerResponse, refused: EarlyRefusal, reply: ReplyHeaders, observation: RequestObservation): void {
    observation.noteCode(refused.code);
    // A body refused for its size is never read: its answer closes the connection instead.
    if (refused.headers.connection !== 'close') req.resume();
    res.writeHead(refused.status, { ...refused.headers, 'content-length': Buffer.byteLength(refused.body), 'cache-control': NO_STORE, ...reply });
    res.end(refused.body);
  }

  return function fastLane(req, res) {
    const lane = laneRequest(req, endpoint);
    if (lane === undefined) return yoga(req, res);

    const headers = headerView(req.headers); // one view per request: the reply, the observation, the perimeter and the context read it
    const reply = replyHeaders(req, headers, cors);
    const observation = observer.begin(req.method!, endpoint, headers, reply['x-request-id']);
    // 'close' comes once the answer is out, or when the client left first (499, as nginx logs it).
    res.once('close', () => observer.end(observation, res.writableFinished ? res.statusCode : 499));
    const tooLarge = refuseLargeBody(req.headers['content-length'], maxBodyBytes);
    if (tooLarge) return refuseEarly(req, res, tooLarge, reply, observation);
    const shed = shedder.admit();
    if (shed) return refuseEarly(req, res, shed, reply, observation);
    // GET and HEAD carry their parameters in the query string: nothing to read.
    if (lane.query !== undefined) return void answer(req, res, headers, lane.mediaType, reply, paramsOfQueryString(lane.query), undefined, observation);
    readBody(req).then(
      (body) => answer(req, res, headers, lane.mediaType, reply, paramsOf(body), body, observation),
      () => {
        shedder.release();
        res.destroy(); // the client broke off the body: nobody to answer
      },
    );
  };
}

/** What yoga's result processor is given to build its answer with: its body and init, kept as they are. */
class PlainResponse {
  constructor(
    readonly body: string | null,
    readonly init: { status?: number; headers?: Record<string, string> },
  ) {}
}

/** Headers every answer of the lane carries: the request id, and yoga's CORS headers when asked. */
type ReplyHeaders = Record<string, string> & { 'x-request-id': string };

function replyHeaders(req: IncomingMessage, headers: RequestHeaders, cors: CorsPolicy): ReplyHeaders {
  const reply = { 'x-request-id': requestIdFrom(headerValue(req.headers['x-request-id'])) };
  if (req.headers.origin === undefined) return reply;
  // The same function and the same options as yoga's CORS plugin (create-bff passes cors.options).
  const corsHeaders = getCORSHeadersByRequestAndOptions({ headers } as Request, cors.options(headers)) ?? {};
  return { ...corsHeaders, vary: VARY_ORIGIN, ...reply };
}

/**
 * What the lane takes, and the media type the answer will have: a POST with a JSON body of a
 * declared length, or a GET or HEAD with its parameters in the query string (the cacheable form,
 * `?documentId=…`) and no body. Anything else is yoga's.
 */
function laneRequest(req: IncomingMessage, endpoint: string): { mediaType: RegularMediaType; query?: string } | undefined {
  const { headers, method, url } = req;
  if (url === undefined) return undefined;
  const queryAt = url.indexOf('?');
  if ((queryAt === -1 ? url : url.slice(0, queryAt)) !== endpoint) return undefined;
  // A client that takes multipart/mixed or SSE may be asking for deferred parts: yoga streams them.
  if (acceptsIncremental(headers.accept)) return undefined;
  if (method === 'GET' || method === 'HEAD') {
    // A browser opening the endpoint (GraphiQL's page) is yoga's; so is a GET with a body, which
    // no cache would treat as the same request.
    if (headers.accept?.includes('text/html')) return undefined;
    if (headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0')) return undefined;
    const mediaType = acceptedMediaType(headers.accept);
    return mediaType && { mediaType, query: queryAt === -1 ? '' : url.slice(queryAt + 1) };
  }
  if (method !== 'POST' || queryAt !== -1) return undefined;
  const contentType = headers['content-type']?.split(',')[0];
  if (contentType !== 'application/json' && !contentType?.startsWith('application/json;')) return undefined;
  // A declared length, as it arrives: a chunked or compressed body is yoga's to read (it
  // decompresses and counts it as it streams).
  const length = headers['content-length'];
  if (length === undefined || !/^\d{1,12}$/.test(length)) return undefined;
  if (headers['content-encoding'] !== undefined && headers['content-encoding'] !== 'identity') return undefined;
  const mediaType = acceptedMediaType(headers.accept);
  return mediaType && { mediaType };
}

/**
 * A GET's parameters, read as yoga's GET parser reads them (query, operationName, variables and
 * extensions as JSON), and every other one as it is (`documentId`, and any unknown one, for the
 * perimeter to refuse as it refuses one in a POST body); undefined when a JSON one is malformed,
 * for yoga to refuse. A repeated name counts once, its first value, as `URLSearchParams.get`.
 */
function paramsOfQueryString(query: string): Record<string, unknown> | undefined {
  const params: Record<string, unknown> = {};
  for (const [name, value] of new URLSearchParams(query)) {
    if (name in params) continue;
    if (name !== 'variables' && name !== 'extensions') {
      params[name] = value;
      continue;
    }
    try {
      params[name] = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  return params;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** The body as one JSON object, or undefined to leave it to yoga (broken JSON, a batch). */
function paramsOf(body: Buffer): Record<string, unknown> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}

/** node's headers (already lower-cased) read like fetch `Headers`, which the context expects. */
function headerView(headers: IncomingHttpHeaders): RequestHeaders {
  return { get: (name) => headerValue(headers[name.toLowerCase()]) };
}
