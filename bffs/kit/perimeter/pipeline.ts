import { GraphQLError, type ExecutionResult } from 'graphql';
import type { TrustedDocument } from '../contracts/document-catalog.ts';
import type { ClientVersionView } from '../contracts/gates.ts';
import type { ReadyOperation } from '../execution/operations.ts';
import type { RequestHeaders } from '../core/headers.ts';
import type { Viewer } from '../core/viewer.ts';
import { emptyVariation, type Variation } from '../core/variation.ts';
import type { UsageLabels } from '../contracts/usage.ts';
import type { RequestObservation } from '../observability/request-observation.ts';

/**
 * A request as the perimeter sees it, the same whichever transport read it: the fast lane
 * (node:http) or yoga (fetch API, GET, other media types, GraphiQL).
 */
export interface PerimeterRequest {
  method: string;
  headers: RequestHeaders;
  /** The client's address as the socket saw it. */
  peer: string;
  /**
   * The GraphQL parameters as sent: a parsed JSON body, or GET's query string. Empty while the
   * screening stages run: they are read after them, so a screened-out request's are never read.
   */
  params: Record<string, unknown>;
  /** What the request did, for its metrics, access line and span (observability/). */
  observation?: RequestObservation;
}

/** What the stages have established so far; each stage reads what earlier ones set. */
export interface Passage {
  request: PerimeterRequest;
  /** client-address.ts: what the address budget is kept for. */
  clientAddress?: string;
  /** in-flight.ts: whose in-flight slot this request holds, per cap (a slot taken in screening is not taken again). */
  slots?: { viewer?: string; ip?: string };
  /** params.ts */
  query?: string;
  documentId?: string;
  operationName?: string;
  variables?: Record<string, unknown>;
  /** trusted-documents.ts: the text to run, and whether it came from the catalog (which releases ship it). */
  text?: string;
  trusted?: boolean;
  document?: TrustedDocument;
  /** document.ts */
  operation?: ReadyOperation;
  /** client-version.ts: the version gating uses. */
  clientVersion?: ClientVersionView;
  /** client-version.ts: the bounded version and operation labels of metrics and logs (contracts/usage.ts). */
  usageLabels?: UsageLabels;
  /** authentication.ts */
  viewer?: Viewer;
  /** Headers every answer to this request carries (RateLimit, RateLimit-Policy, a wing's Content-Language). */
  headers: Record<string, string>;
  /** What the wings' variation stages say shapes the answer (core/variation.ts): the locale, the flag variants. */
  variation: Variation;
  /**
   * A stage that takes something for as long as the request is in flight (an in-flight slot,
   * stages/in-flight.ts) holds it here; `release()` gives back everything held, once.
   */
  hold(release: () => void): void;
  /**
   * Gives back what the stages hold. The perimeter calls it on a refusal; on an admission the
   * transport calls it when the answer is out (each exactly where it releases the load shedder).
   */
  release(): void;
}

/** A fresh passage for a request: nothing established, nothing held. */
export function passageOf(request: PerimeterRequest): Passage {
  let held: (() => void)[] | undefined;
  return {
    request,
    headers: {},
    variation: emptyVariation(),
    hold: (release) => void (held ??= []).push(release),
    release: () => {
      if (!held) return;
      const releasing = held;
      held = undefined;
      for (const release of releasing) release();
    },
  };
}

/** A request the perimeter let in: what the executor runs. */
export type Admitted = Passage & { operation: ReadyOperation; viewer: Viewer; clientVersion: ClientVersionView };

/**
 * One step of the perimeter. It reads and extends the passage, or refuses the request by
 * throwing catalog errors (a GraphQLError from `concierge()`, or a `Refusal` of several).
 * Synchronous stages return nothing, so they cost no promise.
 */
export type Stage = (passage: Passage) => void | Promise<void>;

/**
 * A stage that needs only the request's method, headers and peer, and answers at once: it runs
 * before the parameters are read (`Perimeter.screen`), so a request it refuses costs no body read,
 * no JSON parse and no document look-up. The in-flight caps (and the wings' CSRF check, the
 * origin) are screening stages.
 */
export type ScreenStage = (passage: Passage) => void;

/** Several errors at once (a document's validation errors). */
export class Refusal {
  constructor(readonly errors: readonly GraphQLError[]) {}
}

export type Verdict = { admitted: Admitted; refused?: undefined } | { refused: ExecutionResult; admitted?: undefined };

export type Screened = { passage: Passage; refused?: undefined } | { refused: ExecutionResult; passage?: undefined };

/**
 * The perimeter: the client's stages, in order, run by both transports on every GraphQL request,
 * in two steps:
 *  - `screen(request)`, on the request's headers alone, before its parameters are read: the
 *    screening stages (synchronous, ScreenStage), whose refusal costs no body read or parse;
 *  - `admit(passage)`, once the parameters are read into `passage.request.params`: the rest.
 * A refusal is a result like any other (errors with `extensions.http`), so both transports send
 * it through the same status and serialisation rules as an executed one. A refused request holds
 * nothing; an admitted one holds its slots until `release()` (the lifecycle's, once its answer is out).
 */
export function createPerimeter(stages: readonly Stage[], screening: readonly ScreenStage[] = []) {
  function screen(request: PerimeterRequest): Screened {
    const passage = passageOf(request);
    try {
      for (const stage of screening) stage(passage);
    } catch (error) {
      passage.release();
      return { refused: refusalOf(error, passage) };
    }
    return { passage };
  }

  async function admit(passage: Passage): Promise<Verdict> {
    try {
      const pending = runStages(stages, passage);
      if (pending) await pending;
    } catch (error) {
      passage.release(); // a refused request holds nothing
      return { refused: refusalOf(error, passage) };
    }
    if (!passage.operation || !passage.viewer || !passage.clientVersion) {
      passage.release();
      throw new Error('the perimeter admitted a request without an operation, a version and a viewer: a stage is missing');
    }
    passage.request.observation?.noteAdmitted(passage as Admitted);
    return { admitted: passage as Admitted };
  }

  return { screen, admit };
}

export type Perimeter = ReturnType<typeof createPerimeter>;

/**
 * A few stages run on a request that is not GraphQL (a wing's routes, wing.ts): the same stage code,
 * the same refusals, without an operation or a viewer to establish. `headers` are what the
 * stages set for the answer (RateLimit).
 */
export function createGate(stages: readonly Stage[]) {
  return async function pass(request: PerimeterRequest): Promise<GateVerdict> {
    const passage = passageOf(request);
    try {
      const pending = runStages(stages, passage);
      if (pending) await pending;
    } catch (error) {
      passage.release();
      if (error instanceof GraphQLError && error.extensions?.http) return { refused: { errors: [error] }, headers: passage.headers };
      throw error;
    }
    passage.release(); // a gate holds nothing past itself: there is no answer of its own to wait for
    return { headers: passage.headers, viewer: passage.viewer, clientAddress: passage.clientAddress };
  };
}

/** A gate's verdict: a refusal, or the headers its stages set and what they established (a handshake's viewer and address). */
export interface GateVerdict {
  refused?: ExecutionResult;
  headers: Record<string, string>;
  viewer?: Viewer;
  clientAddress?: string;
}

export type Gate = ReturnType<typeof createGate>;

/** The stages in order, synchronously until one returns a promise: a synchronous one costs none. */
function runStages(stages: readonly Stage[], passage: Passage, from = 0): void | Promise<void> {
  for (let i = from; i < stages.length; i++) {
    const pending = stages[i]!(passage);
    if (pending) return pending.then(() => runStages(stages, passage, i + 1));
  }
}

/** A stage's refusal as a result; anything else is a bug, thrown on. */
function refusalOf(error: unknown, passage: Passage): ExecutionResult {
  if (error instanceof Refusal) return { errors: [...error.errors], extensions: httpOf(passage) };
  if (error instanceof GraphQLError && error.extensions?.http) return { errors: [error], extensions: httpOf(passage) };
  throw error;
}

/** A refusal carries the headers the stages before it set (the budget left, say). */
function httpOf(passage: Passage): ExecutionResult['extensions'] {
  return Object.keys(passage.headers).length ? { http: { headers: passage.headers } } : undefined;
}
