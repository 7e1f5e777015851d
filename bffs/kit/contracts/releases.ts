import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareVersions } from './versions.ts';

/** One trusted document as an app version ships it. */
export interface ReleasedDocument {
  /** The operation's name. */
  name: string;
  /** `sha256:` + the hex SHA-256 of `text`, as the SDK sends it. */
  id: string;
  text: string;
}

/**
 * What one app version shipped, frozen by `npm run release -- <client> <version>` under
 * `bffs/<client>/releases/<version>/`: `release.json` (this, without the schema) and
 * `schema.graphql`, the SDL the app was built against.
 */
export interface Release {
  client: string;
  version: string;
  /** The day it was recorded, `YYYY-MM-DD`. */
  releasedAt: string;
  documents: ReleasedDocument[];
  schema: string;
}

export const RELEASE_FILE = 'release.json';
export const RELEASE_SCHEMA_FILE = 'schema.graphql';

/** Every recorded release of a client, oldest first; none when the folder does not exist yet. */
export function readReleases(releasesDir: string): Release[] {
  if (!existsSync(releasesDir)) return [];
  return readdirSync(releasesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => readRelease(join(releasesDir, entry.name)))
    .sort((a, b) => compareVersions(a.version, b.version));
}

export function readRelease(dir: string): Release {
  const meta = JSON.parse(readFileSync(join(dir, RELEASE_FILE), 'utf8')) as Omit<Release, 'schema'>;
  return { ...meta, schema: readFileSync(join(dir, RELEASE_SCHEMA_FILE), 'utf8') };
}
