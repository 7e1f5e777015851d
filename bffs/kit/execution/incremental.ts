import { BREAK, visit, type DocumentNode, type ExecutionResult, type GraphQLSchema, type ValidationRule } from 'graphql';
import { normalizedExecutor } from '@graphql-tools/executor';
import { useDeferStream } from '@graphql-yoga/plugin-defer-stream';

/**
 * Incremental delivery (`@defer`, `@stream`): the parts of a screen that may arrive after the rest.
 *
 * A client's SDL opts in by declaring the directives (web and TV do; mobile does not, so for
 * mobile `@defer` is an unknown directive and the document does not validate). Three pieces:
 * - validation: the rules of yoga's defer/stream plugin (labels, not on root fields, `@stream`
 *   only on lists, its overlapping-fields rule), taken from the plugin's own `onValidate` hook,
 *   because the BFF validates once for both transports, outside envelop;
 * - execution: graphql-jit cannot defer, so an operation that uses the directives runs on
 *   @graphql-tools/executor's `normalizedExecutor` (what yoga itself runs), which answers an
 *   initial payload and then the deferred parts (the `deferSpec=20220824` format Apollo Client
 *   and urql read);
 * - delivery: streamed as multipart/mixed (or SSE) by yoga when the request accepts it. A client
 *   that accepts only JSON gets one ordinary result from the same document without the
 *   directives, compiled by graphql-jit as usual: everything at once, in the document's order,
 *   at the fast lane's speed.
 */

export const INCREMENTAL_DIRECTIVES = ['defer', 'stream'] as const;

/** A payload after the first: `{ incremental: [{ data, path, errors? }], hasNext }`. */
export interface SubsequentPayload {
  incremental?: { data?: unknown; items?: unknown[]; path?: (string | number)[]; label?: string; errors?: ExecutionResult['errors']; extensions?: Record<string, unknown> }[];
  errors?: ExecutionResult['errors'];
  hasNext: boolean;
  extensions?: Record<string, unknown>;
}

/** The initial payload, then the subsequent ones. */
export type IncrementalResult = AsyncIterable<(ExecutionResult & { hasNext?: boolean }) | SubsequentPayload>;

/** Whether this client's schema declares the directives (its SDL opted in). */
export function offersIncrementalDelivery(schema: GraphQLSchema): boolean {
  return INCREMENTAL_DIRECTIVES.some((name) => schema.getDirective(name) !== null && schema.getDirective(name) !== undefined);
}

/**
 * The validation rules with the plugin's: it swaps graphql-js's OverlappingFieldsCanBeMergedRule
 * for one that knows `@stream`, and adds its three rules.
 */
export function withIncrementalRules(rules: readonly ValidationRule[]): ValidationRule[] {
  const params = { rules: [...rules] };
  const plugin = useDeferStream() as unknown as { onValidate: (payload: { params: { rules: ValidationRule[] }; addValidationRule(rule: ValidationRule): void }) => void };
  plugin.onValidate({ params, addValidationRule: (rule) => params.rules.push(rule) });
  return params.rules;
}

/** Whether the document uses `@defer` or `@stream` anywhere (a fragment included). */
export function usesIncrementalDelivery(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Directive(node) {
      if ((INCREMENTAL_DIRECTIVES as readonly string[]).includes(node.name.value)) {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/** What runs a deferring operation in parts, called like graphql-jit's compiled query. */
export function incrementalQuery(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined) {
  return {
    query: (rootValue: unknown, contextValue: unknown, variableValues: Record<string, unknown>) =>
      normalizedExecutor({ schema, document, rootValue, contextValue, variableValues, operationName }) as Promise<ExecutionResult | IncrementalResult> | ExecutionResult | IncrementalResult,
  };
}

export function isIncremental(result: ExecutionResult | IncrementalResult): result is IncrementalResult {
  return typeof (result as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function';
}

/** The document with `@defer` and `@stream` taken out: the same result, in one part. */
export function withoutIncrementalDirectives(document: DocumentNode): DocumentNode {
  return visit(document, {
    Directive: (node) => ((INCREMENTAL_DIRECTIVES as readonly string[]).includes(node.name.value) ? null : undefined),
  });
}
