/**
 * The logic of `npm run contracts:check`, free of the file system: one client's current SDL held
 * to the releases its policy still supports. An app in the field cannot be redeployed, so every
 * change is judged by whether a supported release actually uses what it touches.
 */
import {
  buildSchema, isEnumType, isInputObjectType, isInterfaceType, isNonNullType, isObjectType, isUnionType, parse, validate,
  type DocumentNode, type GraphQLSchema,
} from 'graphql';
import { ChangeType, CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import semver from 'semver';
import { opens, readSchemaGates, type SchemaGates } from '../../bffs/kit/contracts/gates.ts';
import type { Release, ReleasedDocument } from '../../bffs/kit/contracts/releases.ts';
import { sinceOf } from '../../bffs/kit/contracts/since.ts';
import { compareVersions, isSupported, type ClientVersionPolicy } from '../../bffs/kit/contracts/versions.ts';
import { usageOf, type OperationUsage } from './usage.ts';

export interface ContractCheckInput {
  client: string;
  /** The current SDL text (schemas/<client>.graphql). */
  sdl: string;
  /** Every recorded release, supported or not; only the supported ones are held to. */
  releases: readonly Release[];
  policy: ClientVersionPolicy;
}

export type FindingKind = 'schema' | 'invalid-document' | 'gated-selection' | 'breaking' | 'dangerous';

export interface Finding {
  kind: FindingKind;
  message: string;
  release?: string;
  operation?: string;
  coordinate?: string;
}

export interface DeprecationUse {
  coordinate: string;
  reason: string;
  usedBy: { version: string; releasedAt: string; operations: string[] }[];
  message: string;
}

export interface ContractReport {
  client: string;
  /** The supported releases checked, oldest first. */
  checked: { version: string; releasedAt: string; documents: number }[];
  /** Recorded releases the policy no longer supports: nothing holds the schema to them. */
  retired: string[];
  documents: number;
  failures: Finding[];
  warnings: Finding[];
  deprecations: DeprecationUse[];
}

/** What judging one release needs. */
interface ReleaseContext {
  client: string;
  release: Release;
  uses: OperationUsage[];
  before: GraphQLSchema;
  current: GraphQLSchema;
  /**
   * The version a gate on something added since `release` should name: the first later release
   * whose own schema has it (its app knows it), else the minor after the newest release.
   */
  gateVersion: (has: (schema: GraphQLSchema) => boolean) => string;
  /** How to retire this release, as the policy is written. */
  retire: string;
}

export async function checkContracts({ client, sdl, releases, policy }: ContractCheckInput): Promise<ContractReport> {
  const supported = releases.filter((release) => isSupported(policy, release.version));
  const report: ContractReport = {
    client,
    checked: supported.map(({ version, releasedAt, documents }) => ({ version, releasedAt, documents: documents.length })),
    retired: releases.filter((release) => !supported.includes(release)).map((release) => release.version),
    documents: supported.reduce((sum, release) => sum + release.documents.length, 0),
    failures: [],
    warnings: [],
    deprecations: [],
  };
  const fail = (finding: Finding) => report.failures.push(finding);

  let current: GraphQLSchema;
  let gates: SchemaGates;
  try {
    current = buildSchema(sdl);
    gates = readSchemaGates(current);
  } catch (error) {
    fail({ kind: 'schema', message: `schemas/${client}.graphql does not build: ${(error as Error).message}` });
    return report;
  }
  const gateVersionAfter = gateVersions(releases);
  const usage = new Map<string, OperationUsage[]>();

  for (const release of supported) {
    const { version } = release;
    const retire = retireStep(client, version, policy);
    let before: GraphQLSchema | undefined;
    try {
      before = buildSchema(release.schema);
    } catch (error) {
      fail({ kind: 'schema', release: version, message: `bffs/${client}/releases/${version}/schema.graphql does not build: ${(error as Error).message}` });
    }
    // Usage is read against the release's own schema: that is what its app was built to.
    const uses: OperationUsage[] = [];
    for (const document of release.documents) {
      const parsed = checkDocument(document, { client, version, retire, current, gates }, fail);
      if (parsed && before) uses.push(...usageOf(before, parsed, document.name));
    }
    usage.set(version, uses);
    if (!before) continue;

    // Step 2: every change since this release, judged by what this release uses.
    const context: ReleaseContext = { client, release, uses, before, current, gateVersion: gateVersionAfter(version), retire };
    for (const change of await diff(before, current)) {
      for (const finding of judge(change, context)) {
        if (finding.release) fail(finding);
        else report.warnings.push(finding);
      }
    }
  }
  report.deprecations = deprecations(client, current, supported, usage);
  report.failures = unique(report.failures);
  report.warnings = unique(report.warnings);
  return report;
}

/**
 * Step 1 for one released document: it still validates against the current schema, and selects
 * nothing gated past its release. Returns the parsed document, unless it does not parse.
 */
function checkDocument(
  document: ReleasedDocument,
  { client, version, retire, current, gates }: { client: string; version: string; retire: string; current: GraphQLSchema; gates: SchemaGates },
  fail: (finding: Finding) => void,
): DocumentNode | undefined {
  let parsed: DocumentNode;
  try {
    parsed = parse(document.text);
  } catch (error) {
    fail({ kind: 'invalid-document', release: version, operation: document.name, message: `${client} ${version} ${document.name} does not parse: ${(error as Error).message}` });
    return undefined;
  }
  // One document at a time: releases share fragment names across documents, which together
  // would fail as duplicates although each document is valid on its own.
  const errors = validate(current, parsed);
  if (errors.length) {
    fail({
      kind: 'invalid-document', release: version, operation: document.name,
      message: `${client} ${version} ${document.name} no longer validates against schemas/${client}.graphql: ${errors.map((e) => e.message).join(' ')} Restore what it uses, or retire ${client} ${version} first: ${retire}.`,
    });
  }
  // A gate newer than the release makes the BFF refuse the document from that very app.
  for (const use of usageOf(current, parsed, document.name)) {
    for (const coordinate of use.coordinates) {
      const since = gates.selections.get(coordinate);
      if (!since || opens(version, since.version)) continue;
      fail({
        kind: 'gated-selection', release: version, operation: use.operation, coordinate,
        message: `${client} ${version} ${use.operation} ${verb(coordinate, use)} ${coordinate}, which schemas/${client}.graphql gates @since(version: "${since.version}"): the BFF would refuse it from ${client} ${version}. Lower or remove the gate, or retire ${client} ${version} first: ${retire}.`,
      });
    }
  }
  return parsed;
}

/** One change against one release: failures (they name the release), a warning (it does not), or nothing. */
function judge(change: Change, context: ReleaseContext): Finding[] {
  // The gate directives are judged directly (gated selections above, gated values below):
  // inspector only sees that a directive moved, not which app versions it hides things from.
  if (isGateDirectiveChange(change)) return [];
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
  // Only the root operation type changes have no path: match on the old root type.
  if (!path) {
    const root = meta.oldQueryTypeName ?? meta.oldMutationTypeName ?? meta.oldSubscriptionTypeName;
    return typeof root === 'string' ? ofType(root) : () => undefined;
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

function verb(coordinate: string, use: OperationUsage): string {
  if (use.selections.has(coordinate)) return 'selects';
  if (coordinate.startsWith('@')) return 'uses the directive';
  const depth = coordinate.split('.').length;
  return depth === 3 ? 'passes' : depth === 2 ? 'can send' : 'uses';
}

/** For each release version, how to find the version its gates should name (see ReleaseContext). */
function gateVersions(releases: readonly Release[]): (version: string) => ReleaseContext['gateVersion'] {
  const sorted = [...releases].sort((a, b) => compareVersions(a.version, b.version));
  const newest = sorted.at(-1)?.version ?? '0.0.0';
  const schemas = new Map<string, GraphQLSchema | undefined>();
  const schemaOf = (release: Release) => {
    if (!schemas.has(release.version)) {
      try {
        schemas.set(release.version, buildSchema(release.schema));
      } catch {
        schemas.set(release.version, undefined); // reported where that release is checked
      }
    }
    return schemas.get(release.version);
  };
  return (version) => (has) => {
    const knows = sorted.find((release) => {
      if (compareVersions(release.version, version) <= 0) return false;
      const schema = schemaOf(release);
      return !!schema && has(schema);
    });
    return knows?.version ?? semver.inc(newest, 'minor') ?? newest;
  };
}

function retireStep(client: string, version: string, policy: ClientVersionPolicy): string {
  return 'minimum' in policy.supported
    ? `raise the minimum in bffs/${client}/policy.ts`
    : `drop ${version} from the supported versions in bffs/${client}/policy.ts`;
}

function isGateDirectiveChange(change: Change): boolean {
  if (!String(change.type).startsWith('DIRECTIVE_USAGE')) return false;
  const meta = change.meta as Record<string, unknown>;
  const name = meta.addedDirectiveName ?? meta.removedDirectiveName ?? meta.directiveName;
  return name === 'since' || name === 'deprecated';
}

/** Deprecated fields, arguments, input fields and enum values, with who still uses them. */
function deprecations(client: string, schema: GraphQLSchema, releases: Release[], usage: Map<string, OperationUsage[]>): DeprecationUse[] {
  const deprecated: { coordinate: string; reason: string }[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (field.deprecationReason != null) deprecated.push({ coordinate: `${type.name}.${field.name}`, reason: field.deprecationReason });
        for (const arg of field.args) {
          if (arg.deprecationReason != null) deprecated.push({ coordinate: `${type.name}.${field.name}.${arg.name}`, reason: arg.deprecationReason });
        }
      }
    }
    if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (field.deprecationReason != null) deprecated.push({ coordinate: `${type.name}.${field.name}`, reason: field.deprecationReason });
      }
    }
    if (isEnumType(type)) {
      for (const value of type.getValues()) {
        if (value.deprecationReason != null) deprecated.push({ coordinate: `${type.name}.${value.name}`, reason: value.deprecationReason });
      }
    }
  }
  return deprecated.map(({ coordinate, reason }) => {
    const usedBy = releases.flatMap(({ version, releasedAt }) => {
      const operations = (usage.get(version) ?? []).filter((use) => use.coordinates.has(coordinate)).map((use) => use.operation);
      return operations.length ? [{ version, releasedAt, operations: [...new Set(operations)] }] : [];
    });
    const head = `${coordinate} is deprecated ("${reason}")`;
    const versions = usedBy.map((u) => u.version);
    const message = usedBy.length
      ? `${head}: still used by ${usedBy.map((u) => `${client} ${u.version} (released ${u.releasedAt}: ${u.operations.join(', ')})`).join(', ')}; safe to remove once ${versions.join(' and ')} ${versions.length > 1 ? 'retire' : 'retires'}.`
      : `${head}: no supported release uses it; safe to remove now.`;
    return { coordinate, reason, usedBy, message };
  });
}

function unique(findings: Finding[]): Finding[] {
  return [...new Map(findings.map((finding) => [finding.message, finding])).values()];
}
