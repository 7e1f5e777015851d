import { createIntl, createIntlCache, type IntlShape } from '@formatjs/intl';
import { IntlMessageFormat } from 'intl-messageformat';
import { DEFAULT_LOCALE, PSEUDO_LOCALE, pseudoCatalog, readCatalogs, type Catalog, type MessageId } from './catalogs.ts';

/** What a resolver writes text with: the catalog's messages and `Intl`'s numbers, money and dates, in one locale. */
export interface Localizer {
  /** The BCP 47 tag answered in (`Content-Language`). */
  readonly locale: string;
  /** A catalog message, its arguments formatted by the locale's rules (plurals, digits). */
  message(id: MessageId, values?: Record<string, string | number>): string;
  /** Minor units as money, with the currency's own number of decimals (JPY has none). */
  money(amountMinor: number, currency: string): string;
  /** A calendar day or an instant (ISO 8601) as the locale writes a date, in UTC. */
  date(iso: string): string;
}

/**
 * One locale's localizer, on FormatJS: ICU MessageFormat with CLDR plural rules through
 * `Intl.PluralRules` (`intl-messageformat`), numbers and dates through `Intl` (`@formatjs/intl`),
 * never hand-made formats. Made once per locale at start.
 *
 * Messages are compiled once per id into an `IntlMessageFormat` and kept here, rather than asked
 * of `intl.formatMessage` on every call: that path merges the locale's formats and serialises its
 * arguments to a memoisation key each time, which was about 7% of a MobileHome's CPU (its 20-odd
 * row titles and subtitles) in `BENCH_CPU_PROFILE`.
 *
 * A message with no argument, or whose arguments are all numbers (a progress subtitle's minutes, a
 * season and an episode, a duration), is formatted once per set of numbers and kept (numbersMemo below): homes
 * ask for the same few hundred subtitles over and over, and each fresh formatting costs a plural
 * rule, a number format and a memoisation key. Arguments that are text (a viewer's name) are never
 * kept, so no viewer's data stays in the process after their request.
 */
function localizerOf(locale: string, messages: Catalog, intlLocale = locale): Localizer {
  const intl: IntlShape<string> = createIntl(
    {
      locale: intlLocale,
      defaultLocale: DEFAULT_LOCALE,
      messages,
      timeZone: 'UTC',
      // A missing message would be a bug the catalogs check refuses; a formatting error must never fail a request.
      onError: () => undefined,
    },
    createIntlCache(),
  );
  const money = new Map<string, Intl.NumberFormat>();
  const compiled = new Map<MessageId, IntlMessageFormat>();
  const numbers = numbersMemo();
  const formatOf = (id: MessageId) => {
    let format = compiled.get(id);
    if (!format) compiled.set(id, (format = new IntlMessageFormat(messages[id] ?? id, intlLocale)));
    return format;
  };
  return {
    locale,
    message(id, values) {
      try {
        const key = numbers.keyOf(id, values);
        if (key === undefined) return String(formatOf(id).format(values));
        let text = numbers.get(key);
        if (text === undefined) numbers.set(key, (text = String(formatOf(id).format(values))));
        return text;
      } catch {
        // A formatting error (a bad argument) must never fail a request: the message as written.
        return messages[id] ?? id;
      }
    },
    money(amountMinor, currency) {
      let format = money.get(currency);
      if (!format) money.set(currency, (format = new Intl.NumberFormat(intlLocale, { style: 'currency', currency })));
      const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
      return format.format(amountMinor / 10 ** digits);
    },
    date: (iso) => intl.formatDate(new Date(iso.length === 10 ? `${iso}T00:00:00Z` : iso), { dateStyle: 'medium' }),
  };
}

/** The most messages one localizer keeps formatted: a few hundred are in use; past this, it starts over. */
export const MAX_MEMOISED_MESSAGES = 4096;

/** Formatted messages by id and numeric arguments (none for a constant), bounded: full, it is emptied rather than evicted one by one. */
function numbersMemo() {
  const texts = new Map<string, string>();
  return {
    /** The key of a message with no arguments or only finite numbers; undefined when any is not a number. */
    keyOf(id: MessageId, values: Record<string, string | number> | undefined): string | undefined {
      let key: string = id;
      for (const name in values) {
        const value = values[name];
        if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
        key += `\u0000${name}=${value}`;
      }
      return key;
    },
    get: (key: string) => texts.get(key),
    set(key: string, text: string): void {
      if (texts.size >= MAX_MEMOISED_MESSAGES) texts.clear();
      texts.set(key, text);
    },
  };
}

/**
 * The localizers of the locales a client supports, made once: the shipped catalogs, and outside
 * production the pseudo-locale (en-US's messages pseudo-localised, its numbers and dates in en).
 */
export function createLocalizers(supported: readonly string[], { pseudo }: { pseudo: boolean }): Map<string, Localizer> {
  const catalogs = readCatalogs();
  const localizers = new Map<string, Localizer>();
  for (const locale of supported) {
    const catalog = catalogs.get(locale);
    if (!catalog) throw new Error(`locale ${locale} has no catalog (bffs/kit/locale/messages/${locale}.json)`);
    localizers.set(locale, localizerOf(locale, catalog as Catalog));
  }
  if (pseudo) localizers.set(PSEUDO_LOCALE, localizerOf(PSEUDO_LOCALE, pseudoCatalog(catalogs.get(DEFAULT_LOCALE)!) as Catalog, 'en'));
  return localizers;
}
