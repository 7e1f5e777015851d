import type { ExecutionResult, GraphQLError } from 'graphql';
import type { SchemaGates } from '../contracts/gates.ts';
import { withoutGatedOutputs } from '../contracts/gated-output.ts';
import type { Admitted } from '../perimeter/pipeline.ts';
import type { RequestFacts } from './context.ts';

export interface ExecutorOptions {
  buildContext: (facts: RequestFacts) => Promise<object> | object;
  /** result-rules.ts */
  applyRules: (result: ExecutionResult) => ExecutionResult;
  /** The schema's `@since` gates: what an older app is not sent. */
  gates: SchemaGates;
}

/**
 * Runs an admitted operation: the context for its viewer and app version, the compiled query
 * (graphql-jit, from operations.ts), what the app's version must not see taken out
 * (contracts/gated-output.ts), then the result rules. Both transports call it, so an admitted request executes
 * the same way whichever one read it.
 */
export function createExecutor({ buildContext, applyRules, gates }: ExecutorOptions) {
  async function execute(admitted: Admitted, facts: Omit<RequestFacts, 'viewer' | 'client'>): Promise<ExecutionResult> {
    let result: ExecutionResult;
    try {
      const { operation, clientVersion } = admitted;
      const context = await buildContext({ ...facts, viewer: admitted.viewer, client: clientVersion });
      result = (await operation.compiled.query(undefined, context, admitted.variables ?? {})) as ExecutionResult;
      result = withoutGatedOutputs(result, operation.contract, clientVersion, gates);
    } catch (error) {
      result = { errors: [error as GraphQLError] };
    }
    return applyRules(result);
  }

  /** An unexpected failure outside execution (a bug in a stage): masked and logged like any other. */
  execute.failed = (error: unknown): ExecutionResult => applyRules({ errors: [error as GraphQLError] });
  return execute;
}

export type Executor = ReturnType<typeof createExecutor>;
