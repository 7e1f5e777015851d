import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readReleases, type Release } from './releases.ts';
import { compareVersions, isSupported, minimumVersion, type ClientVersionPolicy } from './versions.ts';

/** What `npm run codegen` writes for the working copy's operations: `sha256:<hex>` → text. */
export type Manifest = ReadonlyMap<string, string>;

/** A document the BFF runs by id. */
export interface TrustedDocument {
  text: string;
  /** The supported releases that ship it, oldest first; empty when only the working copy has it. */
  releases: readonly string[];
  /** The working copy's operations have it: the app built from this checkout sends it. */
  current: boolean;
}

/** What the BFF serves by id, and what it refuses as too old (stages/trusted-documents.ts). */
export interface DocumentCatalog {
  documents: ReadonlyMap<string, TrustedDocument>;
  /** Ids shipped only by retired releases: CLIENT_VERSION_UNSUPPORTED, naming the minimum. */
  retired: ReadonlySet<string>;
  /** The supported releases' versions: a request naming one is served as it, whatever document it sends. */
  released: ReadonlySet<string>;
  versions: ClientVersionPolicy;
  minimumVersion: string;
}

/** A client's documents as its BFF is built from them: the working copy, its releases, its support policy. */
export interface ClientDocuments {
  manifest: Manifest;
  releases: readonly Release[];
  versions: ClientVersionPolicy;
}

/** The releases the client still supports, oldest first: what an app in the field may be. */
export function supportedReleases({ releases, versions }: Pick<ClientDocuments, 'releases' | 'versions'>): string[] {
  return releases
    .map((release) => release.version)
    .filter((version) => isSupported(versions, version))
    .sort(compareVersions);
}

/**
 * The trusted documents of every supported release, plus the working copy's (the next release,
 * built against the current schema). A document shipped only by retired releases is kept apart,
 * so that its app is told to update rather than that the document is unknown.
 */
export function createDocumentCatalog({ manifest, releases, versions }: ClientDocuments): DocumentCatalog {
  const shippedBy = new Map<string, { text: string; supported: string[]; retired: boolean }>();
  const released = new Set<string>();
  for (const [id, text] of manifest) shippedBy.set(id, { text, supported: [], retired: false });
  for (const release of [...releases].sort((a, b) => compareVersions(a.version, b.version))) {
    const supported = isSupported(versions, release.version);
    if (supported) released.add(release.version);
    for (const { id, text } of release.documents) {
      const entry = shippedBy.get(id) ?? { text, supported: [], retired: false };
      if (supported) entry.supported.push(release.version);
      else entry.retired = true;
      shippedBy.set(id, entry);
    }
  }
  const documents = new Map<string, TrustedDocument>();
  const retired = new Set<string>();
  for (const [id, { text, supported, retired: onlyRetired }] of shippedBy) {
    if (supported.length || manifest.has(id)) documents.set(id, { text, releases: supported, current: manifest.has(id) });
    else if (onlyRetired) retired.add(id);
  }
  return { documents, retired, released, versions, minimumVersion: minimumVersion(versions) };
}

/**
 * A client's documents by the kit's layout: `generated/trusted-documents.generated.json` and
 * `releases/` beside its `bff.ts`.
 */
export function readClientDocuments(clientDir: URL, versions: ClientVersionPolicy): ClientDocuments {
  const manifest = new Map(Object.entries(JSON.parse(readFileSync(new URL('generated/trusted-documents.generated.json', clientDir), 'utf8')) as Record<string, string>));
  return { manifest, releases: readReleases(fileURLToPath(new URL('releases/', clientDir))), versions };
}
