/**
 * `npm run release` on a throwaway copy of the repository's client files: what it writes, and
 * what it refuses (an older version, a stale manifest, a document that no longer validates).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { readReleases } from '../../bffs/kit/contracts/releases.ts';
import { recordRelease } from '../../scripts/contracts/release.ts';

const REPO = new URL('../../', import.meta.url).pathname;
let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'concierge-release-'));
  cpSync(join(REPO, 'schemas'), join(root, 'schemas'), { recursive: true });
  for (const part of ['operations', 'generated', 'releases']) cpSync(join(REPO, 'bffs/mobile', part), join(root, 'bffs/mobile', part), { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('npm run release', () => {
  test('freezes the documents the SDK sends, the schema and the day, under releases/<version>/', () => {
    const release = recordRelease({ root, client: 'mobile', version: '1.2.0', date: '2027-01-15' });
    const dir = join(root, 'bffs/mobile/releases/1.2.0');
    expect(JSON.parse(readFileSync(join(dir, 'release.json'), 'utf8'))).toEqual({
      client: 'mobile',
      version: '1.2.0',
      releasedAt: '2027-01-15',
      documents: release.documents,
    });
    expect(readFileSync(join(dir, 'schema.graphql'), 'utf8')).toBe(readFileSync(join(REPO, 'schemas/mobile.graphql'), 'utf8'));
    const manifest = JSON.parse(readFileSync(join(REPO, 'bffs/mobile/generated/trusted-documents.generated.json'), 'utf8')) as Record<string, string>;
    expect(Object.fromEntries(release.documents.map((d) => [d.id, d.text]))).toEqual(manifest);
    expect(release.documents.map((d) => d.name)).toEqual(['AddToMyList', 'MobileHome', 'MobileTitle', 'RemoveFromMyList']);
    expect(readReleases(join(root, 'bffs/mobile/releases')).map((r) => r.version)).toEqual(['1.0.0', '1.1.0', '1.2.0']);
  });

  test.each([
    ['a version already released', '1.1.0', 'mobile 1.1.0 is not newer than its last release, 1.1.0'],
    ['an older version', '1.0.5', 'mobile 1.0.5 is not newer than its last release, 1.1.0'],
    ['a version that is not major.minor.patch', '1.2', '"1.2" is not a release version'],
  ])('refuses %s', (_, version, message) => {
    expect(() => recordRelease({ root, client: 'mobile', version, date: '2027-01-15' })).toThrow(message);
    expect(existsSync(join(root, 'bffs/mobile/releases', version, 'release.json'))).toBe(version === '1.1.0');
  });

  test('refuses a manifest that does not match the operation files: the release must record what the SDK sends', () => {
    const file = join(root, 'bffs/mobile/operations/MobileHome.graphql');
    writeFileSync(file, readFileSync(file, 'utf8').replace('downloadEnabled', ''));
    expect(() => recordRelease({ root, client: 'mobile', version: '1.2.0' })).toThrow('run `npm run codegen` first');
  });

  test('refuses documents that do not validate against the schema', () => {
    const file = join(root, 'schemas/mobile.graphql');
    writeFileSync(file, readFileSync(file, 'utf8').replace(/\n  "[^"\n]*"\n  downloadEnabled: Boolean!/, ''));
    expect(() => recordRelease({ root, client: 'mobile', version: '1.2.0' })).toThrow('mobile MobileHome does not validate against schemas/mobile.graphql: Cannot query field "downloadEnabled"');
  });

  test('refuses a client that does not exist', () => {
    expect(() => recordRelease({ root, client: 'watch', version: '1.0.0' })).toThrow('No client "watch"');
  });
});
