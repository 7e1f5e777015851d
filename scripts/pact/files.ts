import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where the BFFs' pacts are kept: `concierge-<client>-<service>.json`, one per client BFF and service. */
export const PACTS_DIR = new URL('../../pacts/', import.meta.url).pathname;

const providerOf = (path: string) => (JSON.parse(readFileSync(path, 'utf8')) as { provider: { name: string } }).provider.name;
const pactPaths = (dir: string) =>
  readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => join(dir, file));

/** The pact files in `dir` whose provider is `provider`. */
export const pactFilesOf = (provider: string, dir: string = PACTS_DIR): string[] => pactPaths(dir).filter((path) => providerOf(path) === provider);

/** Every provider the pacts in `dir` name, sorted. */
export const providersIn = (dir: string = PACTS_DIR): string[] => [...new Set(pactPaths(dir).map(providerOf))].sort();
