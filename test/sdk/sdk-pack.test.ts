/**
 * `npm run sdk:pack -- mobile` (scripts/sdk-pack/), then the package used the way an app repository
 * uses it: a throwaway app outside the checkout installs the tarball with npm (offline: graphql and
 * @graphql-typed-document-node/core are packed from this checkout's node_modules, into a private
 * npm cache), typechecks a correct file and a wrong one under `moduleResolution: bundler` and under
 * `node16`, and runs the JavaScript once in Node against a stub fetch.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import semver from 'semver';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { trustedDocumentIds } from '../../bffs/mobile/sdk/trusted-documents.generated.ts';
import { compileSdk, SdkBuildError } from '../../scripts/sdk-pack/compile.ts';
import { npmEnv, packSdk } from '../../scripts/sdk-pack/pack.ts';
import { sdkVersion } from '../../scripts/sdk-pack/version.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const run = promisify(execFile);
const PACKAGE = '@concierge/mobile-sdk';

let work: string;
let app: string;
let tarball: string;
let packOutput: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'concierge-sdk-pack-'));
  const out = join(work, 'out');
  const peers = join(work, 'peers');
  const cache = join(work, 'npm-cache');
  app = join(work, 'app');
  const env = npmEnv();
  mkdirSync(peers);

  // The command as `npm run sdk:pack -- mobile --out <dir>` runs it, and the peers, packed at once.
  const [packed, peerPack] = await Promise.all([
    run(process.execPath, ['--import', 'tsx', 'scripts/sdk-pack/main.ts', 'mobile', '--out', out], { cwd: ROOT, env }),
    run('npm', ['pack', join(ROOT, 'node_modules', 'graphql'), join(ROOT, 'node_modules', '@graphql-typed-document-node', 'core'), '--pack-destination', peers, '--json', '--ignore-scripts', '--offline', '--cache', cache], { cwd: work, env }),
  ]);
  packOutput = packed.stdout;
  const tarballs = readdirSync(out).filter((name) => name.endsWith('.tgz'));
  expect(tarballs).toHaveLength(1);
  tarball = join(out, tarballs[0]!);
  const peerTarballs = (JSON.parse(peerPack.stdout) as { name: string; filename: string }[]).map(({ name, filename }) => [name, `file:${join(peers, filename)}`]);

  mkdirSync(join(app, 'src'), { recursive: true });
  writeJson(join(app, 'package.json'), {
    name: 'sdk-consumer',
    private: true,
    type: 'module',
    dependencies: { [PACKAGE]: `file:${tarball}`, ...Object.fromEntries(peerTarballs) },
  });
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--cache', cache, '--prefix', app], { cwd: app, env });

  for (const [name, text] of Object.entries(APP_FILES)) writeFileSync(join(app, name), text);
  for (const mode of MODES) {
    for (const file of ['uses', 'misuses']) {
      writeJson(join(app, `tsconfig.${mode}.${file}.json`), {
        compilerOptions: { target: 'ES2022', ...COMPILER_MODES[mode], strict: true, noEmit: true, skipLibCheck: false, types: [] },
        files: [`src/${file}.ts`],
      });
    }
  }
}, 60_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('npm run sdk:pack -- mobile', () => {
  test('packs @concierge/mobile-sdk at the version of the release whose documents it holds', () => {
    const { version, release } = sdkVersion(ROOT, 'mobile');
    expect(tarball.endsWith(`/concierge-mobile-sdk-${version}.tgz`)).toBe(true);
    expect(packOutput).toContain(`Packed ${PACKAGE}@${version}: `);
    // When the working copy's documents are a recorded release (they are, as committed), it is that release.
    if (release) expect(readdirSync(join(ROOT, 'bffs', 'mobile', 'releases'))).toContain(version);
  });

  test('holds the compiled SDK and the manifest, and nothing of the BFF', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const files = stdout.split('\n').filter(Boolean).sort();
    expect(files.filter((path) => !path.startsWith('package/dist/'))).toEqual(['package/README.md', 'package/package.json', 'package/persisted-query-manifest.json', 'package/trusted-documents.json']);
    const dist = files.filter((path) => path.startsWith('package/dist/'));
    // Only bffs/mobile/sdk/ and, of the kit, its request function: no server, perimeter, loaders or downstream code.
    for (const path of dist) expect(path).toMatch(/^package\/dist\/(mobile\/sdk\/[\w.-]+|kit\/sdk\/request)\.(js|d\.ts)$/);
    for (const name of ['index', 'sdk.generated', 'trusted-documents.generated', 'version.generated']) {
      expect(dist).toContain(`package/dist/mobile/sdk/${name}.js`);
      expect(dist).toContain(`package/dist/mobile/sdk/${name}.d.ts`);
    }

    const installed = join(app, 'node_modules', ...PACKAGE.split('/'));
    const manifest = readJson(join(installed, 'package.json'));
    expect(manifest).toMatchObject({
      name: PACKAGE,
      type: 'module',
      sideEffects: false,
      exports: { '.': { types: './dist/mobile/sdk/index.d.ts', import: './dist/mobile/sdk/index.js' } },
      peerDependencies: { graphql: expect.stringMatching(/^\^16\./), '@graphql-typed-document-node/core': expect.stringMatching(/^\^3\./) },
    });
    expect(manifest).not.toHaveProperty('dependencies');
    expect(manifest).not.toHaveProperty('private');
    // npm refuses to publish a prerelease without a dist-tag; `next` keeps `latest` on the releases.
    expect(manifest).toHaveProperty(['publishConfig', 'tag'], sdkVersion(ROOT, 'mobile').release ? 'latest' : 'next');
    expect(readJson(join(installed, 'trusted-documents.json'))).toEqual(readJson(join(ROOT, 'bffs', 'mobile', 'generated', 'trusted-documents.generated.json')));
    // JavaScript and declarations alike: every relative import ends in .js (an app's tsconfig refuses .ts, TS5097).
    for (const path of dist) {
      const text = readFileSync(join(installed, path.slice('package/'.length)), 'utf8');
      expect(text, path).not.toMatch(/(?:from\s*|import\s*\(\s*)["']\.\.?\/[^"']*\.ts["']/);
    }
  });

  test('publishes to a registry: npm publish --dry-run of the tarball, naming no registry it could reach', async () => {
    const { version } = sdkVersion(ROOT, 'mobile');
    // Offline, to an unreachable registry: a dry run sends nothing (npm would otherwise spend a
    // minute retrying to look the package up); the login warning is only a warning. A prerelease
    // passes only through its publishConfig.tag: npm refuses one without a tag.
    const { stdout } = await run('npm', ['publish', tarball, '--dry-run', '--json', '--ignore-scripts', '--offline', '--cache', join(work, 'npm-cache'), '--registry', 'http://127.0.0.1:9/'], { cwd: work, env: npmEnv() });
    const published = (JSON.parse(stdout) as Record<string, { id: string; files: { path: string }[] }>)[PACKAGE];
    expect(published?.id).toBe(`${PACKAGE}@${version}`);
    expect(published?.files.map(({ path }) => path)).toEqual(expect.arrayContaining(['package.json', 'trusted-documents.json', 'persisted-query-manifest.json', 'dist/mobile/sdk/index.js']));
  });

  for (const mode of ['bundler', 'node16'] as const) {
    test(`typechecks an app that uses it correctly (moduleResolution ${mode})`, async () => {
      const result = await tsc(`tsconfig.${mode}.uses.json`);
      expect(result.output).toBe('');
      expect(result.code).toBe(0);
    });

    test(`refuses an app that misuses it, with the expected errors (moduleResolution ${mode})`, async () => {
      const result = await tsc(`tsconfig.${mode}.misuses.json`);
      expect(result.code).not.toBe(0);
      const errors = [...result.output.matchAll(/^(.+?)\((\d+),\d+\): error (TS\d+):/gm)].map(([, file, line, code]) => `${file}:${line} ${code}`);
      // Every error where a `// TSxxxx` marker says, and no other (no unresolved import, no error in the package).
      const expected = APP_FILES['src/misuses.ts'].split('\n').flatMap((text, i) => [...text.matchAll(/\/\/ (TS\d+)/g)].map(([, code]) => `src/misuses.ts:${i + 1} ${code}`));
      expect(expected).toHaveLength(4);
      expect(errors.sort()).toEqual(expected.sort());
    });
  }

  test('runs in Node: createClient sends a query by id as a GET with its version, and returns data beside the errors', async () => {
    const { stdout } = await run(process.execPath, ['run.mjs'], { cwd: app });
    const { sent, byId, asText, ids, manifest, apolloManifest, clientVersion } = JSON.parse(stdout) as {
      sent: { url: string; method: string; headers: Record<string, string>; body?: Record<string, unknown> }[];
      byId: unknown;
      asText: unknown;
      ids: Record<string, string>;
      manifest: Record<string, string>;
      apolloManifest: { format: string; operations: { id: string; body: string }[] };
      clientVersion: string;
    };
    // A query by id is a GET (the cacheable form), with the SDK's own version.
    const get = new URL(sent[0]!.url);
    expect(`${get.origin}${get.pathname}`).toBe('https://mobile.bff.test/graphql');
    expect(Object.fromEntries(get.searchParams)).toEqual({ documentId: trustedDocumentIds.MobileTitle, variables: '{"id":"t_404"}' });
    expect(sent[0]).toMatchObject({ method: 'GET', headers: { authorization: 'Bearer token-1', 'x-client-version': clientVersion } });
    expect(sent[0]!.body).toBeUndefined();
    expect(clientVersion).toBe(sdkVersion(ROOT, 'mobile').version);
    expect(apolloManifest.format).toBe('apollo-persisted-query-manifest');
    expect(Object.fromEntries(apolloManifest.operations.map(({ id, body }) => [`sha256:${id}`, body]))).toEqual(manifest);
    expect(byId).toEqual({ data: { title: null }, errors: [expect.objectContaining({ path: ['title'], extensions: { code: 'NOT_FOUND' } })], status: 200 });
    // documentIds: {} sends the text (graphql's print, at run time in the app), POSTed, which is the manifest's entry for that id.
    expect(sent[1]).toMatchObject({ method: 'POST', body: { query: manifest[trustedDocumentIds.MobileHome] } });
    expect(asText).toMatchObject({ status: 200 });
    expect(ids).toEqual(trustedDocumentIds);
  });
});

describe('the SDK version (scripts/sdk-pack/version.ts)', () => {
  const roots: string[] = [];
  afterAll(() => roots.forEach((root) => rmSync(root, { recursive: true, force: true })));

  function checkout(manifestIds: string[], releases: Record<string, string[]>): string {
    const root = mkdtempSync(join(tmpdir(), 'concierge-sdk-version-'));
    roots.push(root);
    mkdirSync(join(root, 'bffs', 'demo', 'generated'), { recursive: true });
    writeJson(join(root, 'bffs', 'demo', 'generated', 'trusted-documents.generated.json'), Object.fromEntries(manifestIds.map((id) => [id, `query ${id.slice(-1)} { a }`])));
    for (const [version, ids] of Object.entries(releases)) {
      const dir = join(root, 'bffs', 'demo', 'releases', version);
      mkdirSync(dir, { recursive: true });
      writeJson(join(dir, 'release.json'), { client: 'demo', version, releasedAt: '2026-01-01', documents: ids.map((id) => ({ name: id, id, text: '' })) });
      writeFileSync(join(dir, 'schema.graphql'), 'type Query { a: Int }\n');
    }
    return root;
  }

  test("is the latest release's when the documents are that release's", () => {
    expect(sdkVersion(checkout(['sha256:b', 'sha256:a'], { '1.0.0': ['sha256:a'], '1.2.0': ['sha256:a', 'sha256:b'] }), 'demo')).toMatchObject({ version: '1.2.0', release: '1.2.0' });
  });

  test('is a prerelease of the next patch, which no caret range picks, when they are not', () => {
    const changed = sdkVersion(checkout(['sha256:a', 'sha256:c'], { '1.2.0': ['sha256:a', 'sha256:b'] }), 'demo');
    expect(changed.version).toMatch(/^1\.2\.1-next-[0-9a-f]{8}$/);
    expect(changed.release).toBeUndefined();
    expect(semver.valid(changed.version)).toBe(changed.version);
    expect(semver.satisfies(changed.version, '^1.2.0')).toBe(false);
    expect(sdkVersion(checkout(['sha256:a'], {}), 'demo').version).toMatch(/^0\.0\.0-next-[0-9a-f]{8}$/);
  });

  test('packing refuses a client that is not in bffs/clients.ts', () => {
    expect(() => packSdk({ root: ROOT, client: 'kit', out: join(tmpdir(), 'unused') })).toThrow(SdkBuildError);
  });
});

describe('the SDK build (scripts/sdk-pack/compile.ts)', () => {
  test('refuses an SDK that imports kit code other than the request function, naming the file', () => {
    const root = mkdtempSync(join(tmpdir(), 'concierge-sdk-stray-'));
    try {
      writeJson(join(root, 'package.json'), { type: 'module' });
      mkdirSync(join(root, 'bffs', 'demo', 'sdk'), { recursive: true });
      mkdirSync(join(root, 'bffs', 'kit', 'server'), { recursive: true });
      writeFileSync(join(root, 'bffs', 'kit', 'server', 'create-bff.ts'), 'export const port = 4000;\n');
      writeFileSync(join(root, 'bffs', 'demo', 'sdk', 'index.ts'), "export { port } from '../../kit/server/create-bff.ts';\n");
      expect(() => compileSdk({ root, client: 'demo', outDir: join(root, 'out') })).toThrow(/not SDK code.*bffs\/kit\/server\/create-bff\.ts/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

const MODES = ['bundler', 'node16'] as const;
const COMPILER_MODES = {
  bundler: { module: 'esnext', moduleResolution: 'bundler' },
  node16: { module: 'node16', moduleResolution: 'node16' },
} as const;

/** The app: one file that uses the SDK as documented, one that misuses it, one that runs it. */
const APP_FILES = {
  'src/uses.ts': `import { createClient, MobileHomeDocument, MobileTitleDocument, type MobileHomeQuery } from '${PACKAGE}';
import { trustedDocumentIds } from '${PACKAGE}/trusted-documents';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

const request = createClient({ url: 'https://mobile.bff.example/graphql', token: () => 'token' });

export async function firstTitle(): Promise<string | undefined> {
  const { data, errors, status } = await request(MobileHomeDocument);
  const title = data?.home.rows[0]?.items[0]?.title;
  // Typed, not any: exactly string | undefined, and data exactly the generated result type.
  const exact: Equal<typeof title, string | undefined> = true;
  const typed: Equal<typeof data, MobileHomeQuery | null | undefined> = true;
  const code: string | undefined = errors?.[0]?.extensions?.code;
  const ok: number = status;
  void [exact, typed, code, ok];
  return title;
}

export async function releaseYear(id: string): Promise<number | undefined> {
  const { data } = await request(MobileTitleDocument, { id });
  return data?.title?.releaseYear;
}

export const homeId: \`sha256:\${string}\` = trustedDocumentIds.MobileHome;
`,
  'src/misuses.ts': `import { createClient, MobileHomeDocument, MobileTitleDocument } from '${PACKAGE}';

const request = createClient({ url: 'https://mobile.bff.example/graphql' });

export async function misuses() {
  const { data } = await request(MobileHomeDocument);
  const rating = data?.home.rows[0]?.items[0]?.rating; // TS2339: MobileHome selects no RowItem.rating
  await request(MobileTitleDocument, { contentId: 't_42' }); // TS2353: MobileTitle's variable is $id
  await request(MobileTitleDocument, { id: 42 }); // TS2322: $id is an ID, a string
  await request(MobileTitleDocument); // TS2554: MobileTitle requires $id
  return rating;
}
`,
  'run.mjs': `import { clientVersion, createClient, MobileHomeDocument, MobileTitleDocument } from '${PACKAGE}';
import { trustedDocumentIds } from '${PACKAGE}/trusted-documents';
import manifest from '${PACKAGE}/trusted-documents.json' with { type: 'json' };
import apolloManifest from '${PACKAGE}/persisted-query-manifest.json' with { type: 'json' };

const sent = [];
const fetch = async (url, init) => {
  sent.push({ url, method: init.method, headers: init.headers, body: init.body === undefined ? undefined : JSON.parse(init.body) });
  const body = { data: { title: null }, errors: [{ message: 'No such title.', path: ['title'], extensions: { code: 'NOT_FOUND' } }] };
  return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/graphql-response+json' } });
};
const byId = await createClient({ url: 'https://mobile.bff.test/graphql', token: () => 'token-1', fetch })(MobileTitleDocument, { id: 't_404' });
const asText = await createClient({ url: 'https://mobile.bff.test/graphql', fetch, documentIds: {} })(MobileHomeDocument);
console.log(JSON.stringify({ sent, byId, asText, ids: trustedDocumentIds, manifest, apolloManifest, clientVersion }));
`,
} as const;

async function tsc(project: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [TSC, '-p', project, '--pretty', 'false'], { cwd: app });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : 1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}
