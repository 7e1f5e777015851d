import type { ExecutionResult, GraphQLError } from 'graphql';
import type { SchemaGates } from '../contracts/gates.ts';
import { filtersOutputs, withoutGatedOutputs } from '../contracts/gated-output.ts';
import type { Admitted } from '../perimeter/pipeline.ts';
import type { RequestFacts } from './context.ts';
import { isIncremental, type IncrementalResult, type SubsequentPayload } from './incremental.ts';
import type { ResultRules } from './result-rules.ts';

export interface ExecutorOptions {
  buildContext: (facts: RequestFacts) => Promise<object> | object;
  /** result-rules.ts */
  applyRules: ResultRules;
  /** The schema's `@since` gates: what an older app is not sent. */
  gates: SchemaGates;
}

type Facts = Omit<RequestFacts, 'viewer' | 'client'>;

/**
 * Runs an admitted operation: the context for its viewer and app version, the compiled query
 * (graphql-jit, from operations.ts), what the app's version must not see taken out
 * (contracts/gated-output.ts), then the result rules. Both transports call it, so an admitted
 * request executes the same way whichever one read it.
 *
 * `execute` answers one result, a deferring operation included (compiled without its
 * directives). `execute.streaming` answers a deferring operation in parts, for a request that
 * takes multipart/mixed or SSE (yoga's path, incremental.ts).
 */
export function createExecutor({ buildContext, applyRules, gates }: ExecutorOptions) {
  const contextFor = (admitted: Admitted, facts: Facts) => buildContext({ ...facts, viewer: admitted.viewer, client: admitted.clientVersion });

  async function execute(admitted: Admitted, facts: Facts): Promise<ExecutionResult> {
    let result: ExecutionResult;
    try {
      const { operation, clientVersion } = admitted;
      const context = await contextFor(admitted, facts);
      result = await operation.compiled.query(undefined, context, admitted.variables ?? {});
      result = withoutGatedOutputs(result, operation.contract, clientVersion, gates);
    } catch (error) {
      result = { errors: [error as GraphQLError] };
    }
    return applyRules(result);
  }

  /**
   * The parts as they come, each through the result rules. `done` is called once, after the last
   * part or when the client stopped reading: the request's deadline lasts until then. An app
   * whose version has outputs taken out gets the whole result instead, because the filter reads
   * whole results.
   */
  execute.streaming = async (admitted: Admitted, facts: Facts, done: () => void): Promise<ExecutionResult | IncrementalResult> => {
    const { deferred, contract } = admitted.operation;
    if (!deferred || filtersOutputs(contract, admitted.clientVersion)) {
      try {
        return await execute(admitted, facts);
      } finally {
        done();
      }
    }
    let result: ExecutionResult | IncrementalResult;
    try {
      result = await deferred.query(undefined, await contextFor(admitted, facts), admitted.variables ?? {});
    } catch (error) {
      done();
      return applyRules({ errors: [error as GraphQLError] });
    }
    if (!isIncremental(result)) {
      done(); // `@defer(if: false)`: one part
      return applyRules(result);
    }
    return ruledParts(result, done);
  };

  async function* ruledParts(parts: IncrementalResult, done: () => void): IncrementalResult {
    let first = true;
    try {
      for await (const part of parts) {
        yield first ? applyRules(part as ExecutionResult) : applyRules.subsequent(part as SubsequentPayload);
        first = false;
      }
    } finally {
      done();
    }
  }

  /** An unexpected failure outside execution (a bug in a stage): masked and logged like any other. */
  execute.failed = (error: unknown): ExecutionResult => applyRules({ errors: [error as GraphQLError] });
  return execute;
}

export type Executor = ReturnType<typeof createExecutor>;
