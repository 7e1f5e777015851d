import type { ExecutionResult } from 'graphql';
import type { ClientVersionView, SchemaGates } from './gates.ts';
import { MEMBER_TYPENAME, type OperationContract, type OutputNode } from './operation-contract.ts';

/** A value an app of this version must not receive, and nothing names a fallback for it. */
const LEFT_OUT = Symbol('left out');
type Pruned = unknown | typeof LEFT_OUT;

/**
 * Takes out of a result what the app's version must not see, in place (graphql-jit builds a new
 * result per request):
 * - a gated enum value becomes the SDL's `fallback`, or else is left out;
 * - an object of a gated union member is left out;
 * - what is left out leaves its list: the row, item or value it belongs to goes. Outside a list it
 *   nulls the nearest nullable field, as a null would propagate.
 * Also strips MEMBER_TYPENAME, which the BFF itself added. Most operations have no outputs and
 * most requests a version that opens every gate: both cost one check.
 */
/** Whether this app's results of this operation have anything taken out (else they pass untouched). */
export function filtersOutputs(contract: OperationContract, view: ClientVersionView): boolean {
  const { outputs, newestOutputGate } = contract;
  if (!outputs) return false;
  return contract.injectsTypename || (newestOutputGate !== undefined && !view.opens(newestOutputGate));
}

export function withoutGatedOutputs(result: ExecutionResult, contract: OperationContract, view: ClientVersionView, gates: SchemaGates): ExecutionResult {
  if (!result.data || !filtersOutputs(contract, view)) return result;
  const { outputs } = contract as { outputs: readonly OutputNode[] };

  const value = (node: OutputNode, item: unknown): Pruned => {
    if (item === null || item === undefined) return item;
    if (node.values) {
      const since = node.values.get(item as string);
      if (since && !view.opens(since.version)) return since.fallback ?? LEFT_OUT;
      return item;
    }
    if (node.members) {
      const object = item as Record<string, unknown>;
      const typename = object[MEMBER_TYPENAME] as string;
      delete object[MEMBER_TYPENAME];
      const since = gates.objects.get(typename);
      if (since && !view.opens(since.version)) return LEFT_OUT;
    }
    return node.children ? fields(node.children, item as Record<string, unknown>) : item;
  };

  const listed = (node: OutputNode, item: unknown, depth: number): Pruned => {
    if (depth === 0) return value(node, item);
    if (!Array.isArray(item)) return item;
    const kept: unknown[] = [];
    for (const element of item) {
      const pruned = listed(node, element, depth - 1);
      if (pruned !== LEFT_OUT) kept.push(pruned);
    }
    return kept;
  };

  const fields = (nodes: readonly OutputNode[], object: Record<string, unknown>): Pruned => {
    for (const node of nodes) {
      if (!(node.key in object)) continue;
      const pruned = listed(node, object[node.key], node.lists);
      if (pruned !== LEFT_OUT) object[node.key] = pruned;
      else if (node.nullable) object[node.key] = null;
      else return LEFT_OUT;
    }
    return object;
  };

  const data = fields(outputs, result.data as Record<string, unknown>);
  return data === LEFT_OUT ? { ...result, data: null } : result;
}
