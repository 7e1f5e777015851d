import {
  getNamedType, isEnumType, isInputObjectType, Kind, TypeInfo, typeFromAST, visit, visitWithTypeInfo,
  type ASTNode, type DocumentNode, type GraphQLNamedType, type GraphQLSchema, type OperationTypeNode,
} from 'graphql';

/** What one operation of a released document touches in the schema it was built against. */
export interface OperationUsage {
  operation: string;
  /** query, mutation or subscription: which root the operation starts at. */
  kind: OperationTypeNode;
  /**
   * Exact schema coordinates: `Type.field` for each selected field (the parent type as graphql-js
   * reports it, so an interface's field stays `Interface.field`), `Type.field.arg` for each argument
   * passed, `Input.field` and `Enum.VALUE` for what inputs can carry, `@directive` and
   * `@directive.arg`, and the bare name of every type it touches (return, argument, variable and
   * type-condition types), so a change to a whole type can be matched too.
   */
  coordinates: ReadonlySet<string>;
  /** `Type.field` → the named type it returns: which enums and abstract types it is sent. */
  selections: ReadonlyMap<string, string>;
}

interface Collected {
  coordinates: Set<string>;
  selections: Map<string, string>;
  spreads: Set<string>;
}

/**
 * The coordinates each operation of `document` uses, fragments included (a fragment counts for
 * every operation that spreads it, directly or through another fragment). Exact coordinates, not
 * prefixes: `Query.title` is never mistaken for `Query.titles`.
 */
export function usageOf(schema: GraphQLSchema, document: DocumentNode, fallbackName = 'anonymous'): OperationUsage[] {
  const fragments = new Map<string, Collected>();
  const operations: { name: string; kind: OperationTypeNode; collected: Collected }[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, collect(schema, definition));
    if (definition.kind === Kind.OPERATION_DEFINITION) {
      operations.push({ name: definition.name?.value ?? fallbackName, kind: definition.operation, collected: collect(schema, definition) });
    }
  }
  return operations.map(({ name, kind, collected }) => {
    const coordinates = new Set(collected.coordinates);
    const selections = new Map(collected.selections);
    const seen = new Set<string>();
    const pending = [...collected.spreads];
    while (pending.length) {
      const fragmentName = pending.pop()!;
      const fragment = fragments.get(fragmentName);
      if (seen.has(fragmentName) || !fragment) continue;
      seen.add(fragmentName);
      for (const coordinate of fragment.coordinates) coordinates.add(coordinate);
      for (const [coordinate, type] of fragment.selections) selections.set(coordinate, type);
      pending.push(...fragment.spreads);
    }
    return { operation: name, kind, coordinates, selections };
  });
}

function collect(schema: GraphQLSchema, definition: ASTNode): Collected {
  const coordinates = new Set<string>();
  const selections = new Map<string, string>();
  const spreads = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  const addType = (type: GraphQLNamedType | undefined | null) => type && coordinates.add(type.name);

  visit(definition, visitWithTypeInfo(typeInfo, {
    Field() {
      const parent = typeInfo.getParentType();
      const field = typeInfo.getFieldDef();
      // __typename and introspection are part of every schema: no change can take them away.
      if (!parent || !field || field.name.startsWith('__')) return;
      const coordinate = `${parent.name}.${field.name}`;
      const returned = getNamedType(field.type);
      coordinates.add(coordinate);
      addType(parent);
      addType(returned);
      selections.set(coordinate, returned.name);
    },
    Argument() {
      const argument = typeInfo.getArgument();
      if (!argument) return;
      const directive = typeInfo.getDirective();
      const parent = typeInfo.getParentType();
      const field = typeInfo.getFieldDef();
      if (directive) coordinates.add(`@${directive.name}.${argument.name}`);
      else if (parent && field) coordinates.add(`${parent.name}.${field.name}.${argument.name}`);
      addType(getNamedType(argument.type));
    },
    Directive(node) {
      coordinates.add(`@${node.name.value}`);
    },
    InlineFragment() {
      addType(typeInfo.getType() && getNamedType(typeInfo.getType()));
    },
    FragmentDefinition() {
      addType(typeInfo.getType() && getNamedType(typeInfo.getType()));
    },
    FragmentSpread(node) {
      spreads.add(node.name.value);
    },
    ObjectField(node) {
      const parent = typeInfo.getParentInputType();
      const named = parent && getNamedType(parent);
      if (named) coordinates.add(`${named.name}.${node.name.value}`);
      addType(typeInfo.getInputType() && getNamedType(typeInfo.getInputType()));
    },
    EnumValue(node) {
      const type = typeInfo.getInputType();
      const named = type && getNamedType(type);
      if (named) coordinates.add(`${named.name}.${node.value}`);
    },
    VariableDefinition(node) {
      // A variable's value comes from the app at run time: it may carry any field of an input
      // type and any value of an enum, so all of them count as used.
      const type = typeFromAST(schema, node.type);
      if (type) addInputShape(getNamedType(type), coordinates, new Set());
    },
  }));
  return { coordinates, selections, spreads };
}

function addInputShape(type: GraphQLNamedType, coordinates: Set<string>, seen: Set<string>): void {
  if (seen.has(type.name)) return;
  seen.add(type.name);
  coordinates.add(type.name);
  if (isEnumType(type)) for (const value of type.getValues()) coordinates.add(`${type.name}.${value.name}`);
  if (isInputObjectType(type)) {
    for (const field of Object.values(type.getFields())) {
      coordinates.add(`${type.name}.${field.name}`);
      addInputShape(getNamedType(field.type), coordinates, seen);
    }
  }
}
