import type { ExecutionResult } from 'graphql';
import type { RequestHeaders } from '../core/headers.ts';
import type { RequestObservation } from '../observability/request-observation.ts';

/**
 * One request to the GraphQL endpoint as a transport hands it to the lifecycle (lifecycle.ts):
 * its I/O adapted, nothing of node:http or the fetch API left. Each transport makes one
 * (server/fast-lane.ts from node's request, server/yoga-lane.ts from a fetch Request).
 */
export interface Exchange {
  /** As sent: the lifecycle decides what it serves. */
  method: string;
  headers: RequestHeaders;
  /** The URL's query string without its `?`; '' when there is none. */
  search: string;
  /** The client's address as the socket saw it (the perimeter believes proxies only as configured). */
  peer: string;
  /** The request's id (perimeter/request-id.ts): the observation's, the logs', every downstream call's. */
  requestId: string;
  /**
   * The body's bytes as they arrive, at most `maxBytes` of them: `undefined` as soon as there
   * are more (the rest is never read). Called once at most, for a POST.
   */
  readBody(maxBytes: number): Promise<Uint8Array | undefined>;
  /** Aborts when the client goes away before its answer is out: its downstream calls are cancelled. */
  signal: AbortSignal;
  /** What the request did, for its metrics, access line and span; begun and ended by the transport. */
  observation: RequestObservation;
  /**
   * `results`: a transport that frames each result itself, a WebSocket's `next` messages
   * (server/socket-lane.ts). Its request is a message on a socket: its headers are the handshake's,
   * its parameters come read (`params`), and nothing is refused for `Accept` or a body type.
   */
  takes?: 'results';
  /** The parameters, already read from the transport's message (a socket's `subscribe`). */
  params?: Record<string, unknown>;
}

/** What a transport writes back: a status, headers, and a whole body or parts as they come. */
export interface Reply {
  status: number;
  headers: Record<string, string>;
  /** None for a 304, a 204 or a HEAD. A stream is `@defer`'s parts, multipart/mixed or SSE (parts.ts). */
  body?: string | Uint8Array | ReadableStream<Uint8Array>;
  /** To a transport that takes results: the one result (an answer, or a refusal with its status above)... */
  result?: ExecutionResult;
  /** ...or a subscription's results as they come, until the client stops it or it ends. */
  results?: AsyncIterableIterator<ExecutionResult>;
}
