import { readFileSync } from 'node:fs';
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
