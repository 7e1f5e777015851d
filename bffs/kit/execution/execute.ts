import type { ExecutionResult, GraphQLError } from 'graphql';
import { isPromiseLike, mappedEvents } from '../core/mapped-events.ts';
import type { SchemaGates } from '../contracts/gates.ts';
import { filtersOutputs, withoutGatedOutputs } from '../contracts/gated-output.ts';
import type { ClientVersionView } from '../contracts/gates.ts';
import type { Viewer } from '../core/viewer.ts';
import type { Variation } from '../core/variation.ts';
import type { ReadyOperation } from './operations.ts';
import type { RequestFacts } from './context.ts';
import { isIncremental, type IncrementalResult, type SubsequentPayload } from './incremental.ts';
import type { ResultRules } from './result-rules.ts';
import { withStaleMarks, type RequestLastGood } from '../resilience/stale-if-error.ts';

export interface ExecutorOptions {
  buildContext: (facts: RequestFacts) => Promise<object> | object;
  /** result-rules.ts */
  applyRules: ResultRules;
  /** The schema's `@since` gates: what an older app is not sent. */
  gates: SchemaGates;
}

type Facts = Omit<RequestFacts, 'viewer' | 'client'>;

/**
 * What the executor runs: an operation let in for its viewer and app version, with its
 * variables (the perimeter's `Admitted` is one; execution knows nothing of how it was let in).
 */
export interface AdmittedOperation {
  operation: ReadyOperation;
  viewer: Viewer;
  clientVersion: ClientVersionView;
  variables?: Record<string, unknown>;
  /** What the wings say shapes the answer (core/variation.ts): its `context` goes to the resolvers. */
  variation?: Variation;
}

/** The request's stale-if-error side, on a context that has one (BffContext does). */
const lastGoodOf = (context: object) => (context as { lastGood?: RequestLastGood }).lastGood;

/**
 * Runs an admitted operation: the context for its viewer and app version, the compiled query
 * (graphql-jit, from operations.ts), what the app's version must not see taken out
 * (contracts/gated-output.ts), then the result rules. Both transports call it, so an admitted
 * request executes the same way whichever one read it.
 *
 * `execute` answers one result, a deferring operation included (compiled without its
 * directives). `execute.streaming` answers a deferring operation in parts, for a request that
 * takes multipart/mixed or SSE (request/parts.ts, incremental.ts). Each result, and each part, lists
 * in `extensions.stale` the fields it was given stale (stale-if-error.ts).
 */
export function createExecutor({ buildContext, applyRules, gates }: ExecutorOptions) {
  const contextFor = (admitted: AdmittedOperation, facts: Facts) => buildContext({ ...facts, viewer: admitted.viewer, client: admitted.clientVersion, wings: admitted.variation?.context });

  async function execute(admitted: AdmittedOperation, facts: Facts): Promise<ExecutionResult> {
    let result: ExecutionResult;
    try {
      const { operation, clientVersion } = admitted;
      const context = await contextFor(admitted, facts);
      result = await operation.compiled.query(undefined, context, admitted.variables ?? {});
      result = withoutGatedOutputs(result, operation.contract, clientVersion, gates);
      result = withStaleMarks(result, lastGoodOf(context));
    } catch (error) {
      result = { errors: [error as GraphQLError] };
    }
    return applyRules(result, facts.observation?.log);
  }

  /**
   * The parts as they come, each through the result rules. `done` is called once, after the last
   * part or when the client stopped reading: the request's deadline lasts until then. An app
   * whose version has outputs taken out gets the whole result instead, because the filter reads
   * whole results.
   */
  execute.streaming = async (admitted: AdmittedOperation, facts: Facts, done: () => void): Promise<ExecutionResult | IncrementalResult> => {
    const { deferred, contract } = admitted.operation;
    if (!deferred || filtersOutputs(contract, admitted.clientVersion)) {
      try {
        return await execute(admitted, facts);
      } finally {
        done();
      }
    }
    let result: ExecutionResult | IncrementalResult;
    let lastGood: RequestLastGood | undefined;
    try {
      const context = await contextFor(admitted, facts);
      lastGood = lastGoodOf(context);
      result = await deferred.query(undefined, context, admitted.variables ?? {});
    } catch (error) {
      done();
      return applyRules({ errors: [error as GraphQLError] });
    }
    if (!isIncremental(result)) {
      done(); // `@defer(if: false)`: one part
      return applyRules(withStaleMarks(result, lastGood));
    }
    return ruledParts(result, lastGood, done);
  };

  /**
   * A part lists the fields served stale since the part before it. A deferred field's mark comes
   * in the part that carries its value, or in an earlier one if it resolved before that was sent:
   * match marks by `path`, not by part.
   */
  async function* ruledParts(parts: IncrementalResult, lastGood: RequestLastGood | undefined, done: () => void): IncrementalResult {
    let first = true;
    try {
      for await (const part of parts) {
        if (first) yield applyRules(withStaleMarks(part as ExecutionResult, lastGood));
        else {
          const marks = lastGood?.takeMarks();
          const payload = part as SubsequentPayload;
          yield applyRules.subsequent(marks ? { ...payload, extensions: { ...payload.extensions, stale: marks } } : payload);
        }
        first = false;
      }
    } finally {
      done();
    }
  }

  /**
   * A subscription: its events as results, each with what the app's version must not see taken
   * out and through the result rules (masking, public errors), or one result with errors when
   * it could not start (EVENTS_EXPIRED, an `after` that is no event id). The context is built
   * once, for the viewer the perimeter let in, and lives as long as the subscription.
   */
  execute.subscribe = async (admitted: AdmittedOperation, facts: Facts): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> => {
    const { operation, clientVersion } = admitted;
    const variables = admitted.variables ?? {};
    let context: object;
    let events: AsyncIterable<unknown> | ExecutionResult;
    try {
      context = await contextFor(admitted, facts);
      events = await operation.sourceEvents!(context, variables);
    } catch (error) {
      return applyRules({ errors: [error as GraphQLError] }, facts.observation?.log);
    }
    if (!(Symbol.asyncIterator in events)) return applyRules(events, facts.observation?.log);
    const answer = (result: ExecutionResult) => applyRules(withoutGatedOutputs(result, operation.contract, clientVersion, gates));
    // Each event is the root the compiled query answers, as graphql-js's `subscribe` would execute it.
    return mappedEvents(events[Symbol.asyncIterator](), (event) => {
      const result = operation.compiled.query(event, context, variables);
      return isPromiseLike(result) ? result.then(answer) : answer(result);
    });
  };

  /** An unexpected failure outside execution (a bug in a stage): masked and logged like any other. */
  execute.failed = (error: unknown): ExecutionResult => applyRules({ errors: [error as GraphQLError] });
  return execute;
}

export type Executor = ReturnType<typeof createExecutor>;
