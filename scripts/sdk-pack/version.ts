import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import semver from 'semver';
import { readReleases, type Release } from '../../bffs/kit/contracts/releases.ts';
import { compareVersions } from '../../bffs/kit/contracts/versions.ts';

/**
 * The version of `@concierge/<client>-sdk`: the app release whose documents it holds.
 *
 * Not package.json's version (0.1.0, the private repository's, which says nothing about what an
 * app sends). An SDK is the set of documents an app ships, and `npm run release -- <client>
 * <version>` freezes exactly that set under `bffs/<client>/releases/<version>/`. So when the
 * working copy's documents (its generated manifest) are the latest release's, the package is that
 * release, `1.1.0`, the same version the app sends as `x-client-version`. When they differ (an
 * operation changed or was added since the last release), the package is a prerelease of the next
 * patch, `1.1.1-next-<8 hex of the manifest's ids>`: semver ranges such as `^1.1.0` never pick it,
 * and recording the release (`npm run release`) makes the next pack a plain version.
 */
export interface SdkVersion {
  version: string;
  /** The release the documents are, when they are one. */
  release?: string;
  /** One sentence saying where the version came from. */
  reason: string;
}

export function sdkVersion(root: string, client: string): SdkVersion {
  const manifestPath = join(root, 'bffs', client, 'generated', 'trusted-documents.generated.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, string>;
  return versionOf(client, Object.keys(manifest), readReleases(join(root, 'bffs', client, 'releases')));
}

/** The same, from the documents' ids and the client's releases (codegen's `client-version` plugin has no manifest file yet). */
export function versionOf(client: string, documentIds: readonly string[], releases: readonly Release[]): SdkVersion {
  const ids = [...documentIds].sort();
  const latest = [...releases].sort((a, b) => compareVersions(a.version, b.version)).at(-1);

  if (latest) {
    const shipped = latest.documents.map((document) => document.id).sort();
    if (shipped.length === ids.length && shipped.every((id, i) => id === ids[i])) {
      return { version: latest.version, release: latest.version, reason: `release ${latest.version} (bffs/${client}/releases/${latest.version}/) ships exactly these documents` };
    }
  }
  // One identifier after the hyphen: a dot-separated all-digit hex with a leading zero would not be semver.
  const digest = createHash('sha256').update(ids.join('\n')).digest('hex').slice(0, 8);
  const next = latest ? semver.inc(latest.version, 'patch')! : '0.0.0';
  return {
    version: `${next}-next-${digest}`,
    reason: latest
      ? `the documents differ from ${client} ${latest.version}, the latest release: a prerelease until \`npm run release -- ${client} <version>\` records them`
      : `${client} has no release yet (bffs/${client}/releases/): a prerelease until \`npm run release -- ${client} <version>\` records one`,
  };
}
