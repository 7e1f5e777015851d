import type { ExecutionResult, GraphQLError } from 'graphql';
import type { Admitted } from '../perimeter/pipeline.ts';
import type { RequestFacts } from './context.ts';

export interface ExecutorOptions {
  buildContext: (facts: RequestFacts) => Promise<object> | object;
  /** result-rules.ts */
  applyRules: (result: ExecutionResult) => ExecutionResult;
}

/**
 * Runs an admitted operation: the context for its viewer, the compiled query (graphql-jit, from
 * operations.ts), then the result rules. Both transports call it, so an admitted request executes
 * the same way whichever one read it.
 */
export function createExecutor({ buildContext, applyRules }: ExecutorOptions) {
  async function execute(admitted: Admitted, facts: Omit<RequestFacts, 'viewer'>): Promise<ExecutionResult> {
    let result: ExecutionResult;
    try {
      const context = await buildContext({ ...facts, viewer: admitted.viewer });
      result = (await admitted.operation.compiled.query(undefined, context, admitted.variables ?? {})) as ExecutionResult;
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
