/**
 * The logic of `npm run contracts:check`, free of the file system: one client's current SDL held
 * to the releases its policy still supports. An app in the field cannot be redeployed, so every
 * change is judged by whether a supported release actually uses what it touches.
 */
import { buildSchema, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { diff } from '@graphql-inspector/core';
import semver from 'semver';
import { opens, readSchemaGates, type SchemaGates } from '../../bffs/kit/contracts/gates.ts';
import type { Release, ReleasedDocument } from '../../bffs/kit/contracts/releases.ts';
import { compareVersions, isSupported, type ClientVersionPolicy } from '../../bffs/kit/contracts/versions.ts';
import { deprecations } from './deprecations.ts';
import { judge, verb } from './judge-change.ts';
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
export interface ReleaseContext {
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

function unique(findings: Finding[]): Finding[] {
  return [...new Map(findings.map((finding) => [finding.message, finding])).values()];
}
