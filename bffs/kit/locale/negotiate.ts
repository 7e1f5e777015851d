import { match } from '@formatjs/intl-localematcher';
import Negotiator from 'negotiator';

/**
 * Picks a supported locale for the language ranges a request or a profile names:
 * `Accept-Language` parsed and ordered by quality by `negotiator` (express's), then each range,
 * best first, looked up as RFC 4647 §3.4 says (FormatJS's `intl-localematcher`, `lookup`): the
 * range, then the range with its last subtag cut off, and so on. A supported locale also answers
 * for its bare language, so `de` and `de-AT` find `de-DE`. Undefined when nothing matches (the
 * caller falls back to the profile's language, then to the default).
 */
export function createNegotiator(supported: readonly string[]) {
  const byTag = new Map<string, string>();
  for (const locale of supported) {
    byTag.set(locale, locale);
    const language = new Intl.Locale(locale).language;
    if (!byTag.has(language)) byTag.set(language, locale);
  }
  const available = [...byTag.keys()];
  const NONE = 'und';
  // Header values repeat (an app sends the same one every time): remembered, bounded.
  const remembered = new Map<string, string | undefined>();

  const lookup = (range: string): string | undefined => {
    if (range === '*') return undefined;
    try {
      const found = match([range], available, NONE, { algorithm: 'lookup' });
      return found === NONE ? undefined : byTag.get(found);
    } catch {
      return undefined; // not a language tag: the next range
    }
  };

  return {
    /** From an `Accept-Language` header. */
    fromHeader(header: string | null): string | undefined {
      if (!header) return undefined;
      if (remembered.has(header)) return remembered.get(header);
      let found: string | undefined;
      for (const range of new Negotiator({ headers: { 'accept-language': header } }).languages()) {
        if ((found = lookup(range))) break;
      }
      if (remembered.size < 1024) remembered.set(header, found);
      return found;
    },
    /** From a profile's language (`de`, `ja`, `pt-BR`). */
    fromLanguage: (language: string | undefined): string | undefined => (language ? lookup(language) : undefined),
  };
}
