import {
  getNamedType, getNullableType, isAbstractType, isCompositeType, isEnumType, isInterfaceType, isListType, isNonNullType, isObjectType,
  Kind, TypeInfo, visit, visitWithTypeInfo,
  type DocumentNode, type FieldNode, type FragmentDefinitionNode, type GraphQLCompositeType, type GraphQLSchema, type GraphQLType,
  type OperationDefinitionNode, type SelectionSetNode,
} from 'graphql';
import type { Since } from './since.ts';
import { compareVersions, } from './versions.ts';
import type { SchemaGates } from './gates.ts';

/** The alias the BFF adds under a selection whose union or interface has gated members, and strips from every result. */
export const MEMBER_TYPENAME = '__conciergeTypename';

/** Where in the result a gated value can appear: only the paths that lead to one are kept. */
export interface OutputNode {
  /** The response key: the alias, else the field name. */
  key: string;
  /** How many lists wrap the field's type (`[[Row]]` is 2). */
  lists: number;
  nullable: boolean;
  /** An enum field whose values are gated: value → gate. */
  values?: ReadonlyMap<string, Since>;
  /** A union or interface with gated members: the object carries MEMBER_TYPENAME. */
  members?: true;
  children?: readonly OutputNode[];
}

/** What an operation asks of the app's version, worked out once when the document is compiled. */
export interface OperationContract {
  /** The newest `@since` among the fields and arguments it selects: an older app is refused. */
  requires?: { version: string; coordinate: string };
  /** Where gated enum values and members can appear in its result. */
  outputs?: readonly OutputNode[];
  /** The newest gate among `outputs`: an app this new or newer has nothing to filter. */
  newestOutputGate?: string;
  /** Whether the result carries MEMBER_TYPENAME, to strip whatever the version. */
  injectsTypename: boolean;
  /** Deprecated fields it selects, as `Type.field`, for the usage counters. */
  deprecated: readonly string[];
}

/**
 * Adds `__conciergeTypename: __typename` under every selection whose union or interface has a
 * gated member, so the result says which member each object is. Without gated members the
 * document is returned as it is.
 */
export function withMemberTypenames(schema: GraphQLSchema, gates: SchemaGates, document: DocumentNode): DocumentNode {
  if (gates.abstracts.size === 0) return document;
  const typeInfo = new TypeInfo(schema);
  return visit(document, visitWithTypeInfo(typeInfo, {
    SelectionSet: (node) => {
      const parent = typeInfo.getParentType();
      if (!parent || !gates.abstracts.has(parent.name)) return undefined;
      const typename: FieldNode = { kind: Kind.FIELD, alias: { kind: Kind.NAME, value: MEMBER_TYPENAME }, name: { kind: Kind.NAME, value: '__typename' } };
      return { ...node, selections: [...node.selections, typename] };
    },
  }));
}

/** The contract of one operation of a validated document (after `withMemberTypenames`). */
export function contractOf(schema: GraphQLSchema, gates: SchemaGates, document: DocumentNode, operation: OperationDefinitionNode): OperationContract {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  let requires: OperationContract['requires'];
  let newestOutputGate: string | undefined;
  let injectsTypename = false;
  const deprecated = new Set<string>();

  const requireGate = (coordinate: string) => {
    const since = gates.selections.get(coordinate);
    if (since && (!requires || compareVersions(since.version, requires.version) > 0)) requires = { version: since.version, coordinate };
  };
  const noteOutputGate = (version: string) => {
    if (!newestOutputGate || compareVersions(version, newestOutputGate) > 0) newestOutputGate = version;
  };

  function walk(selectionSet: SelectionSetNode, parent: GraphQLCompositeType): OutputNode[] {
    const nodes: OutputNode[] = [];
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parent;
        if (isCompositeType(type)) nodes.push(...walk(selection.selectionSet, type));
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        const type = fragment && schema.getType(fragment.typeCondition.name.value);
        if (fragment && isCompositeType(type)) nodes.push(...walk(fragment.selectionSet, type));
        continue;
      }
      const name = selection.name.value;
      if (name === MEMBER_TYPENAME || name.startsWith('__')) {
        if (selection.alias?.value === MEMBER_TYPENAME) injectsTypename = true;
        continue;
      }
      if (!isObjectType(parent) && !isInterfaceType(parent)) continue;
      const field = parent.getFields()[name];
      if (!field) continue;
      const coordinate = `${parent.name}.${name}`;
      requireGate(coordinate);
      for (const argument of selection.arguments ?? []) requireGate(`${coordinate}.${argument.name.value}`);
      if (field.deprecationReason != null) deprecated.add(coordinate);

      const named = getNamedType(field.type);
      const node: { -readonly [K in keyof OutputNode]: OutputNode[K] } = { key: selection.alias?.value ?? name, lists: listDepth(field.type), nullable: !isNonNullType(field.type) };
      if (isEnumType(named)) {
        const values = gates.enumValues.get(named.name);
        if (values) {
          node.values = values;
          for (const since of values.values()) noteOutputGate(since.version);
        }
      }
      if (isAbstractType(named) && gates.abstracts.has(named.name)) {
        node.members = true;
        for (const member of schema.getPossibleTypes(named)) {
          const since = gates.objects.get(member.name);
          if (since) noteOutputGate(since.version);
        }
      }
      if (selection.selectionSet && isCompositeType(named)) {
        const children = walk(selection.selectionSet, named);
        if (children.length) node.children = children;
      }
      if (node.values || node.members || node.children) nodes.push(node);
    }
    return nodes;
  }

  const root = schema.getRootType(operation.operation);
  const outputs = root ? walk(operation.selectionSet, root) : [];
  return {
    ...(requires ? { requires } : {}),
    ...(outputs.length ? { outputs, ...(newestOutputGate ? { newestOutputGate } : {}) } : {}),
    injectsTypename,
    deprecated: [...deprecated].sort(),
  };
}

function listDepth(type: GraphQLType): number {
  let depth = 0;
  let current = getNullableType(type);
  while (isListType(current)) {
    depth += 1;
    current = getNullableType(current.ofType);
  }
  return depth;
}
