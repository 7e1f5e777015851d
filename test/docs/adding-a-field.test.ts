/**
 * README's "Adding a field", walked to the letter on a copy of the working tree: every ```diff
 * block of the section applied with `git apply`, every ```sh block run, in the README's order.
 * Before the patch to a benchmark peer, the peers test fails for that peer alone and says what it
 * needs, as the README says. Then the tests such an edit touches run in the copy and must pass:
 * the benchmark peers, client versions, tracing, the fast lane (rate limits spend the operation's
 * cost), the SDK and the snapshots, and contracts:check; and the pacts the recipe rewrites change
 * as the README says. Only those files, not `npm test`, which runs this file too.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { snapshotUpdateCommand } from '../../scripts/new-client/report.ts';
import { copyWorkingTree, inCopy } from '../support/working-copy.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The tests an added MobileHome field touches (issue 21), run in the copy once the recipe is done. */
const AFFECTED = [
  'test/bench/peers.test.ts',
  'test/contracts/client-versions.test.ts',
  'test/observability/tracing.test.ts',
  'test/bffs/fast-lane.test.ts',
  'test/bffs/sdk.test.ts',
  'test/bffs/snapshots.test.ts',
];

interface Block {
  lang: 'diff' | 'sh';
  text: string;
  /** The step it belongs to, for the test's name. */
  step: string;
}

/** The README's section under `## <title>`, up to the next `## `. */
function section(markdown: string, title: string): string {
  const start = markdown.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README.md has no "## ${title}" section`);
  const end = markdown.indexOf('\n## ', start + 1);
  return markdown.slice(start, end < 0 ? undefined : end);
}

/** The fenced diff and sh blocks, in order, without the list item's indentation. */
function blocksOf(text: string): Block[] {
  const blocks: Block[] = [];
  let step = '';
  let open: { indent: string; lang: Block['lang']; lines: string[] } | undefined;
  for (const line of text.split('\n')) {
    if (open) {
      if (line === `${open.indent}\`\`\``) {
        blocks.push({ lang: open.lang, text: `${open.lines.join('\n')}\n`, step });
        open = undefined;
      } else {
        if (line.trim() !== '' && !line.startsWith(open.indent)) throw new Error(`a line of a ${open.lang} block is not indented as its fence: ${line}`);
        open.lines.push(line.slice(open.indent.length));
      }
      continue;
    }
    const item = /^(\d+)\. (?:\*\*(.+?)\*\*)?/.exec(line);
    if (item) step = `step ${item[1]}${item[2] ? ` (${item[2]})` : ''}`;
    const fence = /^(\s*)```(diff|sh)$/.exec(line);
    if (fence) open = { indent: fence[1]!, lang: fence[2] as Block['lang'], lines: [] };
  }
  if (open) throw new Error(`an unclosed ${open.lang} block in ${step}`);
  return blocks;
}

/** `exports[...] = ...` entries of a snapshot file, key → text. */
function snapshots(file: string): Map<string, string> {
  const text = readFileSync(file, 'utf8');
  return new Map([...text.matchAll(/^exports\[`(.+?)`\] = `([\s\S]*?)`;$/gm)].map((m) => [m[1]!, m[2]!]));
}

const RECIPE = blocksOf(section(readFileSync(join(ROOT, 'README.md'), 'utf8'), 'Adding a field'));
const commands = RECIPE.filter((block) => block.lang === 'sh').flatMap((block) => block.text.split('\n').filter((line) => line.trim() !== ''));
const SNAPSHOT_FILE = 'test/bffs/__snapshots__/snapshots.test.ts.snap';
const HOME = 'every operation answers exactly as snapshotted against the seeded mocks > mobile MobileHome > answers';

describe("README's Adding a field", () => {
  test('shows its edits as patches and its commands as shell lines, the snapshot command as the scaffold prints it', () => {
    expect(RECIPE.filter((block) => block.lang === 'diff').map((block) => /^\+\+\+ b\/(.+)$/m.exec(block.text)?.[1])).toEqual([
      'schemas/mobile.graphql',
      'bffs/mobile/mappers/row-item.ts',
      'bffs/mobile/operations/MobileHome.graphql',
      'bench/peers/floor.ts',
    ]);
    expect(commands).toEqual(['npm run codegen', snapshotUpdateCommand('mobile'), 'npm run pact:consumer']);
    // The file before -u: vitest's -u takes a value, and `-u test/…` would run every file.
    expect(commands[1]).toMatch(/^npx vitest run test\/bffs\/snapshots\.test\.ts .*-u$/);
  });

  describe('walked in a copy of the working tree', () => {
    let dir: string;
    let before: Map<string, string>;
    beforeAll(() => {
      dir = copyWorkingTree('concierge-adding-a-field-');
      mkdirSync(join(dir, '.tmp'), { recursive: true });
      before = snapshots(join(dir, SNAPSHOT_FILE));
    });
    afterAll(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    // In the README's order: each step's edits before the commands that follow them.
    RECIPE.forEach((block, i) => {
      const file = block.lang === 'diff' ? /^\+\+\+ b\/(.+)$/m.exec(block.text)?.[1] : undefined;
      const peer = file && /^bench\/peers\/(\w+)\.ts$/.exec(file)?.[1];
      if (peer) {
        // What the README says the peers need is what they really need: before the peer patch, the
        // peers test fails for the peer it patches, saying so, and for no other.
        test(`${block.step}: before its patch, test/bench/peers.test.ts fails for ${peer} alone, naming what it needs`, async () => {
          const failure = await inCopy(dir, 'npx', ['vitest', 'run', 'test/bench/peers.test.ts'], 120_000).then(
            () => '',
            (error: Error) => error.message,
          );
          const differing = new Set([...failure.matchAll(/^(?:AssertionError: )?(\w+) \(bench\/peers\/\w+\.ts\) no longer answers MobileHome/gm)].map((m) => m[1]));
          expect([...differing]).toEqual([peer]);
          expect(failure).toContain(`${file} writes the answer by hand`);
        }, 130_000);
      }
      const what = block.lang === 'diff' ? `applies the patch to ${file}` : `runs ${block.text.trim()}`;
      test(`${block.step} ${what}`, async () => {
        if (block.lang === 'diff') {
          const patch = join(dir, '.tmp', `step-${i}.patch`);
          writeFileSync(patch, block.text);
          await inCopy(dir, 'git', ['apply', '--verbose', patch]);
        } else {
          for (const line of block.text.split('\n').filter((l) => l.trim() !== '')) await inCopy(dir, 'sh', ['-c', line]);
        }
      }, 120_000);
    });

    test('the snapshot diff is the working copy run alone, now with the field; what apps 1.0.0 and 1.1.0 are sent is unchanged', () => {
      const after = snapshots(join(dir, SNAPSHOT_FILE));
      expect([...after.keys()]).toEqual([...before.keys()]);
      const changed = [...after.keys()].filter((key) => after.get(key) !== before.get(key));
      expect(changed).toEqual([`${HOME} u_1 as snapshotted 1`]);
      expect(after.get(changed[0]!)).toContain('"runtimeMinutes": ');
      const released = [...after.keys()].filter((key) => key.startsWith(`${HOME} u_1 on app `));
      expect(released.length).toBeGreaterThan(0);
      for (const key of released) expect(after.get(key), key).not.toContain('runtimeMinutes');
    });

    test("the pacts' diff is mobile's with the catalog: its home now reads each title's type and running time", () => {
      const pactsIn = (root: string) => new Map(readdirSync(join(root, 'pacts')).map((file) => [file, readFileSync(join(root, 'pacts', file), 'utf8')]));
      const [before, after] = [pactsIn(ROOT), pactsIn(dir)];
      expect([...after.keys()]).toEqual([...before.keys()]);
      expect([...after.keys()].filter((file) => after.get(file) !== before.get(file))).toEqual(['concierge-mobile-catalog.json']);
      const rules = (text: string) => {
        const pact = JSON.parse(text) as { interactions: { description: string; response: { matchingRules: { body: Record<string, unknown> } } }[] };
        return Object.keys(pact.interactions.find((interaction) => interaction.description.startsWith('MobileHome: catalog.batch'))!.response.matchingRules.body);
      };
      const added = rules(after.get('concierge-mobile-catalog.json')!).filter((path) => !rules(before.get('concierge-mobile-catalog.json')!).includes(path));
      expect(added.sort()).toEqual(['$.titles[*].runtimeMinutes', '$.titles[*].type']);
    });

    test('the tests it touches pass in the copy, and so does contracts:check', async () => {
      const output = await inCopy(dir, 'npx', ['vitest', 'run', ...AFFECTED], 150_000);
      expect(output).toMatch(new RegExp(`Test Files {2}${AFFECTED.length} passed \\(${AFFECTED.length}\\)`));
      expect(await inCopy(dir, process.execPath, ['--import', 'tsx', 'scripts/contracts/check.ts'])).toContain('every supported release is still served');
    }, 160_000);
  });
});
