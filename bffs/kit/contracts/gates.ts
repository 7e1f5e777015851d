import { isAbstractType, isEnumType, isInterfaceType, isObjectType, type GraphQLSchema } from 'graphql';
import { sinceOf, type Since } from './since.ts';
import { compareVersions } from './versions.ts';

/** Gating uses this for a request built against the current schema: every gate is open. */
export const NEWEST = 'newest';
export type GateVersion = string | typeof NEWEST;

/** Whether an app of `version` may see something gated `@since(since)`. */
export const opens = (version: GateVersion, since: string): boolean => version === NEWEST || compareVersions(version, since) >= 0;

/** Every `@since` of a client's schema, read once at start-up. */
export interface SchemaGates {
  /** `Type.field` and `Type.field.argument` → its gate. */
  selections: ReadonlyMap<string, Since>;
  /** Enum name → its gated values. */
  enumValues: ReadonlyMap<string, ReadonlyMap<string, Since>>;
  /** Object type → its gate as a union member or an interface's implementation. */
  objects: ReadonlyMap<string, Since>;
  /** Abstract types (unions, interfaces) with a gated possible type. */
  abstracts: ReadonlySet<string>;
  /** Any coordinate above (`RowLayout.SQUARE`, `Query.title`, `NewRow`) → its gate. */
  byCoordinate: ReadonlyMap<string, Since>;
}

export function readSchemaGates(schema: GraphQLSchema): SchemaGates {
  const selections = new Map<string, Since>();
  const enumValues = new Map<string, Map<string, Since>>();
  const objects = new Map<string, Since>();
  const byCoordinate = new Map<string, Since>();
  const record = (coordinate: string, since: Since | undefined) => since && byCoordinate.set(coordinate, since);

  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isObjectType(type)) {
      const since = sinceOf(type.astNode);
      if (since) objects.set(type.name, since);
      record(type.name, since);
    }
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        const coordinate = `${type.name}.${field.name}`;
        const since = sinceOf(field.astNode);
        if (since) selections.set(coordinate, since);
        record(coordinate, since);
        for (const arg of field.args) {
          const argSince = sinceOf(arg.astNode);
          if (argSince) selections.set(`${coordinate}.${arg.name}`, argSince);
          record(`${coordinate}.${arg.name}`, argSince);
        }
      }
    }
    if (isEnumType(type)) {
      const gated = new Map<string, Since>();
      for (const value of type.getValues()) {
        const since = sinceOf(value.astNode);
        if (since) gated.set(value.name, since);
        record(`${type.name}.${value.name}`, since);
        if (since?.fallback !== undefined && !type.getValue(since.fallback)) {
          throw new Error(`@since on ${type.name}.${value.name} names fallback ${since.fallback}, which is not a value of ${type.name}.`);
        }
      }
      if (gated.size) enumValues.set(type.name, gated);
    }
  }
  const abstracts = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (isAbstractType(type) && schema.getPossibleTypes(type).some((member) => objects.has(member.name))) abstracts.add(type.name);
  }
  return { selections, enumValues, objects, abstracts, byCoordinate };
}

/** What a resolver asks of the request's version: `context.client.sees('RowLayout.SQUARE')`. */
export interface ClientVersionView {
  /** The version gating uses (stages/client-version.ts): the app's, when it can be trusted. */
  version: GateVersion;
  /** Whether the app may be sent this coordinate: false only when it is gated past `version`. */
  sees(coordinate: string): boolean;
  /** `opens(version, since)`, remembered: the executor asks it per gated value in a result. */
  opens(since: string): boolean;
}

/**
 * One view per version, made once: a client has a handful of versions in the field, and a
 * view answers from memory, so a request pays no version parsing.
 */
export function createVersionViews(gates: SchemaGates) {
  const views = new Map<GateVersion, ClientVersionView>();
  return (version: GateVersion): ClientVersionView => {
    let view = views.get(version);
    if (!view) {
      const seen = new Map<string, boolean>();
      const opened = new Map<string, boolean>();
      const opensSince = (since: string) => {
        let open = opened.get(since);
        if (open === undefined) opened.set(since, (open = opens(version, since)));
        return open;
      };
      view = {
        version,
        sees: (coordinate) => {
          let open = seen.get(coordinate);
          if (open === undefined) {
            const since = gates.byCoordinate.get(coordinate);
            seen.set(coordinate, (open = !since || opensSince(since.version)));
          }
          return open;
        },
        opens: opensSince,
      };
      if (views.size < 64) views.set(version, view);
    }
    return view;
  };
}
