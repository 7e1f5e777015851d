import { NEWEST, type ClientVersionView, type GateVersion } from '../../contracts/gates.ts';
import type { DocumentCatalog } from '../../contracts/document-catalog.ts';
import type { ContractUsage } from '../../contracts/usage.ts';
import { isSupported, parseVersion, VERSION_HEADERS } from '../../contracts/versions.ts';
import { concierge } from '../../errors.ts';
import type { Passage, Stage } from '../pipeline.ts';
import { unsupported } from './trusted-documents.ts';

/**
 * The app's version, and the version gating uses (contracts/gates.ts), after the document is
 * known:
 * - the app's `x-client-version` (or Apollo's `apollographql-client-version`); not a version: 400;
 *   a retired one: 400 CLIENT_VERSION_UNSUPPORTED with the minimum;
 * - a trusted document is believed only about the releases that ship it: a claim that names none
 *   of them (a missing header, a typo, "99.0.0") is served as the oldest supported release that
 *   does, so an old app never gets a new enum value by claiming to be new. A document only the
 *   working copy has is a development build's: naming a supported release, it is served as that
 *   release, so a working-copy document never changes what a released version is sent (and a
 *   field gated past that release is refused, as below); naming an unreleased version, or none,
 *   it gets the newest, as it was built against the current schema. So does a working-copy
 *   document without a header where the client needs none (web ships with its BFF);
 * - a raw document (development) is served as the version it claims, else as the oldest
 *   supported when the client requires a version, else as the newest.
 * Then an operation selecting a field or argument gated past that version is refused with 400,
 * like any field the schema lacks. The usage counters learn who sent what.
 */
export function clientVersionStage(catalog: DocumentCatalog, views: (version: GateVersion) => ClientVersionView, usage: ContractUsage): Stage {
  const absent = catalog.versions.required ? catalog.minimumVersion : NEWEST;
  // Remembered per version sent, so a request pays no version parsing; bounded, as versions are the client's to invent.
  const supported = new Map<string, boolean>();
  const isServed = (version: string) => {
    let served = supported.get(version);
    if (served === undefined) {
      served = isSupported(catalog.versions, version);
      if (supported.size < 256) supported.set(version, served);
    }
    return served;
  };
  return (passage) => {
    const claimed = claimedVersion(passage);
    if (claimed !== undefined && !isServed(claimed)) throw unsupported(catalog.minimumVersion);
    const document = passage.trusted ? passage.document : undefined;
    let version: GateVersion;
    if (!document) version = claimed ?? absent;
    else if (claimed !== undefined && document.releases.includes(claimed)) version = claimed;
    else if (claimed === undefined && absent === NEWEST && document.current) version = NEWEST;
    else if (document.releases.length > 0) version = document.releases[0]!;
    else version = claimed !== undefined && catalog.released.has(claimed) ? claimed : NEWEST;

    const operation = passage.operation!;
    const requires = operation.contract.requires;
    const view = views(version);
    if (requires && !view.sees(requires.coordinate)) {
      throw concierge('GRAPHQL_VALIDATION_FAILED', `Cannot query ${requires.coordinate} before app version ${requires.version}: this request is served as ${version}.`, { requiredVersion: requires.version }, { spec: true });
    }
    passage.clientVersion = view;
    passage.usageLabels = usage.record({ claimed, trusted: passage.trusted === true, operationName: operation.name, deprecated: operation.contract.deprecated });
  };
}

function claimedVersion({ request: { headers } }: Passage): string | undefined {
  for (const name of VERSION_HEADERS) {
    const header = headers.get(name);
    if (header === null) continue;
    const version = parseVersion(header);
    if (version === undefined) throw concierge('BAD_REQUEST', `${name} must be an app version like 1.2.0, not ${JSON.stringify(header.slice(0, 40))}.`);
    return version;
  }
  return undefined;
}
