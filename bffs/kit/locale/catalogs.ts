import { readdirSync, readFileSync } from 'node:fs';
import { isStructurallySame, parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { printAST } from '@formatjs/icu-messageformat-parser/printer.js';
import enUS from './messages/en-US.json' with { type: 'json' };

/** A message's id: every key of the default catalog (messages/en-US.json), so a typo fails the typecheck. */
export type MessageId = keyof typeof enUS;

/** One locale's messages, ICU MessageFormat text by id. */
export type Catalog = Readonly<Record<MessageId, string>>;

/** The locale every catalog is checked against, and what a viewer gets when nothing else matches. */
export const DEFAULT_LOCALE = 'en-US';
/** The pseudo-locale: en-US's messages with every letter accented and bracketed, to show what escaped localisation. */
export const PSEUDO_LOCALE = 'en-XA';

const MESSAGES = new URL('./messages/', import.meta.url);

/** The shipped catalogs on disk (messages/<locale>.json), by locale. */
export function readCatalogs(directory: URL = MESSAGES): Map<string, Record<string, string>> {
  const catalogs = new Map<string, Record<string, string>>();
  for (const file of readdirSync(directory).filter((name) => name.endsWith('.json')).sort()) {
    catalogs.set(file.slice(0, -'.json'.length), JSON.parse(readFileSync(new URL(file, directory), 'utf8')) as Record<string, string>);
  }
  return catalogs;
}

/**
 * What is wrong with the catalogs, one line each (empty when nothing is): every shipped locale
 * has exactly the default's keys, every message is valid ICU MessageFormat, and every message
 * names the same arguments, of the same types, as the default's (FormatJS's own
 * `isStructurallySame`): a translation cannot drop `{name}` or turn a plural into a select.
 * `npm run locales:check` and test/locale/catalogs.test.ts run it.
 */
export function catalogProblems(catalogs: ReadonlyMap<string, Record<string, string>>): string[] {
  const problems: string[] = [];
  const reference = catalogs.get(DEFAULT_LOCALE);
  if (!reference) return [`no ${DEFAULT_LOCALE} catalog: it is the default every other is checked against`];
  const parsed = (locale: string, id: string, text: unknown): MessageFormatElement[] | undefined => {
    if (typeof text !== 'string') {
      problems.push(`${locale}: ${id} is not a string`);
      return undefined;
    }
    try {
      return parse(text, { requiresOtherClause: true });
    } catch (error) {
      problems.push(`${locale}: ${id} is not valid ICU MessageFormat (${(error as Error).message})`);
      return undefined;
    }
  };
  const referenceAsts = new Map<string, MessageFormatElement[] | undefined>();
  for (const [id, text] of Object.entries(reference)) referenceAsts.set(id, parsed(DEFAULT_LOCALE, id, text));
  for (const [locale, catalog] of catalogs) {
    try {
      new Intl.Locale(locale);
    } catch {
      problems.push(`${locale}: the file's name is not a BCP 47 locale`);
    }
    if (locale === DEFAULT_LOCALE) continue;
    for (const id of referenceAsts.keys()) if (!(id in catalog)) problems.push(`${locale}: ${id} is missing`);
    for (const [id, text] of Object.entries(catalog)) {
      if (!referenceAsts.has(id)) {
        problems.push(`${locale}: ${id} is not in ${DEFAULT_LOCALE}`);
        continue;
      }
      const ast = parsed(locale, id, text);
      const expected = referenceAsts.get(id);
      if (!ast || !expected) continue;
      const same = isStructurallySame(expected, ast);
      if (!same.success) problems.push(`${locale}: ${id} does not have ${DEFAULT_LOCALE}'s placeholders: ${same.error?.message ?? ''}`);
    }
  }
  return problems;
}

/** A, e, … as their accented look-alikes: still readable, plainly not shipped text. */
const ACCENTED: Record<string, string> = Object.fromEntries(
  [...'abcdeghiklmnorstuwyzABCDEGHIKLNORSTUWYZ'].map((letter, i) => [letter, [...'àƀçđéĝĥîķļɱñöŕšţûŵýžÀƁÇĐÉĜĤÎĶĻÑÖŔŠŢÛŴÝŽ'][i]!]),
);

/**
 * en-US's catalog pseudo-localised: the literal text of every message (inside plurals too)
 * accented and the whole message bracketed, `[Ċöñţîñûé Ŵàţçĥîñĝ]`, its arguments untouched. A
 * string in an answer under en-XA that is not bracketed did not come from a catalog.
 */
export function pseudoCatalog(catalog: Record<string, string>): Record<string, string> {
  const accent = (elements: MessageFormatElement[]): MessageFormatElement[] =>
    elements.map((element) => {
      if (element.type === TYPE.literal) return { ...element, value: [...element.value].map((c) => ACCENTED[c] ?? c).join('') };
      if (element.type === TYPE.plural || element.type === TYPE.select) {
        return { ...element, options: Object.fromEntries(Object.entries(element.options).map(([key, option]) => [key, { ...option, value: accent(option.value) }])) };
      }
      return element;
    });
  return Object.fromEntries(Object.entries(catalog).map(([id, text]) => [id, `[${printAST(accent(parse(text)))}]`]));
}
