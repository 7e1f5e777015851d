import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { ExecutionResult, GraphQLError, GraphQLSchema } from 'graphql';
import type { CompiledQuery } from 'graphql-jit';
import { processRegularResult } from 'graphql-yoga';
import { getCORSHeadersByRequestAndOptions } from '@whatwg-node/server';
import type { LoadShedder } from '../perimeter/load-shedding.ts';
import { requestIdFrom } from '../perimeter/request-id.ts';
import { Deadline } from '../resilience/deadline.ts';
import type { RequestFacts, RequestHeaders } from './context.ts';
import { acceptedMediaType, type RegularMediaType } from './media-types.ts';
import { createOperationCache } from './operations.ts';
import { CORS_OPTIONS } from './cors.ts';

export type NodeListener = (req: IncomingMessage, res: ServerResponse) => void;

export interface FastLaneOptions {
  schema: GraphQLSchema;
  endpoint: string;
  shedder: LoadShedder;
  deadlineMs: number;
  buildContext: (facts: RequestFacts) => Promise<object>;
  /** yoga's error masking, with its logging (see create-bff). */
  maskError: (error: unknown) => GraphQLError;
  /** The result to send instead of this one, or undefined (the critical-failure 503). */
  replaceResult: (result: ExecutionResult) => ExecutionResult | undefined;
  /** yoga on node:http, for every request the lane does not take. */
  yoga: NodeListener;
  /** yoga's fetch, for a request the lane has read but leaves to yoga (a broken document, say). */
  yogaFetch: (url: string, init: { method: string; headers: [string, string][]; body: Buffer; signal: AbortSignal }) => Promise<Response>;
}

interface Params {
  query: string;
  variables: Record<string, unknown> | undefined;
  operationName: string | undefined;
}

/**
 * The fast lane: `POST /graphql` with a JSON body, straight from node:http to the graphql-jit
 * compiled operation and back, without yoga's fetch-API adapter and envelop's hook layers. The
 * benchmark found those layers cost as much CPU per MobileHome as everything else together
 * (bench/RESULTS.md); this is what yoga does on that path, done once per request instead of
 * through a Request, a Response and a dozen promise hops.
 *
 * It keeps yoga's behaviour by doing only the plain case and leaving the rest to yoga itself:
 * - Decided on headers alone: another method, path, content type or `Accept`, and a body that
 *   is chunked, compressed or over yoga's size limit, goes to yoga untouched (CORS preflights
 *   too).
 * - Decided on the body: anything but `{query, variables?, operationName?, extensions?}`, and any
 *   document that does not parse, validate or name one query or mutation, is replayed to yoga
 *   with the bytes already read, so yoga answers it with its own errors and codes.
 * - What it does itself uses the same pieces as yoga's path: the context factory, the shedder,
 *   the request id, yoga's masking and yoga's `processRegularResult` for any result with errors.
 * test/bffs/fast-lane.test.ts holds the two paths to the same status, headers and body.
 */
export function createFastLane(options: FastLaneOptions): NodeListener {
  const { endpoint, shedder, deadlineMs, buildContext, maskError, replaceResult, yoga, yogaFetch } = options;
  const prepare = createOperationCache(options.schema);

  /** Answers one admitted request; the shedder's count is released exactly once, here. */
  async function answer(req: IncomingMessage, res: ServerResponse, mediaType: RegularMediaType, reply: ReplyHeaders, body: Buffer): Promise<void> {
    let counted = true;
    try {
      const params = paramsOf(body);
      const prepared = params ? prepare(params.query, params.operationName) : 'yoga';
      if (prepared === 'yoga') {
        counted = false;
        shedder.release(); // yoga counts it again, on its own path
        return await replay(req, res, body);
      }
      const result = await execute(req, res, reply['x-request-id'], prepared, params!);
      await send(res, mediaType, reply, result, prepared.stringify);
    } catch (error) {
      // A bug of ours, not the request's: answer like yoga would (500, masked), keep serving.
      if (res.headersSent) res.destroy();
      else await send(res, mediaType, reply, { errors: [error as GraphQLError] }, JSON.stringify).catch(() => res.destroy());
    } finally {
      if (counted) shedder.release();
    }
  }

  async function execute(req: IncomingMessage, res: ServerResponse, requestId: string, prepared: CompiledQuery, params: Params): Promise<ExecutionResult> {
    const deadline = Deadline.after(deadlineMs);
    // 'close' before the response has gone out: the client hung up, so its calls are cancelled
    // and never counted against a service.
    res.once('close', () => {
      if (!res.writableFinished) deadline.clientLeft();
    });
    try {
      const context = await buildContext({ headers: headerView(req.headers), requestId, deadline });
      return await prepared.query(undefined, context, params.variables ?? {});
    } catch (error) {
      return { errors: [error as GraphQLError] };
    } finally {
      // The answer is computed: stop the request's timer now rather than when it would fire.
      deadline.dispose();
    }
  }

  async function send(res: ServerResponse, mediaType: RegularMediaType, reply: ReplyHeaders, result: ExecutionResult, stringify: (r: ExecutionResult) => string): Promise<void> {
    if (!result.errors?.length && !result.extensions) {
      const body = stringify(result);
      res.writeHead(200, { 'content-type': `${mediaType}; charset=utf-8`, 'content-length': Buffer.byteLength(body), ...reply });
      res.end(body);
      return;
    }
    // Errors: the exact steps of yoga's path, with yoga's own functions (mask, then our result
    // hook, then yoga's status, header and serialisation rules). Not the hot path.
    const masked = result.errors ? { ...result, errors: result.errors.map(maskError) } : result;
    const response = processRegularResult(replaceResult(masked) ?? masked, { Response } as never, mediaType) as Response;
    const text = await response.text();
    const headers: Record<string, string> = Object.fromEntries(response.headers);
    headers['content-length'] = String(Buffer.byteLength(text));
    res.writeHead(response.status, { ...headers, ...reply });
    res.end(text);
  }

  async function replay(req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> {
    const headers: [string, string][] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
    // yoga's node adapter aborts the request's signal when the client hangs up; a replayed request
    // must too, or its downstream calls would run to the deadline and count against the services.
    const clientGone = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) clientGone.abort();
    });
    const url = `http://${req.headers.host ?? 'localhost'}${req.url}`;
    const response = await yogaFetch(url, { method: req.method!, headers, body, signal: clientGone.signal });
    const bytes = Buffer.from(await response.arrayBuffer());
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(bytes);
  }

  return function fastLane(req, res) {
    const mediaType = laneMediaType(req, endpoint);
    if (mediaType === undefined) return yoga(req, res);

    const reply = replyHeaders(req);
    const refused = shedder.admit();
    if (refused) {
      req.resume();
      res.writeHead(refused.status, { ...refused.headers, 'content-length': Buffer.byteLength(refused.body), ...reply });
      res.end(refused.body);
      return;
    }
    readBody(req).then(
      (body) => answer(req, res, mediaType, reply, body),
      () => {
        shedder.release();
        res.destroy(); // the client broke off the body: nobody to answer
      },
    );
  };
}

/** Headers every answer of the lane carries: the request id, and yoga's CORS headers when asked. */
type ReplyHeaders = Record<string, string> & { 'x-request-id': string };

function replyHeaders(req: IncomingMessage): ReplyHeaders {
  const reply = { 'x-request-id': requestIdFrom(headerValue(req.headers['x-request-id'])) };
  if (req.headers.origin === undefined) return reply;
  // The same function and options as yoga's CORS plugin (createYoga's default, `{}`).
  const cors = getCORSHeadersByRequestAndOptions({ headers: headerView(req.headers) } as Request, CORS_OPTIONS) ?? {};
  return { ...cors, ...reply };
}

/** yoga's default request body limit (useLimitRequestBodySize), which the lane keeps to. */
const MAX_BODY_BYTES = 25_000_000;

/** The media type the answer will have, when the request is one the lane takes. */
function laneMediaType(req: IncomingMessage, endpoint: string): RegularMediaType | undefined {
  if (req.method !== 'POST' || req.url !== endpoint) return undefined;
  const { headers } = req;
  const contentType = headers['content-type']?.split(',')[0];
  if (contentType !== 'application/json' && !contentType?.startsWith('application/json;')) return undefined;
  // A declared length within yoga's limit, as it arrives: a chunked, compressed or oversized body
  // is yoga's to read (it decompresses, counts and answers 413 by its own rules).
  const length = headers['content-length'];
  if (length === undefined || !/^\d{1,9}$/.test(length) || Number(length) > MAX_BODY_BYTES) return undefined;
  if (headers['content-encoding'] !== undefined && headers['content-encoding'] !== 'identity') return undefined;
  return acceptedMediaType(headers.accept);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

const PARAM_KEYS = new Set(['query', 'variables', 'operationName', 'extensions']);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The GraphQL params, when the body is the plain case; undefined sends it to yoga. */
function paramsOf(body: Buffer): Params | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isObject(parsed)) return undefined;
  const { query, variables, operationName, extensions } = parsed;
  for (const key in parsed) if (!PARAM_KEYS.has(key)) return undefined;
  if (typeof query !== 'string') return undefined;
  if (variables != null && !isObject(variables)) return undefined;
  if (operationName != null && (typeof operationName !== 'string' || operationName === '')) return undefined;
  // Extensions (a persisted-query hash, say) are yoga's business.
  if (extensions != null && !(isObject(extensions) && Object.keys(extensions).length === 0)) return undefined;
  return { query, variables: variables ?? undefined, operationName: operationName ?? undefined };
}

function headerValue(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(', ') : value;
}

/** node's headers (already lower-cased) read like fetch `Headers`, which the context expects. */
function headerView(headers: IncomingHttpHeaders): RequestHeaders {
  return { get: (name) => headerValue(headers[name.toLowerCase()]) };
}
