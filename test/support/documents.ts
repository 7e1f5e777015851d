import { readFileSync } from 'node:fs';
import type { ClientName } from '../../bffs/clients.ts';
import { readRelease, type ReleasedDocument } from '../../bffs/kit/contracts/releases.ts';

/** An operation file an app ships, read as the app sends it. */
export const operation = (client: ClientName, name: string) =>
  readFileSync(new URL(`../../bffs/${client}/operations/${name}.graphql`, import.meta.url), 'utf8');

/**
 * The trusted-document id `npm run codegen` gave an operation file (its SDK sends it): the working
 * copy's, what a development build sends. A test that plays a released app sends
 * `releasedDocument` instead, as that app does.
 */
export function documentId(client: ClientName, name: string): string {
  const manifest = JSON.parse(readFileSync(new URL(`../../bffs/${client}/generated/trusted-documents.generated.json`, import.meta.url), 'utf8')) as Record<string, string>;
  const found = Object.entries(manifest).find(([, text]) => new RegExp(`^(query|mutation|subscription) ${name}\\b`).test(text));
  if (!found) throw new Error(`no trusted document for ${client} ${name}`);
  return found[0];
}

/** An operation exactly as a released app version shipped it (bffs/<client>/releases/<version>/). */
export function releasedDocument(client: ClientName, version: string, name: string): ReleasedDocument {
  const release = readRelease(new URL(`../../bffs/${client}/releases/${version}/`, import.meta.url).pathname);
  const found = release.documents.find((document) => document.name === name);
  if (!found) throw new Error(`${client} ${version} shipped no ${name}`);
  return found;
}
