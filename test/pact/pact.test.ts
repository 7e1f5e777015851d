import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writePacts } from '../../scripts/pact/consumer.ts';
import { PACTS_DIR, pactFilesOf, providersIn } from '../../scripts/pact/files.ts';
import { MOBILE_NEEDS } from '../../bffs/mobile/needs.ts';
import { generateUser } from '../../downstream-mocks/src/data/users.ts';
import { seedFromEnv } from '../../downstream-mocks/src/data/random.ts';
import { verifyProvider } from '../../scripts/pact/verify.ts';
import { spawnNode, type NodeProcess } from '../support/processes.ts';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import type { ServiceName } from '../../downstream-mocks/src/registry.ts';

/**
 * The contract tests (README: Contract tests). The consumer side writes the pacts from what the
 * BFFs really send and read; the provider side verifies the mocks, which stand in for the
 * services, against them; and a field the mobile home reads, renamed in a copy of a mock, fails
 * the service team's command, which names the field.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);
const pactFiles = (dir: string) => readdirSync(dir).filter((file) => file.endsWith('.json')).sort();

describe('consumer: the pacts are what the BFFs send and read', () => {
  let fresh: string;
  beforeAll(async () => {
    fresh = mkdtempSync(join(tmpdir(), 'concierge-pacts-'));
    await writePacts(`${fresh}/`);
  }, 60_000);
  afterAll(() => rmSync(fresh, { recursive: true, force: true }));

  it('the committed pacts/ equal the ones the BFFs write today (else: npm run pact:consumer)', () => {
    expect(pactFiles(fresh), 'pact files (npm run pact:consumer rewrites pacts/)').toEqual(pactFiles(PACTS_DIR));
    for (const file of pactFiles(fresh)) {
      expect(readFileSync(join(fresh, file), 'utf8'), `pacts/${file} is stale: npm run pact:consumer`).toBe(readFileSync(join(PACTS_DIR, file), 'utf8'));
    }
  });

  it("mobile's pact with users asks for mobile's sparse fields and requires of the profile only what the home reads", () => {
    const pact = JSON.parse(readFileSync(join(fresh, 'concierge-mobile-users.json'), 'utf8')) as { interactions: { description: string; request: { path: string; query: Record<string, string[]> }; response: { body: { content: Record<string, unknown> } } }[] };
    const home = pact.interactions.find((interaction) => interaction.description.startsWith('MobileHome: users.get'))!;
    expect(home.request.path).toBe('/users/u_1');
    expect(home.request.query.fields).toEqual([MOBILE_NEEDS.userFields.join(',')]);
    // The users service sends the whole profile; the pact holds the part the home read, its name among it.
    const sent = Object.keys(generateUser(seedFromEnv({}), 1).profile);
    const required = Object.keys(home.response.body.content.profile as object);
    expect(required).toContain('name');
    expect(required.every((key) => sent.includes(key))).toBe(true);
    expect(required.length).toBeLessThan(sent.length);
  });
});

describe('provider: every mock honours every client BFF pact for it', () => {
  let mocks: TestMocks;
  beforeAll(async () => {
    mocks = await startTestMocks();
  });
  afterAll(() => mocks?.close());

  it.each(providersIn())('%s', async (provider) => {
    await verifyProvider({ provider, baseUrl: mocks.urls[provider as ServiceName], tokenFor: (sub) => mocks.serviceToken(sub, { services: [provider as Exclude<ServiceName, 'identity'>] }) });
  }, 30_000);
});

describe('a planted drift: the users mock renames profile.name, which the mobile home reads', () => {
  let dir: string;
  let planted: NodeProcess;
  let urls: Record<ServiceName, string>;

  beforeAll(async () => {
    // A copy of the mocks (they import nothing outside their folder) with the one change planted.
    dir = mkdtempSync(join(tmpdir(), 'concierge-pact-drift-'));
    cpSync(join(ROOT, 'downstream-mocks'), join(dir, 'downstream-mocks'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const users = join(dir, 'downstream-mocks/src/data/users.ts');
    const source = readFileSync(users, 'utf8');
    const renamed = source.replace('      name: `${first} ${last}`,\n      avatarUrl', '      displayName: `${first} ${last}`,\n      avatarUrl');
    expect(renamed, 'the users mock builds profile.name as the test expects').not.toBe(source);
    writeFileSync(users, renamed);
    writeFileSync(
      join(dir, 'serve.ts'),
      "import { startMocks } from './downstream-mocks/src/start-mocks.ts';\n" +
        "const mocks = await startMocks({ ports: 'ephemeral', env: { MOCKS_NOW: '2026-11-21T12:00:00.000Z' } });\n" +
        "console.log(`URLS ${JSON.stringify(mocks.urls)}`);\n",
    );
    planted = spawnNode(join(dir, 'serve.ts'), {});
    const started = Date.now();
    while (!/URLS (\{.*\})/.test(planted.output())) {
      if (planted.child.exitCode !== null || Date.now() - started > 30_000) throw new Error(`the planted mocks did not start:\n${planted.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    urls = JSON.parse(/URLS (\{.*\})/.exec(planted.output())![1]!) as Record<ServiceName, string>;
  }, 45_000);
  afterAll(async () => {
    await planted?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the service team's command of the README fails and names the field and the screen", async () => {
    // The README's command as written, pointed at the planted users mock and its identity.
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const documented = /^npm run pact:verify -- .+$/m.exec(readme.slice(readme.indexOf('\n## Contract tests\n')))![0];
    const command = documented
      .replace(/--provider \S+/, '--provider users')
      .replace(/--base-url \S+/, `--base-url ${urls.users}`)
      .replace(/--token-url \S+/, `--token-url ${urls.identity}/dev/token`);
    expect(command).toContain(`--base-url ${urls.users} --token-url ${urls.identity}/dev/token`);
    const failed = await run('sh', ['-c', command], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 }).then(
      () => undefined,
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
    expect(failed, 'npm run pact:verify passed against a users service without profile.name').toBeDefined();
    expect(failed!.code).toBe(1);
    const output = failed!.stdout.replace(/\u001b\[[\d;]*m/g, '');
    // Pact's mismatch names the client, the screen's call and the field's JSON path.
    const failures = output.slice(output.indexOf('Failures:'));
    expect(failures).toMatch(
      /\d+\) Verifying a pact between concierge-mobile and users Given a signed-in viewer - MobileHome: users\.get GET \/users\/:id\s+\d+\.\d+\) has a matching body\s+\$\.profile -> Actual map is missing the following keys: name/,
    );
    // Exactly the interactions whose pact requires the name fail, whichever client's: the others pass.
    const requiringName = pactFilesOf('users').flatMap((file) =>
      (JSON.parse(readFileSync(file, 'utf8')) as { interactions: { description: string; response: { matchingRules: { body: Record<string, unknown> } } }[] }).interactions
        .filter((interaction) => '$.profile.name' in interaction.response.matchingRules.body)
        .map((interaction) => interaction.description),
    );
    const failing = [...failures.matchAll(/^\d+\) Verifying a pact between \S+ and users Given .+? - (.+)$/gm)].map((m) => m[1]);
    expect(failing.sort()).toEqual(requiringName.sort());
    expect(failed!.stderr).toContain('users does not honour the BFFs\' pacts');
  }, 60_000);
});
