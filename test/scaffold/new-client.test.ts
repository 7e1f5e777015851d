/**
 * `npm run new-client -- <name> --port <port>` (scripts/new-client/): its input checks in process,
 * then the real command on a throwaway `watch` client in a copy of this working tree, after which
 * the copy must typecheck, pass the architecture check (watch imports the kit's front door only),
 * pass the snapshot and policy tests, pass contracts:check, and serve watch's home from the mocks
 * under `npm start`.
 *
 * In the copy only the snapshot and policy tests run, not the whole suite: `npm test` runs this
 * file too and must stay under five minutes on a two-core machine. The other suites read the
 * same registry (bffs/clients.ts) and do not change with a new client.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CLIENTS, CLIENT_NAMES } from '../../bffs/clients.ts';
import { insertBeforeClose } from '../../scripts/new-client/insert.ts';
import { InputError, parseInput } from '../../scripts/new-client/input.ts';
import { SINCE_DIRECTIVE } from '../../scripts/new-client/templates/schema.ts';
import { CACHE_CONTROL_SDL } from '../../bffs/kit/caching/cache-hints.ts';
import { bffFactoryOf, defaultPortOf, dependenciesOf, perimeterPolicyOf, resiliencePolicyOf, versionPolicyOf } from '../support/clients.ts';
import { cleanEnv, copyWorkingTree, inCopy } from '../support/working-copy.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('the client registry, bffs/clients.ts', () => {
  test('names every client by the convention the tests and the scaffold rely on', async () => {
    expect(new Set(CLIENTS.map((c) => c.port)).size).toBe(CLIENTS.length);
    for (const client of CLIENT_NAMES) {
      expect(await defaultPortOf(client), `${client}'s bff.ts port`).toBe(CLIENTS.find((c) => c.name === client)!.port);
      expect(typeof (await bffFactoryOf(client)), client).toBe('function');
      for (const read of [resiliencePolicyOf, perimeterPolicyOf, versionPolicyOf, dependenciesOf]) expect(await read(client), client).toBeTypeOf('object');
    }
  });
});

describe('new-client input', () => {
  const context = { clients: CLIENTS, exists: (path: string) => path === 'schemas/stray.graphql' };
  const refusal = (argv: string[]) => {
    try {
      parseInput(argv, context);
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      return (error as Error).message;
    }
    throw new Error(`accepted ${argv.join(' ')}`);
  };

  test('takes a name and a port, either way the port is written', () => {
    expect(parseInput(['watch', '--port', '4003'], context)).toEqual({ name: 'watch', port: 4003 });
    expect(parseInput(['--port=4003', 'watch'], context)).toEqual({ name: 'watch', port: 4003 });
  });

  test('refuses an existing client, a reserved name, a name not in lower-case letters, or one whose files exist', () => {
    expect(refusal(['mobile', '--port', '4010'])).toMatch(/"mobile" is already a client \(bffs\/clients\.ts\)/);
    expect(refusal(['kit', '--port', '4010'])).toMatch(/reserved/);
    for (const name of ['Watch', 'watch2', 'smart-watch', 'watch_os', '']) expect(refusal([name, '--port', '4010'])).toMatch(/lower-case letters only/);
    expect(refusal(['stray', '--port', '4010'])).toMatch(/schemas\/stray\.graphql already exists/);
  });

  test("refuses a port that is not a number, another client's, a mock's, or out of range, and a missing one", () => {
    expect(refusal(['watch', '--port', 'abc'])).toMatch(/must be a number/);
    expect(refusal(['watch', '--port', '40.5'])).toMatch(/must be a number/);
    expect(refusal(['watch', '--port', '4001'])).toMatch(/Port 4001 is the mobile BFF's/);
    expect(refusal(['watch', '--port', '4105'])).toMatch(/Port 4105 is the my-list mock's/);
    expect(refusal(['watch', '--port', '80'])).toMatch(/between 1024 and 65535/);
    expect(refusal(['watch'])).toMatch(/--port <port>/);
    expect(refusal(['watch', 'extra', '--port', '4003'])).toMatch(/exactly one client name/);
    expect(refusal(['watch', '--port', '4003', '--force'])).toMatch(/Unknown option --force/);
  });

  test('declares @since and @cacheControl in the new SDL exactly as every client SDL does', () => {
    for (const client of CLIENT_NAMES) {
      const sdl = readFileSync(join(ROOT, 'schemas', `${client}.graphql`), 'utf8');
      expect(sdl, client).toContain(SINCE_DIRECTIVE);
      expect(sdl, client).toContain(CACHE_CONTROL_SDL);
    }
  });

  test('stops, saying what to add by hand, when a shared file is not shaped as expected', () => {
    const lines = "  watch: [],\n";
    expect(insertBeforeClose('const A = {\n  a: 1,\n};\n', { file: 'a.ts', opener: 'const A = {', closer: '};', lines })).toBe('const A = {\n  a: 1,\n  watch: [],\n};\n');
    expect(() => insertBeforeClose('const B = {};\n', { file: 'a.ts', opener: 'const A = {', closer: '};', lines })).toThrow(/a\.ts: found no `const A = \{`.*by hand:\n {2}watch: \[\]/s);
  });
});

/** Snapshot file entries, key → text. */
function snapshots(file: string): Map<string, string> {
  const text = readFileSync(file, 'utf8');
  return new Map([...text.matchAll(/^exports\[`(.+?)`\] = `([\s\S]*?)`;$/gm)].map((m) => [m[1]!, m[2]!]));
}

const portFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/**
 * An offset for CONCIERGE_PORT_OFFSET at which every port `npm start` opens in the copy (the four
 * BFFs, the ten mocks) is free, below the ephemeral range, so this never meets a developer's own
 * `npm start` or test/start/one-command.test.ts (offset 1000).
 */
async function freeOffset(ports: number[]): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const offset = 10_000 + 1_000 * Math.floor(Math.random() * 18);
    if ((await Promise.all(ports.map((port) => portFree(port + offset)))).every(Boolean)) return offset;
  }
  throw new Error('no free port offset for npm start in the copy');
}

describe('npm run new-client -- watch --port 4003, in a copy of the working tree', () => {
  let dir: string;
  let scaffoldOutput = '';
  let snapshotsBefore: Map<string, string>;
  const snapshotFile = () => join(dir, 'test/bffs/__snapshots__/snapshots.test.ts.snap');
  // The script line is `"new-client": "tsx scripts/new-client/main.ts"`; this is what it runs.
  const newClient = (...args: string[]) => inCopy(dir, process.execPath, ['--import', 'tsx', 'scripts/new-client/main.ts', ...args]);

  beforeAll(async () => {
    dir = copyWorkingTree('concierge-new-client-');
    snapshotsBefore = snapshots(snapshotFile());
    scaffoldOutput = await newClient('watch', '--port', '4003');
  }, 120_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('writes the client, adds it to the registry, records 1.0.0, and says what to edit next', () => {
    for (const path of [
      'schemas/watch.graphql',
      'bffs/watch/operations/WatchHome.graphql',
      'bffs/watch/needs.ts',
      'bffs/watch/policy.ts',
      'bffs/watch/dependencies.ts',
      'bffs/watch/models.ts',
      'bffs/watch/mappers/profile.ts',
      'bffs/watch/mappers/row-item.ts',
      'bffs/watch/resolvers/Query/home.ts',
      'bffs/watch/resolvers/Home/profile.ts',
      'bffs/watch/resolvers/Home/row.ts',
      'bffs/watch/resolvers/index.ts',
      'bffs/watch/bff.ts',
      'bffs/watch/main.ts',
      'bffs/watch/generated/resolvers.generated.ts',
      'bffs/watch/generated/trusted-documents.generated.json',
      'bffs/watch/sdk/sdk.generated.ts',
      'bffs/watch/releases/1.0.0/release.json',
      'bffs/watch/releases/1.0.0/schema.graphql',
      // Its home's calls, as the consumer concierge-watch (npm run pact:consumer).
      'pacts/concierge-watch-users.json',
      'pacts/concierge-watch-recommendations.json',
      'pacts/concierge-watch-catalog.json',
    ]) {
      expect(existsSync(join(dir, path)), path).toBe(true);
    }
    expect(readFileSync(join(dir, 'bffs/clients.ts'), 'utf8')).toContain("  { name: 'watch', port: 4003, mappers: ['Home'] },\n] as const");
    expect(readFileSync(join(dir, 'test/policy/forbidden-concepts.ts'), 'utf8')).toMatch(/\n {2}watch: \[BILLING, EMAIL, BILLING_ADDRESS, REVIEWS, DRM_LICENCE_URLS\],\n\};\n$/);
    expect(readFileSync(join(dir, 'bffs/watch/bff.ts'), 'utf8')).toContain('export const WATCH_PORT = 4003;');
    // Codegen ran again after the release: the SDK sends (x-client-version) the release it is.
    expect(readFileSync(join(dir, 'bffs/watch/sdk/version.generated.ts'), 'utf8')).toContain("export const clientVersion = '1.0.0';");
    expect(scaffoldOutput).toContain('Now edit these three files:');
    expect(scaffoldOutput).toMatch(/schemas\/watch\.graphql[\s\S]*bffs\/watch\/resolvers\/…[\s\S]*bffs\/watch\/mappers\/…/);
  });

  test("writes watch's home snapshot and leaves every other snapshot as it was", () => {
    const after = snapshots(snapshotFile());
    const added = [...after.keys()].filter((key) => !snapshotsBefore.has(key));
    expect(added).toEqual(['every operation answers exactly as snapshotted against the seeded mocks > watch WatchHome > answers u_1 as snapshotted 1']);
    for (const [key, text] of snapshotsBefore) expect(after.get(key), key).toBe(text);
    expect(after.get(added[0]!)).toMatch(/"status": 200/);
  });

  test('refuses to scaffold watch twice, and changes nothing', async () => {
    const registry = readFileSync(join(dir, 'bffs/clients.ts'), 'utf8');
    await expect(newClient('watch', '--port', '4004')).rejects.toThrow(/"watch" is already a client/);
    expect(readFileSync(join(dir, 'bffs/clients.ts'), 'utf8')).toBe(registry);
  });

  test('npm run typecheck passes in the copy', async () => {
    await inCopy(dir, 'npm', ['run', 'typecheck']);
  }, 120_000);

  test('watch imports the kit through its front door only, and arch:check passes in the copy', async () => {
    // `npm run arch:check` with its JSON report: the same rules, and what watch's files import.
    const report = await inCopy(dir, process.execPath, ['node_modules/dependency-cruiser/bin/dependency-cruiser.mjs', 'bffs', '--config', '.dependency-cruiser.cjs', '--output-type', 'json']);
    const { modules, summary } = JSON.parse(report) as { modules: { source: string; dependencies: { resolved: string }[] }[]; summary: { violations: unknown[] } };
    expect(summary.violations).toEqual([]);
    const watchFiles = modules.filter((m) => m.source.startsWith('bffs/watch/'));
    expect(watchFiles.map((m) => m.source)).toContain('bffs/watch/bff.ts');
    const kitImports = new Set(watchFiles.flatMap((m) => m.dependencies.map((d) => d.resolved)).filter((path) => path.startsWith('bffs/kit/')));
    // The SDK ships to apps: it imports the kit's request function, not the front door.
    expect([...kitImports].sort()).toEqual(['bffs/kit/index.ts', 'bffs/kit/sdk/request.ts']);
  }, 60_000);

  test('the snapshot and policy tests, and contracts:check, pass in the copy', async () => {
    const output = await inCopy(dir, 'npx', ['vitest', 'run', '--reporter=verbose', 'test/bffs/snapshots.test.ts', 'test/policy']);
    // The new client is covered, not merely present: its snapshot, its limits, its forbidden concepts.
    expect(output).toMatch(/watch WatchHome > answers u_1 as snapshotted/);
    expect(output).toMatch(/watch > WatchHome\.graphql fits every limit/);
    expect(output).toMatch(/the watch schema expresses none of: billing or payment methods, email/);
    const contracts = await inCopy(dir, process.execPath, ['--import', 'tsx', 'scripts/contracts/check.ts']);
    expect(contracts).toContain('watch: 1 supported release (1.0.0), 1 document');
  }, 120_000);

  describe('npm start in the copy', () => {
    let stack: ChildProcess;
    let output = '';
    let offset: number;

    beforeAll(async () => {
      offset = await freeOffset([...CLIENTS.map((c) => c.port), 4003, ...Array.from({ length: 10 }, (_, i) => 4100 + i)]);
      stack = spawn(process.execPath, ['--import', 'tsx', 'scripts/start-all.ts'], {
        cwd: dir,
        env: cleanEnv({ CONCIERGE_PORT_OFFSET: String(offset), LOG_LEVEL: 'silent' }),
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group, so that afterAll can stop the mocks and BFFs it started even if it hangs.
        detached: true,
      });
      // If this test process dies first, the stack it started goes with it.
      process.once('exit', () => stack.exitCode === null && stack.signalCode === null && process.kill(-stack.pid!, 'SIGKILL'));
      stack.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      stack.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`npm start in the copy did not come up within 60 s:\n${output}`)), 60_000);
        const check = () => {
          if (output.includes('Ctrl-C stops everything')) {
            clearTimeout(timer);
            resolve();
          }
        };
        stack.stdout!.on('data', check);
        stack.once('exit', (code) => reject(new Error(`npm start in the copy exited (${code}):\n${output}`)));
      });
    }, 70_000);

    afterAll(async () => {
      if (!stack || stack.exitCode !== null || stack.signalCode !== null) return;
      const exited = new Promise((resolve) => stack.once('exit', resolve));
      stack.kill('SIGTERM');
      const timer = setTimeout(() => process.kill(-stack.pid!, 'SIGKILL'), 8_000);
      await exited;
      clearTimeout(timer);
    }, 15_000);

    test("serves watch's home with the seeded mocks' data", async () => {
      const at = (base: number) => `http://127.0.0.1:${base + offset}`;
      expect(output).toContain(`watch   ${at(4003)}/graphql`);
      const minted = await fetch(`${at(4100)}/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub: 'u_1' }) });
      const { access_token: token } = (await minted.json()) as { access_token: string };
      const auth = { authorization: `Bearer ${token}` };

      const res = await fetch(`${at(4003)}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', 'x-client-version': '1.0.0', ...auth },
        body: JSON.stringify({ query: readFileSync(join(dir, 'bffs/watch/operations/WatchHome.graphql'), 'utf8') }),
      });
      const body = (await res.json()) as { data?: any; errors?: unknown };
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(body.errors).toBeUndefined();

      // The services take only tokens for their own audience, as the BFF's exchanged ones are.
      const forServices = await fetch(`${at(4100)}/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub: 'u_1', aud: ['users', 'recommendations'] }) });
      const direct = { authorization: `Bearer ${((await forServices.json()) as { access_token: string }).access_token}` };
      const user = (await (await fetch(`${at(4101)}/users/u_1`, { headers: direct })).json()) as { profile: { name: string } };
      const ranked = (await (await fetch(`${at(4103)}/recommendations/u_1?limit=10`, { headers: direct })).json()) as { items: { contentId: string }[] };
      const { home } = body.data;
      expect(home.profile.name).toBe(user.profile.name);
      expect(home.row.items.map((item: any) => item.contentId)).toEqual(ranked.items.map((item) => item.contentId));
      for (const item of home.row.items) {
        expect(item.title.length).toBeLessThanOrEqual(24);
        expect(item.thumbnail).toMatch(/\/thumb1x1-\d+x\d+\.jpg$/);
        expect(['MOVIE', 'SERIES']).toContain(item.kind);
      }
    });
  });
});
