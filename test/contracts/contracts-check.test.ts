import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { concatAST, buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { readReleases, type Release } from '../../bffs/kit/contracts/releases.ts';
import { SINCE_DIRECTIVE_SDL } from '../../bffs/kit/contracts/since.ts';
import type { ClientVersionPolicy } from '../../bffs/kit/contracts/versions.ts';
import { MOBILE_VERSIONS } from '../../bffs/mobile/policy.ts';
import { checkContracts, type ContractReport } from '../../scripts/contracts/contract-check.ts';

const root = join(import.meta.dirname, '..', '..');
const mobileSdl = readFileSync(join(root, 'schemas', 'mobile.graphql'), 'utf8');
const allMobileReleases = readReleases(join(root, 'bffs', 'mobile', 'releases'));
// Pinned to 1.0.0 so the messages (and the next version they name, 1.1.0) do not move when
// later releases are recorded.
const mobile100 = allMobileReleases.filter((release) => release.version === '1.0.0');
const mobileHome = mobile100[0]!.documents.find((d) => d.name === 'MobileHome')!;

const check = (sdl: string, releases: readonly Release[] = mobile100, policy: ClientVersionPolicy = MOBILE_VERSIONS, client = 'mobile') =>
  checkContracts({ client, sdl, releases, policy });
const messages = (report: ContractReport) => report.failures.map((f) => f.message);

// String edits of the SDL; each asserts it changed something, so a moved schema fails loudly.
function edit(sdl: string, pattern: RegExp, replacement: string): string {
  const edited = sdl.replace(pattern, replacement);
  expect(edited, `${pattern} matched nothing`).not.toBe(sdl);
  return edited;
}
const typeBlock = (type: string) => new RegExp(`((?:type|enum) ${type}\\b[^{]*\\{)([^}]*)\\}`);
/** Removes a field (and a one-line description just above it) from an object type. */
const withoutField = (sdl: string, type: string, field: string) =>
  sdl.replace(typeBlock(type), (_all, head: string, body: string) =>
    `${head}${edit(body, new RegExp(`(\\n\\s*"[^"\\n]*")?\\n\\s*${field}\\b[^\\n]*`), '')}}`);
/** Adds text after a field's definition line (`@deprecated(...)`, `@since(...)`). */
const annotateField = (sdl: string, type: string, field: string, text: string) =>
  sdl.replace(typeBlock(type), (_all, head: string, body: string) =>
    `${head}${edit(body, new RegExp(`(\\n\\s*${field}\\b[^\\n]*)`), `$1 ${text}`)}}`);
const withRowLayout = (sdl: string, values: string) => edit(sdl, /enum RowLayout \{[^}]*\}/, `enum RowLayout {\n${values}\n}`);

let fake = 0;
const release = (version: string, schema: string, documents: Record<string, string>, releasedAt = '2027-01-15'): Release => ({
  client: 'mobile', version, releasedAt, schema,
  documents: Object.entries(documents).map(([name, text]) => ({ name, id: `sha256:fake${++fake}`, text })),
});

describe('contracts:check against the real mobile releases', () => {
  it('passes the repository as it is, and the CLI exits 0', async () => {
    const report = await check(mobileSdl, allMobileReleases);
    expect(report.failures).toEqual([]);
    expect(report.checked.map((r) => r.version)).toContain('1.0.0');
    expect(report.documents).toBe(allMobileReleases.reduce((sum, r) => sum + r.documents.length, 0));

    // Throws (with the report as its output) when the exit code is not 0.
    const output = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/contracts/check.ts'], { cwd: root, encoding: 'utf8' });
    expect(output).toMatch(/^mobile: \d+ supported releases? \(1\.0\.0.*\), \d+ documents/m);
    expect(output).toMatch(/^web: /m);
    expect(output).toMatch(/^tv: /m);
    expect(output).toContain('contracts:check: every supported release is still served.');
  });

  it('fails removing a field 1.0.0 selects, naming client, release, operation and field', async () => {
    const report = await check(withoutField(mobileSdl, 'RowItem', 'synopsis'));
    expect(messages(report)).toContain(
      `mobile 1.0.0 MobileHome selects RowItem.synopsis, which this change removes ("Field 'synopsis' was removed from object type 'RowItem'"). ` +
        'Keep the field (mark it @deprecated) until mobile 1.0.0 retires: raise the minimum in bffs/mobile/policy.ts.',
    );
    // The document itself no longer validates either; the other operations are untouched.
    const invalid = report.failures.filter((f) => f.kind === 'invalid-document');
    expect(invalid.map((f) => f.operation)).toEqual(['MobileHome']);
    expect(invalid[0]!.message).toContain('mobile 1.0.0 MobileHome no longer validates against schemas/mobile.graphql: Cannot query field "synopsis" on type "RowItem".');
    expect(report.failures.every((f) => f.operation === 'MobileHome')).toBe(true);
  });

  it('lets through removing a field no supported release uses', async () => {
    // Every field of the real schema is selected by 1.0.0, so 1.0.0 here was built against a
    // schema with one more field, which none of its documents selects.
    const built = annotateField(mobile100[0]!.schema, 'RowItem', 'isNew', '\n  legacyBadge: String');
    const report = await check(mobileSdl, [{ ...mobile100[0]!, schema: built }]);
    expect(report.failures).toEqual([]);
    expect(report.warnings).toEqual([]);
  });

  it('lets the removal through once 1.0.0 retires and 1.1.0 does not select the field', async () => {
    const current = withoutField(mobileSdl, 'RowItem', 'synopsis');
    const home = mobileHome.text.replace(/\n\s*synopsis\n/, '\n');
    expect(home).not.toBe(mobileHome.text);
    const docs = Object.fromEntries(mobile100[0]!.documents.map((d) => [d.name, d.name === 'MobileHome' ? home : d.text]));
    const releases = [...mobile100, release('1.1.0', current, docs)];

    expect((await check(current, releases)).failures.length).toBeGreaterThan(0);
    const report = await check(current, releases, { required: true, supported: { minimum: '1.1.0' } });
    expect(report.failures).toEqual([]);
    expect(report.checked.map((r) => r.version)).toEqual(['1.1.0']);
    expect(report.retired).toEqual(['1.0.0']);
  });

  it('fails a new RowLayout value 1.0.0 would be sent, and passes it gated @since a newer version', async () => {
    const ungated = await check(withRowLayout(mobileSdl, '  LANDSCAPE\n  PORTRAIT\n  SQUARE'));
    expect(messages(ungated)).toEqual([
      `mobile 1.0.0 MobileHome selects Row.layout, which returns RowLayout: it would be sent RowLayout.SQUARE, which mobile 1.0.0 does not know ("Enum value 'SQUARE' was added to enum 'RowLayout'"). ` +
        'Gate it: add @since(version: "1.1.0") to RowLayout.SQUARE.',
    ]);

    const tooLow = await check(withRowLayout(mobileSdl, '  LANDSCAPE\n  PORTRAIT\n  SQUARE @since(version: "1.0.0")'));
    expect(messages(tooLow)).toEqual([expect.stringContaining('Its @since(version: "1.0.0") does not hide it from 1.0.0: raise it to "1.1.0".')]);

    const gated = await check(withRowLayout(mobileSdl, '  LANDSCAPE\n  PORTRAIT\n  SQUARE @since(version: "1.1.0")'));
    expect(gated.failures).toEqual([]);
    expect(gated.warnings).toEqual([]);
  });

  it('names the first later release that knows the new value as the gate, else the next minor', async () => {
    const ungated = withRowLayout(mobileSdl, '  LANDSCAPE\n  PORTRAIT\n  SQUARE');
    const docs = Object.fromEntries(mobile100[0]!.documents.map((d) => [d.name, d.text]));
    // 1.1.0 was built with SQUARE: only 1.0.0 must not be sent it, so the gate is 1.1.0.
    const knows = await check(ungated, [...mobile100, release('1.1.0', ungated, docs)]);
    expect(messages(knows)).toEqual([expect.stringMatching(/^mobile 1\.0\.0 MobileHome .*Gate it: add @since\(version: "1\.1\.0"\) to RowLayout\.SQUARE\.$/)]);
    // 1.1.0 was built without it: both must not be sent it, so the gate is the next release.
    const without = await check(ungated, [...mobile100, release('1.1.0', mobile100[0]!.schema, docs)]);
    expect(messages(without)).toEqual([
      expect.stringMatching(/^mobile 1\.0\.0 MobileHome .*Gate it: add @since\(version: "1\.2\.0"\) to RowLayout\.SQUARE\.$/),
      expect.stringMatching(/^mobile 1\.1\.0 MobileHome .*Gate it: add @since\(version: "1\.2\.0"\) to RowLayout\.SQUARE\.$/),
    ]);
  });

  it('fails a field 1.0.0 selects being gated @since a newer version (the BFF would refuse it)', async () => {
    const report = await check(annotateField(mobileSdl, 'RowItem', 'synopsis', '@since(version: "1.1.0")'));
    expect(messages(report)).toEqual([
      'mobile 1.0.0 MobileHome selects RowItem.synopsis, which schemas/mobile.graphql gates @since(version: "1.1.0"): the BFF would refuse it from mobile 1.0.0. ' +
        'Lower or remove the gate, or retire mobile 1.0.0 first: raise the minimum in bffs/mobile/policy.ts.',
    ]);
  });

  it('validates each release document on its own: a fragment name shared by two documents is fine', async () => {
    const a = 'query HomeA { home { rows { ...RowBits } } }\nfragment RowBits on Row { id }';
    const b = 'query HomeB { home { rows { ...RowBits layout } } }\nfragment RowBits on Row { title }';
    // Validated together they would clash: the test would prove nothing otherwise.
    expect(validate(buildSchema(mobileSdl), concatAST([parse(a), parse(b)])).map((e) => e.message)).toContain('There can be only one fragment named "RowBits".');

    const shared = [release('1.0.0', mobileSdl, { HomeA: a, HomeB: b })];
    expect((await check(mobileSdl, shared)).failures).toEqual([]);
    // What a fragment selects counts for the operation that spreads it, and only that one.
    const report = await check(withoutField(mobileSdl, 'Row', 'title'), shared);
    expect(report.failures.filter((f) => f.kind === 'breaking').map((f) => f.message)).toEqual([
      expect.stringMatching(/^mobile 1\.0\.0 HomeB selects Row\.title, which this change removes/),
    ]);
  });

  it('reports a deprecated field with the releases and operations still using it', async () => {
    const deprecated = annotateField(mobileSdl, 'RowItem', 'synopsis', '@deprecated(reason: "Use TitleDetail.synopsis.")');
    const withUnused = annotateField(deprecated, 'RowItem', 'isNew', '\n  badge: String @deprecated(reason: "Never shipped.")');
    const report = await check(withUnused);
    expect(report.failures).toEqual([]);
    expect(report.deprecations.map((d) => d.message)).toEqual([
      'RowItem.synopsis is deprecated ("Use TitleDetail.synopsis."): still used by mobile 1.0.0 (released 2026-12-02: MobileHome); safe to remove once 1.0.0 retires.',
      'RowItem.badge is deprecated ("Never shipped."): no supported release uses it; safe to remove now.',
    ]);
    expect(report.deprecations[0]!.usedBy).toEqual([{ version: '1.0.0', releasedAt: '2026-12-02', operations: ['MobileHome'] }]);
  });
});

describe('contracts:check on small schemas', () => {
  const base = `${SINCE_DIRECTIVE_SDL}
enum Sort { NEWEST OLDEST }
enum Badge { NEW HOT }
interface Media { id: ID! }
type Movie implements Media { id: ID! }
union Card = Movie
type Query {
  title(id: ID!, lang: String = "en"): String
  titles(sort: Sort): [String]
  badge: Badge
  media: [Media]
  cards: [Card]
}`;

  it('matches exact coordinates: a change to Query.title is not a use of Query.titles', async () => {
    const titlesOnly = [release('1.0.0', base, { Titles: 'query Titles { titles }' })];
    const withoutTitle = base.replace('  title(id: ID!, lang: String = "en"): String\n', '');
    expect((await check(withoutTitle, titlesOnly)).failures).toEqual([]);

    const both = [release('1.0.0', base, { Titles: 'query Titles { titles }', Title: 'query Title { title(id: "1") }' })];
    expect(messages(await check(withoutTitle, both))).toContain(
      `mobile 1.0.0 Title selects Query.title, which this change removes ("Field 'title' was removed from object type 'Query'"). ` +
        'Keep the field (mark it @deprecated) until mobile 1.0.0 retires: raise the minimum in bffs/mobile/policy.ts.',
    );
    // An argument the document passes is a use of it; removing one it does not pass is not.
    const withoutLang = base.replace('title(id: ID!, lang: String = "en")', 'title(id: ID!)');
    expect((await check(withoutLang, both)).failures).toEqual([]);
    const passesLang = [release('1.0.0', base, { Title: 'query Title { title(id: "1", lang: "fr") }' })];
    expect(messages(await check(withoutLang, passesLang))).toContain(
      `mobile 1.0.0 Title passes Query.title.lang, which this change removes ("Argument 'lang: String' was removed from field 'Query.title'"). ` +
        'Keep the argument (mark it @deprecated) until mobile 1.0.0 retires: raise the minimum in bffs/mobile/policy.ts.',
    );
  });

  it('passes an enum value added to an enum used only as input, or not selected at all', async () => {
    const releases = [release('1.0.0', base, { Titles: 'query Titles($sort: Sort) { titles(sort: $sort) } ', Newest: 'query Newest { titles(sort: NEWEST) }' })];
    const added = base.replace('enum Sort { NEWEST OLDEST }', 'enum Sort { NEWEST OLDEST POPULAR }').replace('enum Badge { NEW HOT }', 'enum Badge { NEW HOT LIVE }');
    const report = await check(added, releases);
    expect(report.failures).toEqual([]);

    const selectsBadge = [release('1.0.0', base, { Badge: 'query Badge { badge }' })];
    expect(messages(await check(added, selectsBadge))).toEqual([expect.stringContaining('Gate it: add @since(version: "1.1.0") to Badge.LIVE.')]);
  });

  it('fails a removed enum value an input can still send', async () => {
    const releases = [release('1.0.0', base, { Titles: 'query Titles($sort: Sort) { titles(sort: $sort) }' })];
    expect(messages(await check(base.replace('NEWEST OLDEST', 'NEWEST'), releases))).toEqual([
      `mobile 1.0.0 Titles can send Sort.OLDEST, which this change removes ("Enum value 'OLDEST' was removed from enum 'Sort'"). ` +
        'Keep the value (mark it @deprecated) until mobile 1.0.0 retires: raise the minimum in bffs/mobile/policy.ts.',
    ]);
  });

  it('fails new union members and interface implementations a release selects, unless gated', async () => {
    const releases = [release('1.0.0', base, { Cards: 'query Cards { cards { ... on Movie { id } } }', Media: 'query Media { media { id } }' })];
    const show = (gate: string) => base.replace('union Card = Movie', `type Show implements Media ${gate} { id: ID! }\nunion Card = Movie | Show`);
    expect(messages(await check(show(''), releases)).sort()).toEqual([
      `mobile 1.0.0 Cards selects Query.cards, which returns Card: it would be sent Show, which mobile 1.0.0 does not know ("Member 'Show' was added to Union type 'Card'"). Gate it: add @since(version: "1.1.0") to Show.`,
      `mobile 1.0.0 Media selects Query.media, which returns Media: it would be sent Show, which mobile 1.0.0 does not know ("'Show' object implements 'Media' interface"). Gate it: add @since(version: "1.1.0") to Show.`,
    ]);
    expect((await check(show('@since(version: "1.1.0")'), releases)).failures).toEqual([]);
  });

  it('fails an argument default change under a release that selects the field; warns of other dangerous changes', async () => {
    const releases = [release('1.0.0', base, { Title: 'query Title { title(id: "1") }' })];
    expect(messages(await check(base.replace('lang: String = "en"', 'lang: String = "fr"'), releases))).toEqual([
      expect.stringMatching(/^mobile 1\.0\.0 Title selects Query\.title and may rely on the default this change moves \(.*\)\. Keep the old default until mobile 1\.0\.0 retires/),
    ]);

    const optionalArgument = await check(base.replace('titles(sort: Sort)', 'titles(sort: Sort, limit: Int = 20)'), releases);
    expect(optionalArgument.failures).toEqual([]);
    expect(optionalArgument.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/^mobile: Argument 'limit: Int' \(with default value\) added to field 'Query\.titles' \(dangerous/)]);
  });

  it('names the policy step for a list of supported versions', async () => {
    const releases = [release('1.0.0', base, { Title: 'query Title { title(id: "1") }' })];
    const report = await check(base.replace('  title(id: ID!, lang: String = "en"): String\n', ''), releases, { required: true, supported: { versions: ['1.0.0'] } });
    expect(messages(report)).toEqual(expect.arrayContaining([
      expect.stringContaining('until mobile 1.0.0 retires: drop 1.0.0 from the supported versions in bffs/mobile/policy.ts.'),
    ]));
  });
});

describe('contracts:check and the root operation types', () => {
  const webSdl = readFileSync(join(root, 'schemas', 'web.graphql'), 'utf8');
  const webReleases = readReleases(join(root, 'bffs', 'web', 'releases'));
  const webPolicy = async () => ((await import('../../bffs/web/policy.ts')) as { WEB_VERSIONS: ClientVersionPolicy }).WEB_VERSIONS;

  it("passes web's subscription root declared beside the plan type that was the root by its name alone", async () => {
    // Released web apps built against a schema whose `Subscription` (the plan) was the subscription
    // root by its name; they select it from a query (WebAccount), never as a root.
    expect(webReleases[0]!.schema).toMatch(/^type Subscription \{/m);
    expect(webSdl).toMatch(/subscription: LiveUpdates/);
    const report = await checkContracts({ client: 'web', sdl: webSdl, releases: webReleases, policy: await webPolicy() });
    expect(report.failures).toEqual([]);
  });

  it('fails renaming the plan type that released web apps select, naming the field', async () => {
    const renamed = edit(edit(webSdl, /subscription: Subscription!/, 'subscription: Plan!'), /^type Subscription \{/m, 'type Plan {');
    const report = await checkContracts({ client: 'web', sdl: renamed, releases: webReleases, policy: await webPolicy() });
    expect(messages(report)).toContainEqual(expect.stringContaining("WebAccount selects Account.subscription, which this change retypes"));
  });

  it('fails a new query root for the queries a release sends, not for its other operations', async () => {
    const renamedRoot = `schema { query: Root, mutation: Mutation }\n${edit(mobileSdl, /^type Query \{/m, 'type Root {')}`;
    const report = await check(renamedRoot);
    const operations = new Set(report.failures.filter((f) => /query root type was changed/.test(f.message)).map((f) => f.operation));
    const queries = mobile100[0]!.documents.filter((d) => /^\s*query\b/m.test(d.text)).map((d) => d.name);
    expect([...operations].sort()).toEqual([...queries].sort());
  });
});
