import { getDirective } from '@graphql-tools/utils';
import {
  getNamedType,
  isCompositeType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { CachePolicy, CacheScope } from '../core/cache-policy.ts';


/**
 * The declaration every client's SDL carries, word for word (npm run new-client writes it;
 * test/scaffold/new-client.test.ts holds every schema to it).
 */
export const CACHE_CONTROL_SDL = `"""
How long an answer holding this field may be reused, and by whom (bffs/kit/caching/cache-hints.ts):
the answer gets the smallest maxAge of its fields, and is PRIVATE if any is. A field without a hint
takes its type's, else its parent's; the root fields start from the client's policy (private).
README: Caching.
"""
directive @cacheControl(maxAge: Int, scope: CacheControlScope) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION

"PUBLIC: the same for every viewer, so the BFF's response cache may share it. PRIVATE: one viewer's."
enum CacheControlScope {
  PUBLIC
  PRIVATE
}
`;

/**
 * The SDL every client declares (Apollo's directive, so its editors and tools know it):
 *   directive @cacheControl(maxAge: Int, scope: CacheControlScope) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION
 * (without Apollo's `inheritMaxAge`: here a field without a hint always inherits).
 */
interface CacheHint {
  maxAge?: number;
  scope?: CacheScope;
}

/**
 * An operation's cache policy, computed once when the operation is prepared (operations.ts), from
 * the hints on every field it selects, with Apollo's combining rule: the smallest `maxAge` of
 * them, and PRIVATE if any one is private.
 *
 * Where a field has no hint of its own it takes its return type's, and failing that its
 * parent's: the hint of `title(id)` covers the title's scalars. The root fields start from the
 * client's defaults (bffs/<client>/policy.ts), whose scope is PRIVATE: a field is shared between
 * viewers only when the SDL says so, never by omission. (Apollo's default scope is PUBLIC; ours
 * is the safe one because every BFF answers for a signed-in viewer.)
 *
 * The policy is static, over every field the document *may* resolve (both branches of an
 * `@include`, every member of a union), so it is never longer-lived than what resolves: it may
 * only be more conservative than Apollo's per-resolution figure. A mutation has none: `no-store`.
 */
export function cachePolicyOf(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, defaults: CachePolicy): CachePolicy | undefined {
  if (operation.operation !== 'query') return undefined;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  // Public and unbounded until a field says otherwise; the root fields carry the defaults.
  const policy: CachePolicy = { maxAge: Number.POSITIVE_INFINITY, scope: 'PUBLIC' };
  const seen = new Set<string>(); // fragments already walked on one path: a cycle is invalid, but be safe

  function note(maxAge: number, scope: CacheScope) {
    if (maxAge < policy.maxAge) policy.maxAge = maxAge;
    if (scope === 'PRIVATE') policy.scope = 'PRIVATE';
  }

  function walk(selectionSet: SelectionSetNode, parent: GraphQLCompositeType, inherited: CachePolicy) {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value.startsWith('__') || !('getFields' in parent)) continue;
        const field = parent.getFields()[selection.name.value];
        if (!field) continue;
        const type = getNamedType(field.type);
        const hint = { ...hintOf(schema, type), ...fieldHint(schema, field) };
        const own: CachePolicy = { maxAge: hint.maxAge ?? inherited.maxAge, scope: hint.scope ?? inherited.scope };
        note(own.maxAge, own.scope);
        if (selection.selectionSet && isCompositeType(type)) walk(selection.selectionSet, type, own);
      } else {
        const typeName = selection.kind === Kind.INLINE_FRAGMENT ? selection.typeCondition?.name.value : fragments.get(selection.name.value)?.typeCondition.name.value;
        const type = typeName ? schema.getType(typeName) : parent;
        if (!type || !isCompositeType(type)) continue;
        const hint = type === parent ? {} : hintOf(schema, type);
        const own: CachePolicy = { maxAge: hint.maxAge ?? inherited.maxAge, scope: hint.scope ?? inherited.scope };
        note(own.maxAge, own.scope);
        if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet, type, own);
        else {
          const name = selection.name.value;
          const fragment = fragments.get(name);
          if (!fragment || seen.has(name)) continue;
          seen.add(name);
          walk(fragment.selectionSet, type, own);
          seen.delete(name);
        }
      }
    }
  }

  const root = schema.getQueryType();
  if (root) walk(operation.selectionSet, root, defaults);
  return Number.isFinite(policy.maxAge) ? policy : { ...policy, maxAge: defaults.maxAge };
}

function fieldHint(schema: GraphQLSchema, field: GraphQLField<unknown, unknown>): CacheHint {
  return readHint(getDirective(schema, field, 'cacheControl')?.[0]);
}

function hintOf(schema: GraphQLSchema, type: GraphQLNamedType): CacheHint {
  return isCompositeType(type) ? readHint(getDirective(schema, type, 'cacheControl')?.[0]) : {};
}

function readHint(args: Record<string, unknown> | undefined): CacheHint {
  if (!args) return {};
  const hint: CacheHint = {};
  if (typeof args.maxAge === 'number') hint.maxAge = args.maxAge;
  if (args.scope === 'PUBLIC' || args.scope === 'PRIVATE') hint.scope = args.scope;
  return hint;
}
