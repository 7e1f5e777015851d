import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { catalogProblems, readCatalogs, SHIPPED } from './support.ts';

/** A planted messages directory: en-US's real catalog beside one locale's file as given. */
function planted(locale: string, catalog: Record<string, string>) {
  const directory = mkdtempSync(join(tmpdir(), 'catalogs-'));
  writeFileSync(join(directory, 'en-US.json'), JSON.stringify(readCatalogs().get('en-US')));
  writeFileSync(join(directory, `${locale}.json`), JSON.stringify(catalog));
  return readCatalogs(pathToFileURL(`${directory}/`));
}

const german = () => ({ ...readCatalogs().get('de-DE')! });

describe('the message catalogs (npm run locales:check)', () => {
  test('every shipped locale has a catalog, and the catalogs have no problem', () => {
    const catalogs = readCatalogs();
    for (const locale of SHIPPED) expect(catalogs.has(locale), locale).toBe(true);
    expect(catalogProblems(catalogs)).toEqual([]);
  });

  test('a key missing from a locale, or one en-US does not have, is named', () => {
    const { 'row.myList': _dropped, ...rest } = german();
    expect(catalogProblems(planted('de-DE', { ...rest, 'row.extra': 'Extra' }))).toEqual(['de-DE: row.myList is missing', 'de-DE: row.extra is not in en-US']);
  });

  test('a message that is not valid ICU MessageFormat is named', () => {
    const problems = catalogProblems(planted('de-DE', { ...german(), 'subtitle.minutesLeft': '{minutes, plural, one {Noch # Min.}' }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^de-DE: subtitle\.minutesLeft is not valid ICU MessageFormat/);
  });

  test('a plural without its other clause is refused as invalid', () => {
    const problems = catalogProblems(planted('de-DE', { ...german(), 'subtitle.minutesLeft': '{minutes, plural, one {Noch # Min.}}' }));
    expect(problems[0]).toMatch(/^de-DE: subtitle\.minutesLeft is not valid ICU MessageFormat/);
  });

  test("a placeholder renamed, dropped or retyped is named against en-US's", () => {
    expect(catalogProblems(planted('de-DE', { ...german(), 'row.topPicksFor': 'Top-Tipps für {nom}' }))[0]).toMatch(/^de-DE: row\.topPicksFor does not have en-US's placeholders/);
    expect(catalogProblems(planted('de-DE', { ...german(), 'row.topPicksFor': 'Top-Tipps' }))[0]).toMatch(/^de-DE: row\.topPicksFor does not have en-US's placeholders/);
    expect(catalogProblems(planted('de-DE', { ...german(), 'duration.seasons': '{seasons} Staffeln' }))[0]).toMatch(/^de-DE: duration\.seasons does not have en-US's placeholders/);
  });

  test('a file whose name is not a locale is named', () => {
    expect(catalogProblems(planted('de_DE', german()))).toContain("de_DE: the file's name is not a BCP 47 locale");
  });
});
