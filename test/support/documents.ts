import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readReleases } from '../../bffs/kit/contracts/releases.ts';
import type { ClientName } from '../../bffs/clients.ts';

/** An operation file an app ships, read as the app sends it. */
export const operation = (client: ClientName, name: string) =>
  readFileSync(new URL(`../../bffs/${client}/operations/${name}.graphql`, import.meta.url), 'utf8');

/** The trusted-document id `npm run codegen` gave an operation file (its SDK sends it). */
export function documentId(client: ClientName, name: string): string {
  const manifest = JSON.parse(readFileSync(new URL(`../../bffs/${client}/generated/trusted-documents.generated.json`, import.meta.url), 'utf8')) as Record<string, string>;
  const found = Object.entries(manifest).find(([, text]) => new RegExp(`^(query|mutation) ${name}\\b`).test(text));
  if (!found) throw new Error(`no trusted document for ${client} ${name}`);
  return found[0];
}

/**
 * The id a released app sends for an operation: from `bffs/<client>/releases/<version>/` (the
 * oldest release when no version is given). Unlike `documentId`, the working copy's, which only
 * the next release ships and the BFF serves as the newest (README: Releasing a client).
 */
export function releasedDocumentId(client: ClientName, name: string, version?: string): string {
  const releases = readReleases(fileURLToPath(new URL(`../../bffs/${client}/releases/`, import.meta.url)));
  const release = version === undefined ? releases[0] : releases.find((r) => r.version === version);
  const found = release?.documents.find((document) => document.name === name);
  if (!found) throw new Error(`no ${client} release ${version ?? '(oldest)'} ships ${name}`);
  return found.id;
}
