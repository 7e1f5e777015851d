/**
 * `npm run release -- <client> <version> [--date YYYY-MM-DD]`
 *
 * Freezes what one app version ships: its trusted documents (ids and text, as the SDK sends them),
 * the SDL it was built against, and the day. Written under `bffs/<client>/releases/<version>/`,
 * to be committed: the BFF serves every supported release's documents from there, and
 * `npm run contracts:check` holds every later schema to them.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildSchema, parse, validate } from 'graphql';
import { readReleases, RELEASE_FILE, RELEASE_SCHEMA_FILE, type Release } from '../../bffs/kit/contracts/releases.ts';
import { compareVersions, parseVersion } from '../../bffs/kit/contracts/versions.ts';
import { trustedDocuments } from '../codegen/trusted-documents.ts';
import { withTypenames } from '../codegen/typename.ts';

export interface ReleaseOptions {
  /** The checkout to read and write: the repository, or a test's copy of it. */
  root: string;
  client: string;
  version: string;
  /** `YYYY-MM-DD`; today (UTC) unless given, so tests can pin it. */
  date?: string;
}

export function recordRelease({ root, client, version, date = new Date().toISOString().slice(0, 10) }: ReleaseOptions): Release {
  const operationsDir = join(root, 'bffs', client, 'operations');
  if (!existsSync(operationsDir)) throw new Error(`No client "${client}": bffs/${client}/operations/ does not exist.`);
  if (parseVersion(version) !== version) throw new Error(`"${version}" is not a release version: write it as major.minor.patch, like 1.2.0.`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`--date must be YYYY-MM-DD, not "${date}".`);

  const releasesDir = join(root, 'bffs', client, 'releases');
  const earlier = readReleases(releasesDir);
  const latest = earlier.at(-1);
  if (latest && compareVersions(version, latest.version) <= 0) {
    throw new Error(`${client} ${version} is not newer than its last release, ${latest.version}: releases are recorded once, in order.`);
  }

  const sdl = readFileSync(join(root, 'schemas', `${client}.graphql`), 'utf8');
  const schema = buildSchema(sdl);
  const files = readdirSync(operationsDir).filter((name) => name.endsWith('.graphql')).sort();
  // As codegen builds them (codegen.ts): with `__typename` where Apollo and urql add it.
  const documents = trustedDocuments(files.map((name) => ({ document: withTypenames(parse(readFileSync(join(operationsDir, name), 'utf8'))) })));
  for (const { name, text } of documents) {
    const errors = validate(schema, parse(text));
    if (errors.length) throw new Error(`${client} ${name} does not validate against schemas/${client}.graphql: ${errors.map((e) => e.message).join('; ')}`);
  }

  // The app sends the ids its generated SDK holds: a stale manifest would record ids no app sends.
  const manifestPath = join(root, 'bffs', client, 'generated', 'trusted-documents.generated.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, string>;
  const stale = documents.filter(({ id, text }) => manifest[id] !== text);
  if (stale.length || Object.keys(manifest).length !== documents.length) {
    throw new Error(`bffs/${client}/generated/trusted-documents.generated.json does not match bffs/${client}/operations/: run \`npm run codegen\` first, so the release records what the SDK sends.`);
  }

  const release: Release = { client, version, releasedAt: date, documents, schema: sdl };
  const dir = join(releasesDir, version);
  mkdirSync(dir, { recursive: true });
  const { schema: _schema, ...meta } = release;
  writeFileSync(join(dir, RELEASE_FILE), `${JSON.stringify(meta, null, 2)}\n`);
  writeFileSync(join(dir, RELEASE_SCHEMA_FILE), sdl);
  return release;
}

function main(argv: string[]): void {
  const positional = argv.filter((arg, i) => !arg.startsWith('--') && argv[i - 1] !== '--date');
  const dateAt = argv.indexOf('--date');
  const [client, version] = positional;
  if (!client || !version) {
    console.error('usage: npm run release -- <client> <version> [--date YYYY-MM-DD]');
    process.exit(2);
  }
  try {
    const release = recordRelease({ root: resolve('.'), client, version, ...(dateAt >= 0 ? { date: argv[dateAt + 1]! } : {}) });
    console.log(`Recorded ${client} ${version} (${release.releasedAt}): ${release.documents.map((d) => d.name).join(', ')}.`);
    console.log(`Run \`npm run codegen\` (the SDK's version becomes ${version}), then commit bffs/${client}/releases/${version}/ and bffs/${client}/sdk/version.generated.ts. The BFF serves it while the policy in bffs/${client}/policy.ts supports ${version}.`);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
