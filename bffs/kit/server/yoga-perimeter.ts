import type { IncomingMessage } from 'node:http';
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { refuseLargeBody } from '../perimeter/body-size.ts';
import { VARY_ORIGIN } from '../perimeter/cors.ts';
import type { Admitted, Perimeter } from '../perimeter/pipeline.ts';
import { requestId } from '../perimeter/request-id.ts';
import { Deadline } from '../resilience/deadline.ts';
import { concierge, ERRORS, type ErrorCode } from '../errors.ts';
import type { Executor } from './execute.ts';
import { deliver, joinVary, type DeliveryPolicy } from './deliver.ts';
import type { Representation, Responder } from './respond.ts';
import { NO_STORE } from '../caching/http-cache.ts';
import { acceptsIncremental } from './incremental.ts';
import { acceptedMediaType } from './media-types.ts';
import { normalizeYogaErrors } from './yoga-errors.ts';
import { observationOf } from '../observability/yoga-observation.ts';

export interface YogaPerimeterOptions {
  endpoint: string;
  perimeter: Perimeter;
  execute: Executor;
  /** The same responder as the lane's (respond.ts): the response cache, then the executor. */
  respond: Responder;
  /** deliver.ts: cache headers, 304, compression, the same as the lane's. */
  delivery: DeliveryPolicy;
  maxBodyBytes: number;
  deadlineMs: number;
  /** yoga itself, for a HEAD to be answered by the GET it stands for. */
  serveSelf: (request: Request, context: object) => Response | Promise<Response>;
  /** Paths yoga serves besides the endpoint (health, readiness). */
  otherRoutes: readonly string[];
}

/**
 * The one yoga plugin of the perimeter: it runs the same pipeline as the fast lane and the same
 * executor, so yoga's path (GET, other media types, GraphiQL's requests, replays from the lane)
 * differs from the lane only in how it reads the request. Yoga keeps what it is good at: reading
 * GET, JSON, form and multipart requests, content negotiation and serialisation; its own parse,
 * validation and execution hooks are never reached (`setParamsHandler`).
 *
 * It also gives yoga's own refusals (415, 406, 404, its parameter errors) catalog codes and bodies.
 */
export function usePerimeter({ endpoint, perimeter, execute, respond, delivery, serveSelf, maxBodyBytes, deadlineMs, otherRoutes }: YogaPerimeterOptions): Plugin {
  const served = new Set([endpoint, ...otherRoutes]);
  /** The admitted request's headers (RateLimit), for answers streamed in parts. */
  const streamedHeaders = new WeakMap<Request, Record<string, string>>();
  /** The admitted request, whose in-flight slots are given back when its response is out. */
  const admittedOf = new WeakMap<Request, Admitted>();
  /** A successful answer, serialised, for the result processor to deliver (deliver.ts). */
  const delivered = new WeakMap<Request, { representation: Representation; headers: Record<string, string> }>();
  return {
    async onRequest({ request, url, endResponse, fetchAPI, serverContext }) {
      // yoga serves its endpoint with a trailing slash too.
      const path = url.pathname.length > 1 ? url.pathname.replace(/\/$/, '') : url.pathname;
      if (!served.has(path)) return endResponse(refusal(fetchAPI, 'ROUTE_NOT_FOUND', `Nothing is served at ${url.pathname.slice(0, 100)}.`));
      if (path !== endpoint) return;
      // HEAD is a GET without the body (RFC 9110 9.3.2); yoga serves GET and POST only, so a HEAD
      // is answered by the GET it stands for, the same headers and status, and no body.
      if (request.method === 'HEAD') {
        // The GET is this request, observed once: it carries the HEAD's observation.
        const response = await serveSelf(new fetchAPI.Request(request.url, { method: 'GET', headers: request.headers, signal: request.signal }), { ...serverContext, observation: observationOf(request) });
        await response.body?.cancel();
        return endResponse(new fetchAPI.Response(null, { status: response.status, headers: response.headers }));
      }
      const tooLarge = refuseLargeBody(request.headers.get('content-length'), maxBodyBytes);
      if (tooLarge) endResponse(new fetchAPI.Response(tooLarge.body, tooLarge));
    },
    onRequestParse({ request, requestParser, setRequestParser, url, fetchAPI, endResponse }) {
      if (!url.pathname.startsWith(endpoint)) return;
      // Refused before the pipeline runs, so a request nobody can read the answer to executes nothing.
      const accept = request.headers.get('accept');
      if (acceptedMediaType(accept ?? undefined) === undefined && !acceptsIncremental(accept)) return endResponse(notAcceptable(fetchAPI));
      if (requestParser) {
        // yoga's GET and form parsers JSON.parse `variables` and `extensions` themselves and let a
        // SyntaxError through (a 500); it is the client's malformed parameter, so 400 BAD_REQUEST.
        setRequestParser(async (req) => {
          try {
            return await requestParser(req);
          } catch (error) {
            if (error instanceof SyntaxError) throw concierge('BAD_REQUEST', '"variables" and "extensions" must be JSON maps.');
            throw error;
          }
        });
        return;
      }
      if (request.method === 'POST') endResponse(refusal(fetchAPI, 'UNSUPPORTED_MEDIA_TYPE', `A POST body of type ${JSON.stringify(request.headers.get('content-type') ?? 'none')} is not read here; send application/json.`));
      else endResponse(refusal(fetchAPI, 'METHOD_NOT_ALLOWED', `${request.method} is not served; use GET, HEAD or POST.`, { allow: 'GET, HEAD, POST' }));
    },
    async onParams({ params, request, setParams, setResult, setParamsHandler, context }) {
      const observation = observationOf(request);
      const verdict = await perimeter({
        observation,
        method: request.method,
        headers: request.headers,
        peer: (context as { req?: IncomingMessage }).req?.socket.remoteAddress ?? 'unknown',
        params: request.method === 'GET' ? withQueryString(params as Record<string, unknown>, request.url) : (params as Record<string, unknown>),
      });
      if (verdict.refused) {
        setResult(verdict.refused);
        // yoga's own parameter checks run after this hook; the answer is decided, so give them
        // parameters they accept rather than let them answer again in their words.
        setParams({ query: '' });
        return;
      }
      const admitted = verdict.admitted;
      admittedOf.set(request, admitted);
      setParams({ query: admitted.text, variables: admitted.variables, operationName: admitted.operationName });
      if (admitted.operation.deferred && acceptsIncremental(request.headers.get('accept'))) {
        // Parts as they come (multipart/mixed or SSE): the deadline lasts until the last part.
        streamedHeaders.set(request, admitted.headers);
        setParamsHandler(() => {
          // The parts outlive the response's start: the slots come back after the last one instead.
          admittedOf.delete(request);
          const deadline = Deadline.after(deadlineMs, request.signal);
          return execute.streaming(admitted, { headers: request.headers, requestId: requestId(request), deadline, observation }, () => {
            deadline.dispose();
            admitted.release();
          });
        });
        return;
      }
      setParamsHandler(async () => {
        const deadline = Deadline.after(deadlineMs, request.signal);
        try {
          const answer = await respond(admitted, { headers: request.headers, requestId: requestId(request), deadline, observation });
          if (answer.result) return withHeaders(answer.result, admitted.headers);
          delivered.set(request, { representation: answer.representation, headers: admitted.headers });
          return { data: null }; // a stand-in: onResultProcess delivers the representation
        } finally {
          deadline.dispose(); // the answer is computed: stop the timer now rather than when it would fire
        }
      });
    },
    onResponse({ request, response }) {
      // Where yoga's load shedding releases its count too: the answer is out, so the viewer's and
      // the address's slots come back (parts streamed give theirs back after the last part).
      admittedOf.get(request)?.release();
      admittedOf.delete(request);
      // A streamed answer has no single result to carry them in extensions.http.
      for (const [name, value] of Object.entries(streamedHeaders.get(request) ?? {})) response.headers.set(name, value);
      // As the fast lane does: the answer depends on the Origin (cors.ts).
      if (request.headers.has('origin')) {
        const vary = response.headers.get('vary');
        response.headers.set('vary', vary ? joinVary(VARY_ORIGIN, vary) : VARY_ORIGIN);
      }
      // Whatever the endpoint answers without a policy of its own (a refusal, an error, parts
      // streamed) is never stored.
      if (new URL(request.url).pathname.startsWith(endpoint) && !response.headers.has('cache-control')) response.headers.set('cache-control', NO_STORE);
    },
    onResultProcess({ request, result, setResult, resultProcessor, setResultProcessor }) {
      const answer = delivered.get(request);
      if (answer) {
        const mediaType = acceptedMediaType(request.headers.get('accept') ?? undefined) ?? 'application/json';
        setResultProcessor((_, fetchAPI) => {
          const { status, headers, body } = deliver(request.method, request.headers, mediaType, answer.representation, delivery);
          return new fetchAPI.Response((body ?? null) as BodyInit | null, { status, headers: { ...headers, ...answer.headers } });
        }, mediaType);
        return;
      }
      if (!Array.isArray(result)) {
        const normalized = normalizeYogaErrors(result as ExecutionResult);
        if (normalized !== result) setResult(normalized);
        observationOf(request)?.noteResult(normalized);
      }
      if (!resultProcessor) {
        setResultProcessor((_, fetchAPI) => notAcceptable(fetchAPI), 'application/json');
      }
    },
  };
}

/** What yoga's GET parser reads from the query string; it drops every other parameter. */
const YOGA_GET_PARAMS = new Set(['query', 'variables', 'operationName', 'extensions']);

/**
 * A GET's parameters as the fast lane reads them: yoga's, plus every other one of the query
 * string as it is (`documentId`, and any unknown one, for the perimeter to refuse), the first
 * value of a repeated name.
 */
function withQueryString(params: Record<string, unknown>, url: string): Record<string, unknown> {
  const all = { ...params };
  for (const [name, value] of new URL(url).searchParams) {
    if (!YOGA_GET_PARAMS.has(name) && !(name in all)) all[name] = value;
  }
  return all;
}

/** The admitted request's headers (RateLimit), through yoga's `extensions.http`, which it strips. */
function withHeaders(result: ExecutionResult, headers: Record<string, string>): ExecutionResult {
  if (Object.keys(headers).length === 0) return result;
  const http = (result.extensions?.http ?? {}) as { headers?: Record<string, string> };
  return { ...result, extensions: { ...result.extensions, http: { ...http, headers: { ...headers, ...http.headers } } } };
}

const notAcceptable = (fetchAPI: { Response: typeof Response }) =>
  refusal(fetchAPI, 'NOT_ACCEPTABLE', 'Accept application/graphql-response+json or application/json.', { accept: 'application/graphql-response+json; charset=utf-8, application/json; charset=utf-8' });

function refusal(fetchAPI: { Response: typeof Response }, code: ErrorCode, message: string, headers: Record<string, string> = {}): Response {
  return new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
    status: ERRORS[code].status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}
