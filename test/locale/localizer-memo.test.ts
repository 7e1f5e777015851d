import { IntlMessageFormat } from 'intl-messageformat';
import { describe, expect, test } from 'vitest';
import { readCatalogs } from '../../bffs/kit/locale/catalogs.ts';
import { createLocalizers, MAX_MEMOISED_MESSAGES } from '../../bffs/kit/locale/localizer.ts';

// Messages with numeric arguments are kept once formatted (localizer.ts): what a home reads must
// be what a fresh ICU formatting writes, for every number, in every locale, across the memo's limit.
const catalogs = readCatalogs();
const locales = [...catalogs.keys()];
const localizers = createLocalizers(locales, { pseudo: false });

describe('a kept message reads as freshly formatted', () => {
  test.each(locales)('%s: plural minutes, seasons and episodes, asked twice in turn', (locale) => {
    const localizer = localizers.get(locale)!;
    const catalog = catalogs.get(locale)! as Record<string, string>;
    const fresh = (id: string, values: Record<string, number>) => String(new IntlMessageFormat(catalog[id]!, locale).format(values));
    for (let round = 0; round < 2; round++) {
      for (const minutes of [0, 1, 2, 3, 5, 11, 21, 100, 101, 1.5]) {
        expect(localizer.message('subtitle.minutesLeft', { minutes })).toBe(fresh('subtitle.minutesLeft', { minutes }));
        expect(localizer.message('duration.seasons', { seasons: minutes })).toBe(fresh('duration.seasons', { seasons: minutes }));
      }
      // The same numbers under other names, and in the other order, are other texts.
      expect(localizer.message('subtitle.episode', { season: 2, episode: 7 })).toBe(fresh('subtitle.episode', { season: 2, episode: 7 }));
      expect(localizer.message('subtitle.episode', { episode: 2, season: 7 })).toBe(fresh('subtitle.episode', { season: 7, episode: 2 }));
    }
  });

  test('past its limit the memo starts over and still answers right; text arguments are formatted each time', () => {
    const localizer = localizers.get('en-US')!;
    const catalog = catalogs.get('en-US')! as Record<string, string>;
    const minutesLeft = new IntlMessageFormat(catalog['subtitle.minutesLeft']!, 'en-US');
    for (let minutes = 0; minutes < MAX_MEMOISED_MESSAGES + 50; minutes += 1) {
      expect(localizer.message('subtitle.minutesLeft', { minutes })).toBe(String(minutesLeft.format({ minutes })));
    }
    expect(localizer.message('subtitle.minutesLeft', { minutes: 1200 })).toBe('1,200 min left');
    const name = (n: string) => String(new IntlMessageFormat(catalog['row.topPicksFor']!, 'en-US').format({ name: n }));
    expect(localizer.message('row.topPicksFor', { name: 'Ada' })).toBe(name('Ada'));
    expect(localizer.message('row.topPicksFor', { name: 'Grace' })).toBe(name('Grace'));
  });
});
