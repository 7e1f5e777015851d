import { readFileSync } from 'node:fs';

/** An operation file an app ships, read as the app sends it. */
export const operation = (client: 'web' | 'mobile' | 'tv', name: string) =>
  readFileSync(new URL(`../../bffs/${client}/operations/${name}.graphql`, import.meta.url), 'utf8');
