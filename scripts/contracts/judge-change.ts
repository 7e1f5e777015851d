/**
 * Step 2 of contracts:check for one change graphql-inspector found between a release's schema
 * and the current one: whether that release is hurt by it, judged by the exact coordinates its
 * documents use. Failures name the release; a warning does not.
 */
import { isEnumType, isInputObjectType, isInterfaceType, isNonNullType, isObjectType, isUnionType, type GraphQLSchema } from 'graphql';
import { ChangeType, CriticalityLevel, type Change } from '@graphql-inspector/core';
import { opens } from '../../bffs/kit/contracts/gates.ts';
import { sinceOf } from '../../bffs/kit/contracts/since.ts';
import type { Finding, ReleaseContext } from './contract-check.ts';
import type { OperationUsage } from './usage.ts';

/** One change against one release: failures (they name the release), a warning (it does not), or nothing. */
export function judge(change: Change, context: ReleaseContext): Finding[] {
  // The gate directives are judged directly (gated selections above, gated values below):
  // inspector only sees that a directive moved, not which app versions it hides things from.
  // Cache hints change how long an answer is reused, never its shape: no app can be hurt.
  if (isGateDirectiveChange(change) || isCacheHintChange(change)) return [];
  const possibleType = addedPossibleType(change, context);
  if (possibleType) return judgeAddedOutput(change, context, possibleType);
  switch (change.criticality.level) {
    case CriticalityLevel.Breaking: return judgeBreaking(change, context);
    case CriticalityLevel.Dangerous: return judgeDangerous(change, context);
    default: return [];
  }
}

function judgeBreaking(change: Change, { client, release, uses, current, retire }: ReleaseContext): Finding[] {
  const match = breakingMatcher(change, current);
  const { effect, keep } = advice(change);
  return uses.flatMap((use) => {
    const coordinate = match(use);
    if (coordinate === undefined) return [];
    return [{
      kind: 'breaking' as const, release: release.version, operation: use.operation, coordinate,
      message: `${client} ${release.version} ${use.operation} ${verb(coordinate, use)} ${coordinate}, which this change ${effect} ("${change.message}"). ${keep} until ${client} ${release.version} retires: ${retire}.`,
    }];
  });
}

function judgeDangerous(change: Change, { client, release, uses, retire }: ReleaseContext): Finding[] {
  const path = change.path ?? '';
  // A default moves under an app that omits the input: its requests silently mean something else.
  const defaulted = change.type === ChangeType.FieldArgumentDefaultChanged ? exact(parentOf(path))
    : change.type === ChangeType.InputFieldDefaultValueChanged ? ofType(typePart(path)) : undefined;
  if (defaulted) {
    return uses.flatMap((use) => {
      const coordinate = defaulted(use);
      if (coordinate === undefined) return [];
      return [{
        kind: 'dangerous' as const, release: release.version, operation: use.operation, coordinate,
        message: `${client} ${release.version} ${use.operation} ${verb(coordinate, use)} ${coordinate} and may rely on the default this change moves ("${change.message}"). Keep the old default until ${client} ${release.version} retires: ${retire}.`,
      }];
    });
  }
  const reason = change.criticality.reason ? `: ${change.criticality.reason}` : '';
  return [{ kind: 'dangerous', message: `${client}: ${change.message} (dangerous${reason})` }];
}

/** An enum value or a union/interface member an older app may now be sent. */
interface AddedOutput {
  /** The enum, union or interface a selected field returns. */
  returned: string;
  /** `RowLayout.SQUARE`, or the member type. */
  added: string;
  gate: ReturnType<typeof sinceOf>;
  /** Whether a schema (a later release's) already has the addition. */
  has: (schema: GraphQLSchema) => boolean;
}

function addedPossibleType(change: Change, { before, current }: ReleaseContext): AddedOutput | undefined {
  const meta = change.meta as Record<string, unknown>;
  if (change.type === ChangeType.EnumValueAdded && !meta.addedToNewType) {
    const type = current.getType(String(meta.enumName));
    const value = isEnumType(type) ? type.getValue(String(meta.addedEnumValueName)) : undefined;
    const has = (schema: GraphQLSchema) => {
      const known = schema.getType(String(meta.enumName));
      return isEnumType(known) && !!known.getValue(String(meta.addedEnumValueName));
    };
    return { returned: String(meta.enumName), added: `${meta.enumName}.${meta.addedEnumValueName}`, gate: sinceOf(value?.astNode), has };
  }
  if (change.type === ChangeType.UnionMemberAdded && !meta.addedToNewType) {
    const member = String(meta.addedUnionMemberTypeName);
    const has = (schema: GraphQLSchema) => {
      const union = schema.getType(String(meta.unionName));
      return isUnionType(union) && union.getTypes().some((type) => type.name === member);
    };
    return { returned: String(meta.unionName), added: member, gate: sinceOf(current.getType(member)?.astNode), has };
  }
  // Inspector calls a new type implementing an old interface safe; an app selecting a field of
  // that interface would still be sent it. An interface's own interfaces are covered by its
  // objects, which must name every interface they implement.
  if (change.type === ChangeType.ObjectTypeInterfaceAdded) {
    const object = current.getType(String(meta.objectTypeName));
    const iface = String(meta.addedInterfaceName);
    const has = (schema: GraphQLSchema) => {
      const type = schema.getType(String(meta.objectTypeName));
      return isObjectType(type) && type.getInterfaces().some((i) => i.name === iface);
    };
    if (isObjectType(object) && isInterfaceType(before.getType(iface))) return { returned: iface, added: object.name, gate: sinceOf(object.astNode), has };
  }
  return undefined;
}

/** Fails only where a release selects a field of that type and the addition is not gated past it. */
function judgeAddedOutput(change: Change, { client, release, uses, gateVersion }: ReleaseContext, { returned, added, gate, has }: AddedOutput): Finding[] {
  if (gate && !opens(release.version, gate.version)) return [];
  const next = gateVersion(has);
  const fix = gate
    ? `Its @since(version: "${gate.version}") does not hide it from ${release.version}: raise it to "${next}"`
    : `Gate it: add @since(version: "${next}") to ${added}`;
  return uses.flatMap((use) => {
    const fields = [...use.selections].filter(([, type]) => type === returned).map(([field]) => field);
    if (!fields.length) return [];
    return [{
      kind: 'dangerous' as const, release: release.version, operation: use.operation, coordinate: added,
      message: `${client} ${release.version} ${use.operation} selects ${fields.join(', ')}, which returns ${returned}: it would be sent ${added}, which ${client} ${release.version} does not know ("${change.message}"). ${fix}.`,
    }];
  });
}

type Matcher = (use: OperationUsage) => string | undefined;
const exact = (coordinate: string): Matcher => (use) => (use.coordinates.has(coordinate) ? coordinate : undefined);
/** Any coordinate of the type: `RowItem`, `RowItem.title`, … (fields first, they read best). */
const ofType = (type: string): Matcher => (use) => {
  const hits = [...use.coordinates].filter((c) => typePart(c) === type);
  return hits.find((c) => c.includes('.')) ?? hits[0];
};
const either = (...matchers: (Matcher | undefined)[]): Matcher => (use) => {
  for (const matcher of matchers) {
    const hit = matcher?.(use);
    if (hit !== undefined) return hit;
  }
  return undefined;
};
const typePart = (coordinate: string) => coordinate.split('.')[0]!;
const parentOf = (coordinate: string) => coordinate.split('.').slice(0, -1).join('.');

/** Which use of a release a breaking change touches, matched by exact coordinate. */
function breakingMatcher(change: Change, current: GraphQLSchema): Matcher {
  const path = change.path;
  const meta = change.meta as Record<string, unknown>;
  // Only the root operation type changes have no path. A new root type changes what an operation
  // of that kind starts at (its root __typename), so it touches those operations and no other: a
  // type that was the subscription root by its name alone (web's plan, `Subscription`) stays an
  // object type that queries select.
  if (!path) {
    const kind = 'oldQueryTypeName' in meta ? 'query' : 'oldMutationTypeName' in meta ? 'mutation' : 'oldSubscriptionTypeName' in meta ? 'subscription' : undefined;
    const root = meta.oldQueryTypeName ?? meta.oldMutationTypeName ?? meta.oldSubscriptionTypeName;
    if (!kind || typeof root !== 'string') return () => undefined;
    return (use) => (use.kind === kind ? root : undefined);
  }
  switch (change.type) {
    // A new required argument or input field breaks every use of the field or input type.
    case ChangeType.FieldArgumentAdded: return exact(parentOf(path));
    case ChangeType.InputFieldAdded: return ofType(typePart(path));
    case ChangeType.FieldArgumentTypeChanged: return either(exact(path), requiredArgument(current, path) ? exact(parentOf(path)) : undefined);
    case ChangeType.InputFieldTypeChanged: return either(exact(path), requiredInputField(current, path) ? ofType(typePart(path)) : undefined);
    // Only an app that meets the object through that interface loses it.
    case ChangeType.ObjectTypeInterfaceRemoved: {
      const viaInterface = ofType(String(meta.removedInterfaceName));
      return (use) => (viaInterface(use) !== undefined ? ofType(path)(use) : undefined);
    }
  }
  if (path.startsWith('@')) return exact(path);
  // `Input.@oneOf`, `Type.field.@dir`: the element the directive sits on.
  const segments = path.split('.');
  const directiveAt = segments.findIndex((segment) => segment.startsWith('@'));
  const coordinate = directiveAt > 0 ? segments.slice(0, directiveAt).join('.') : path;
  return coordinate.includes('.') ? exact(coordinate) : ofType(coordinate);
}

function requiredArgument(schema: GraphQLSchema, path: string): boolean {
  const [typeName, fieldName, argName] = path.split('.');
  const type = schema.getType(typeName!);
  const arg = isObjectType(type) || isInterfaceType(type) ? type.getFields()[fieldName!]?.args.find((a) => a.name === argName) : undefined;
  return !!arg && isNonNullType(arg.type) && arg.defaultValue === undefined;
}

function requiredInputField(schema: GraphQLSchema, path: string): boolean {
  const [typeName, fieldName] = path.split('.');
  const type = schema.getType(typeName!);
  const field = isInputObjectType(type) ? type.getFields()[fieldName!] : undefined;
  return !!field && isNonNullType(field.type) && field.defaultValue === undefined;
}

function advice(change: Change): { effect: string; keep: string } {
  switch (change.type) {
    case ChangeType.FieldRemoved: return { effect: 'removes', keep: 'Keep the field (mark it @deprecated)' };
    case ChangeType.FieldArgumentRemoved: return { effect: 'removes', keep: 'Keep the argument (mark it @deprecated)' };
    case ChangeType.InputFieldRemoved: return { effect: 'removes', keep: 'Keep the input field (mark it @deprecated)' };
    case ChangeType.EnumValueRemoved: return { effect: 'removes', keep: 'Keep the value (mark it @deprecated)' };
    case ChangeType.TypeRemoved: return { effect: 'removes', keep: 'Keep the type' };
    case ChangeType.UnionMemberRemoved: return { effect: 'takes a member from', keep: 'Keep the member' };
    case ChangeType.FieldTypeChanged:
    case ChangeType.FieldArgumentTypeChanged:
    case ChangeType.InputFieldTypeChanged:
      return { effect: 'retypes', keep: 'Keep the old type (add a new field beside it and deprecate this one)' };
    case ChangeType.FieldArgumentAdded:
    case ChangeType.InputFieldAdded:
      return { effect: 'makes require a new input', keep: 'Make the new input optional (or give it a default)' };
    default: return { effect: 'breaks', keep: 'Make the change additive instead (a new field or type beside the old one)' };
  }
}

export function verb(coordinate: string, use: OperationUsage): string {
  if (use.selections.has(coordinate)) return 'selects';
  if (coordinate.startsWith('@')) return 'uses the directive';
  const depth = coordinate.split('.').length;
  return depth === 3 ? 'passes' : depth === 2 ? 'can send' : 'uses';
}

function isCacheHintChange(change: Change): boolean {
  if (!String(change.type).startsWith('DIRECTIVE_USAGE')) return false;
  const meta = change.meta as Record<string, unknown>;
  return (meta.addedDirectiveName ?? meta.removedDirectiveName ?? meta.directiveName) === 'cacheControl';
}

function isGateDirectiveChange(change: Change): boolean {
  if (!String(change.type).startsWith('DIRECTIVE_USAGE')) return false;
  const meta = change.meta as Record<string, unknown>;
  const name = meta.addedDirectiveName ?? meta.removedDirectiveName ?? meta.directiveName;
  return name === 'since' || name === 'deprecated';
}

