/**
 * An old and a new app version on the same BFF, over real HTTP against the real mocks, on both
 * paths (POST through the fast lane, GET through yoga): mobile 1.1.0 gets the new-releases row
 * with its SQUARE layout, 1.0.0 never does, and neither does an app that claims a version no
 * release of its document has. A retired version, and a document only a retired release shipped,
 * are told to update.
 *
 * An app of a released version sends that release's documents (bffs/mobile/releases/<version>/),
 * so these tests do too: what a released version gets must not change when the working copy's
 * MobileHome does (README: Adding a field). The working copy's documents are a development
 * build's, tested as such at the end.
 */
import { createHash } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { BffConfig } from '../../bffs/kit/config.ts';
import type { Release } from '../../bffs/kit/contracts/releases.ts';
import { readClientDocuments } from '../../bffs/kit/contracts/document-catalog.ts';
import { readReleases } from '../../bffs/kit/contracts/releases.ts';
import type { Bff, BffOverrides } from '../../bffs/kit/server/create-bff.ts';
import { createMobileBff } from '../../bffs/mobile/bff.ts';
import { MOBILE_VERSIONS } from '../../bffs/mobile/policy.ts';
import { createWebBff } from '../../bffs/web/bff.ts';
import { TEST_NOW, testConfig } from '../support/bffs.ts';
import { documentId, operation, releasedDocument } from '../support/documents.ts';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { fetchOver } from '../support/served.ts';

const MOBILE_RELEASES = readReleases(new URL('../../bffs/mobile/releases/', import.meta.url).pathname);
/** An app version from before the records began: its home asked for less, and it is retired. */
const RETIRED: Release = {
  client: 'mobile',
  version: '0.9.0',
  releasedAt: '2026-06-01',
  schema: MOBILE_RELEASES[0]!.schema,
  documents: [trusted('MobileHome', 'query MobileHome {\n  home {\n    rows {\n      id\n    }\n  }\n}')],
};

function trusted(name: string, text: string) {
  return { name, text, id: `sha256:${createHash('sha256').update(text).digest('hex')}` };
}

let mocks: TestMocks;
let token: string;
let mobile: Bff;
let retiring: Bff;
let web: Bff;

const build = (factory: typeof createMobileBff, overrides: BffOverrides = {}, config: Partial<BffConfig> = {}) =>
  factory(testConfig(mocks.urls, config), { clock: () => new Date(TEST_NOW), logger: pino({ level: 'silent' }), policy: { shedding: { maxInFlight: 1_000, maxEventLoopDelayMs: 10_000 } }, ...overrides });

beforeAll(async () => {
  mocks = await startTestMocks();
  token = await mocks.token('u_1');
  mobile = build(createMobileBff, { documents: { releases: [RETIRED, ...MOBILE_RELEASES] } });
  // The day 1.0.0 retires: one line in bffs/mobile/policy.ts.
  retiring = build(createMobileBff, { documents: { versions: { required: true, supported: { minimum: '1.1.0' } } } });
  web = build(createWebBff);
});
afterAll(async () => {
  await Promise.all([mobile.close(), retiring.close(), web.close()]);
  await mocks.close();
});

/** MobileHome as each released app version sends it. */
const HOME_OF = { '1.0.0': releasedDocument('mobile', '1.0.0', 'MobileHome').id, '1.1.0': releasedDocument('mobile', '1.1.0', 'MobileHome').id };
// The working copy's home adds `__typename` (codegen): only the next release ships it, so with no
// version named it is served as the newest.
const CURRENT_HOME = documentId('mobile', 'MobileHome');
type Path = 'POST' | 'GET';

async function home(bff: Bff, path: Path, headers: Record<string, string>, id: string) {
  const common = { accept: 'application/graphql-response+json', authorization: `Bearer ${token}`, ...headers };
  const response = path === 'POST'
    ? await fetchOver(bff, '/graphql', { method: 'POST', headers: { ...common, 'content-type': 'application/json' }, body: JSON.stringify({ documentId: id }) })
    : await fetchOver(bff, `/graphql?documentId=${encodeURIComponent(id)}`, { headers: common });
  return { status: response.status, body: (await response.json()) as { data?: any; errors?: any[] } };
}

const rowsOf = (body: { data?: any }) => (body.data.home.rows as { id: string; layout: string }[]).map(({ id, layout }) => `${id}:${layout}`);
const OLD_ROWS = ['continue-watching:LANDSCAPE', 'my-list:PORTRAIT', 'top-picks:PORTRAIT'];
const NEW_ROWS = [...OLD_ROWS, 'new-releases:SQUARE'];

describe.each<Path>(['POST', 'GET'])('mobile home by document id, %s', (path) => {
  test('1.1.0 gets the new-releases row in SQUARE tiles with 1:1 thumbnails', async () => {
    const { status, body } = await home(mobile, path, { 'x-client-version': '1.1.0' }, HOME_OF['1.1.0']);
    expect(status).toBe(200);
    expect(rowsOf(body)).toEqual(NEW_ROWS);
    const square = body.data.home.rows.at(-1);
    expect(square.title).toBe('New Releases');
    expect(square.items.length).toBeGreaterThan(0);
    for (const item of square.items) expect(item.thumbnail).toMatch(/\/thumb1x1-300x300\.jpg$/);
  });

  test("Apollo's apollographql-client-version counts as the app's version", async () => {
    expect(rowsOf((await home(mobile, path, { 'apollographql-client-version': '1.1.0' }, HOME_OF['1.1.0'])).body)).toEqual(NEW_ROWS);
  });

  test.each([
    ['1.0.0', { 'x-client-version': '1.0.0' }],
    ['no version header', {}],
    ['a version no release of the document has (claiming to be new)', { 'x-client-version': '4.2.0' }],
  ])("%s, with 1.0.0's document: served as 1.0.0, with no SQUARE row", async (_, headers) => {
    const { status, body } = await home(mobile, path, headers, HOME_OF['1.0.0']);
    expect(status).toBe(200);
    expect(rowsOf(body)).toEqual(OLD_ROWS);
    expect(JSON.stringify(body)).not.toContain('SQUARE');
  });

  test("the working copy's home (the next release, with __typename) is served as the newest, with its typenames", async () => {
    const { status, body } = await home(mobile, path, {}, CURRENT_HOME);
    expect(status).toBe(200);
    expect(rowsOf(body)).toEqual(NEW_ROWS);
    expect(body.data.home.__typename).toBe('Home');
    expect(body.data.home.rows.map((row: { __typename: string }) => row.__typename)).toEqual(NEW_ROWS.map(() => 'Row'));
  });

  test('a retired version is told to update, with the minimum; nothing is executed', async () => {
    await mocks.resetCounters();
    const { status, body } = await home(retiring, path, { 'x-client-version': '1.0.0' }, HOME_OF['1.0.0']);
    expect(status).toBe(400);
    expect(body).toEqual({ errors: [{ message: 'This app version is no longer supported: update to 1.1.0 or later.', extensions: { code: 'CLIENT_VERSION_UNSUPPORTED', minimumVersion: '1.1.0' } }] });
    expect((await mocks.counters('users')).total).toBe(0);
  });

  test('once 1.0.0 retires, a request with no header is served as 1.1.0, the oldest supported release of the document', async () => {
    expect(rowsOf((await home(retiring, path, {}, HOME_OF['1.1.0'])).body)).toEqual(NEW_ROWS);
  });

  test('a document only a retired release shipped is told to update', async () => {
    const { status, body } = await home(mobile, path, {}, RETIRED.documents[0]!.id);
    expect(status).toBe(400);
    expect(body.errors).toEqual([{ message: 'This app version is no longer supported: update to 1.0.0 or later.', extensions: { code: 'CLIENT_VERSION_UNSUPPORTED', minimumVersion: '1.0.0' } }]);
  });

  test('a version header that is not a version is a bad request', async () => {
    const { status, body } = await home(mobile, path, { 'x-client-version': 'nightly' }, HOME_OF['1.1.0']);
    expect(status).toBe(400);
    expect(body.errors).toEqual([{ message: 'x-client-version must be an app version like 1.2.0, not "nightly".', extensions: { code: 'BAD_REQUEST' } }]);
  });

  test('a mobile document id is unknown to the web BFF', async () => {
    const { status, body } = await home(web, path, {}, documentId('mobile', 'MobileHome'));
    expect(status).toBe(400);
    expect(body.errors?.[0].extensions.code).toBe('PERSISTED_DOCUMENT_NOT_FOUND');
  });
});

describe('what reaches downstream, and what is counted', () => {
  test('an old app costs no call for the row it cannot show', async () => {
    // No title cache, so every home's titles are one batch: this is about which calls each version makes.
    const bff = build(createMobileBff, { documents: { releases: [RETIRED, ...MOBILE_RELEASES] } }, { titleCacheMb: 0 });
    try {
      await mocks.resetCounters();
      await home(bff, 'POST', { 'x-client-version': '1.0.0' }, HOME_OF['1.0.0']);
      expect((await mocks.counters('catalog')).routes).toEqual({ 'POST /titles/batch': 1 });
      await mocks.resetCounters();
      await home(bff, 'POST', { 'x-client-version': '1.1.0' }, HOME_OF['1.1.0']);
      // The new releases' ids come from one search; their titles share the one batch with every other row.
      expect((await mocks.counters('catalog')).routes).toEqual({ 'GET /titles': 1, 'POST /titles/batch': 1 });
    } finally {
      await bff.close();
    }
  });

  test('requests are counted per app version and operation, with unknown versions as other', async () => {
    const bff = build(createMobileBff);
    try {
      await home(bff, 'POST', { 'x-client-version': '1.0.0' }, HOME_OF['1.0.0']);
      await home(bff, 'GET', { 'x-client-version': '1.1.0' }, HOME_OF['1.1.0']);
      await home(bff, 'POST', { 'x-client-version': '1.1.0' }, HOME_OF['1.1.0']);
      await home(bff, 'POST', { 'x-client-version': '3.0.0' }, HOME_OF['1.1.0']);
      await home(bff, 'POST', {}, HOME_OF['1.0.0']);
      expect(bff.usage.snapshot().operations).toEqual([
        { version: '1.0.0', name: 'MobileHome', count: 1 },
        { version: '1.1.0', name: 'MobileHome', count: 2 },
        { version: 'none', name: 'MobileHome', count: 1 },
        { version: 'other', name: 'MobileHome', count: 1 },
      ]);
    } finally {
      await bff.close();
    }
  });
});

/**
 * A development build: the working copy's MobileHome after an edit no release has (here it also
 * asks each item's __typename), so only the working copy's manifest holds it.
 */
describe("a development build's document, which only the working copy has", () => {
  const edited = operation('mobile', 'MobileHome').replace(/items \{ /, 'items { __typename ');
  const EDITED = trusted('MobileHome', edited);
  let bff: Bff;
  beforeAll(() => {
    const { manifest } = readClientDocuments(new URL('../../bffs/mobile/', import.meta.url), MOBILE_VERSIONS);
    // No title cache, so every home's titles are one batch: the calls below are those of the version served.
    bff = build(createMobileBff, { documents: { manifest: new Map([...manifest, [EDITED.id, EDITED.text]]) } }, { titleCacheMb: 0 });
  });
  afterAll(() => bff.close());

  test('is an edit no release has', () => {
    expect(edited).not.toBe(operation('mobile', 'MobileHome'));
    expect(MOBILE_RELEASES.flatMap((release) => release.documents.map((document) => document.id))).not.toContain(EDITED.id);
  });

  test.each(['1.0.0', '1.1.0'] as const)('naming release %s, it is sent what that release is sent, and costs the calls that release makes', async (version) => {
    await mocks.resetCounters();
    const released = await home(bff, 'POST', { 'x-client-version': version }, HOME_OF[version]);
    const releasedCalls = (await mocks.counters('catalog')).routes;
    await mocks.resetCounters();
    const dev = await home(bff, 'POST', { 'x-client-version': version }, EDITED.id);
    expect(dev.status).toBe(200);
    expect(rowsOf(dev.body)).toEqual(rowsOf(released.body));
    expect((await mocks.counters('catalog')).routes).toEqual(releasedCalls);
    expect(dev.body.data.home.rows[0].items[0].__typename).toBe('RowItem');
  });

  test.each([
    ['no version header', {}],
    ['an unreleased version (the next one)', { 'x-client-version': '1.2.0' }],
    ["the SDK's prerelease of the next version", { 'x-client-version': '1.1.1-next-0a1b2c3d' }],
  ])('%s: served as the newest, built as it was against the current schema', async (_, headers) => {
    const { status, body } = await home(bff, 'GET', headers, EDITED.id);
    expect(status).toBe(200);
    expect(rowsOf(body)).toEqual(NEW_ROWS);
  });
});
