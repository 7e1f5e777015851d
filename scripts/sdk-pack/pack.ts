import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import semver from 'semver';
import { CLIENT_NAMES } from '../../bffs/clients.ts';
import { compileSdk, SdkBuildError } from './compile.ts';
import { sdkVersion } from './version.ts';

/**
 * `npm run sdk:pack -- <client> [--out <dir>]`: one client's SDK as an npm package an app
 * repository installs, `@concierge/<client>-sdk`, packed with `npm pack`:
 *
 * - `dist/<client>/sdk/`: the typed documents (a `TypedDocumentNode` per operation), the
 *   trusted-document ids and `createClient`, as ESM JavaScript with declarations;
 * - `dist/kit/sdk/request.*`: the kit's request function, the one piece of the kit the SDK imports
 *   (compile.ts refuses anything else from bffs/);
 * - `trusted-documents.json`: the client's manifest, `{ "sha256:<hex>": "<text>" }`, and
 *   `persisted-query-manifest.json`, the same in Apollo's format (for `@apollo/persisted-query-lists`
 *   and urql's `persistedExchange`);
 * - package.json: `exports` (types + import), `type: module`, `sideEffects: false`, and peer
 *   dependencies on the packages the compiled files import (graphql at run time,
 *   @graphql-typed-document-node/core in the declarations).
 *
 * The version is the client's release whose documents these are (version.ts), which the SDK also
 * sends as `x-client-version` (its generated `version.generated.ts`, checked here to agree). The
 * package is publishable as it is (`npm publish <tarball>` to the registry the app's `.npmrc` names
 * for `@concierge`): a prerelease (`-next-`) is published under the `next` dist-tag, so `latest`,
 * and every caret range, stay on recorded releases.
 */
export interface PackOptions {
  /** The checkout to read. */
  root: string;
  client: string;
  /** Where the tarball goes; made if missing. */
  out: string;
}

export interface PackedSdk {
  name: string;
  version: string;
  /** Where the version came from (version.ts). */
  versionReason: string;
  tarball: string;
  /** The tarball's files, as `npm pack` lists them. */
  files: { path: string; size: number }[];
  size: number;
  unpackedSize: number;
}

export const sdkPackageName = (client: string) => `@concierge/${client}-sdk`;

/** The packages the compiled SDK may import, each with the root package.json entry its range comes from. */
const PEERS = ['graphql', '@graphql-typed-document-node/core'] as const;

export function packSdk({ root, client, out }: PackOptions): PackedSdk {
  if (!(CLIENT_NAMES as readonly string[]).includes(client)) {
    throw new SdkBuildError(`No client "${client}": the clients are ${CLIENT_NAMES.join(', ')} (bffs/clients.ts).`);
  }
  const { version, reason } = sdkVersion(root, client);
  const generated = join(root, 'bffs', client, 'sdk', 'version.generated.ts');
  const sent = /clientVersion = '([^']+)'/.exec(readFileSync(generated, 'utf8'))?.[1];
  if (sent !== version) {
    throw new SdkBuildError(`bffs/${client}/sdk/version.generated.ts says ${sent ?? 'nothing'}, but the package is ${version} (${reason}): run \`npm run codegen\`, so the SDK sends the version it is published as.`);
  }
  const stage = mkdtempSync(join(tmpdir(), `concierge-${client}-sdk-`));
  try {
    const compiled = compileSdk({ root, client, outDir: join(stage, 'dist') });
    const peers = peerDependencies(root, [...compiled.imports.runtime, ...compiled.imports.types]);
    const name = sdkPackageName(client);
    const dist = (path: string) => `./dist/${path}`;
    const manifest = {
      name,
      version,
      description: `Typed GraphQL SDK for the Concierge ${client} BFF: a TypedDocumentNode per operation, the trusted-document ids and createClient.`,
      license: 'UNLICENSED',
      type: 'module',
      sideEffects: false,
      exports: {
        '.': { types: dist(compiled.entry.types), import: dist(compiled.entry.js) },
        './trusted-documents': { types: dist(compiled.ids.types), import: dist(compiled.ids.js) },
        './trusted-documents.json': './trusted-documents.json',
        './persisted-query-manifest.json': './persisted-query-manifest.json',
        './package.json': './package.json',
      },
      // For resolvers that predate `exports` (moduleResolution node10).
      types: dist(compiled.entry.types),
      files: ['dist', 'trusted-documents.json', 'persisted-query-manifest.json'],
      peerDependencies: peers,
      // npm refuses a prerelease without a tag: `next` keeps `latest` on the recorded releases.
      publishConfig: { tag: semver.prerelease(version) ? 'next' : 'latest' },
    };
    writeFileSync(join(stage, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    const manifestPath = join(root, 'bffs', client, 'generated', 'trusted-documents.generated.json');
    copyFileSync(manifestPath, join(stage, 'trusted-documents.json'));
    copyFileSync(join(root, 'bffs', client, 'generated', 'persisted-query-manifest.generated.json'), join(stage, 'persisted-query-manifest.json'));
    writeFileSync(join(stage, 'README.md'), packageReadme(client, name, version, JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, string>));

    const destination = resolve(root, out);
    mkdirSync(destination, { recursive: true });
    const output = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', destination], {
      cwd: stage,
      env: npmEnv(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const [packed] = JSON.parse(output) as { filename: string; files: { path: string; size: number }[]; size: number; unpackedSize: number }[];
    if (!packed) throw new SdkBuildError(`npm pack printed no result: ${output}`);
    return {
      name,
      version,
      versionReason: reason,
      tarball: join(destination, packed.filename),
      files: packed.files.map(({ path, size }) => ({ path, size })).sort((a, b) => (a.path < b.path ? -1 : 1)),
      size: packed.size,
      unpackedSize: packed.unpackedSize,
    };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/**
 * A peer range per imported package: any release of the major the BFF is built with (its range in
 * the root package.json), since the SDK needs only `print`, `getOperationAST` and the
 * `DocumentNode`/`TypedDocumentNode` types, stable within a major. An import of anything else fails.
 */
function peerDependencies(root: string, imported: readonly string[]): Record<string, string> {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
  const unexpected = imported.filter((name) => !(PEERS as readonly string[]).includes(name));
  if (unexpected.length) throw new SdkBuildError(`The compiled SDK imports ${unexpected.join(', ')}: only ${PEERS.join(' and ')} may be peer dependencies (scripts/sdk-pack/pack.ts).`);
  return Object.fromEntries(
    PEERS.filter((name) => imported.includes(name)).map((name) => {
      const range = pkg.dependencies?.[name] ?? pkg.devDependencies?.[name];
      const major = range && /^[\^~]?(\d+)\./.exec(range)?.[1];
      if (!major) throw new SdkBuildError(`package.json has no plain range for ${name} ("${range}") to take the SDK's peer range from.`);
      return [name, `^${major}.0.0`];
    }),
  );
}

/** The environment for a child npm: without the `npm_config_*` an enclosing `npm run` sets, so its project is never the checkout's. */
export function npmEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_(config|package|lifecycle)_/i.test(key)));
}

function packageReadme(client: string, name: string, version: string, trusted: Record<string, string>): string {
  // The client's home query when it has one (by convention <Name>Home), else its first query.
  const queries = Object.values(trusted).flatMap((text) => /^query\s+(\w+)/.exec(text)?.[1] ?? []).sort();
  const home = `${client.charAt(0).toUpperCase()}${client.slice(1)}Home`;
  const example = queries.includes(home) ? home : (queries[0] ?? home);
  return `# ${name} ${version}

The typed GraphQL SDK of the Concierge ${client} BFF, built from the operations the ${client} app
sends (\`npm run sdk:pack -- ${client}\` in the Concierge repository).

\`\`\`sh
npm install ${name}@${version} graphql @graphql-typed-document-node/core
\`\`\`

\`\`\`ts
import { ${example}Document, clientVersion, createClient } from '${name}';

const request = createClient({ url: 'https://${client}.bff.example/graphql', token: () => session.token });
const { data, errors, status } = await request(${example}Document);
\`\`\`

\`createClient\` sends a query as \`GET ?documentId=…&variables=…\` (its trusted-document id: the
cacheable form, which HTTP caches keep and revalidate with a 304) and a mutation as a POST of
\`{ documentId, variables }\`, each with \`x-client-version: ${version}\` (\`clientVersion\`), and
returns \`{ data, errors, status }\` without throwing on GraphQL errors: a partial response (a null
field with \`errors[].extensions.code\`) is still one to render. The ids are also exported from
\`${name}/trusted-documents\`; the manifest (id → document text) is
\`${name}/trusted-documents.json\`, and the same in Apollo's persisted-query-manifest format is
\`${name}/persisted-query-manifest.json\`, for Apollo Client's \`PersistedQueryLink\`
(\`generatePersistedQueryIdsFromManifest\` from \`@apollo/persisted-query-lists\`) or urql's
\`persistedExchange\` (\`generateHash\` by operation name).
`;
}
