import type { Stage } from '../perimeter/pipeline.ts';
import type { Wing } from '../perimeter/wing.ts';
import { DEFAULT_LOCALE } from './catalogs.ts';
import { createLocalizers, type Localizer } from './localizer.ts';
import { createNegotiator } from './negotiate.ts';

/** The locales every client ships, the default first. A client may declare fewer (policy.ts). */
export const SHIPPED_LOCALES = [DEFAULT_LOCALE, 'de-DE', 'ja-JP', 'ar-EG'] as const;

/**
 * The viewer's locale as the perimeter found it, in the resolvers' context as `locale`
 * (`localize(context)` reads it): from `Accept-Language` when it names a supported locale, else
 * from the viewer's profile language, which the screen reads anyway (users), so it costs no call.
 */
export interface LocaleChoice {
  /** The locale `Accept-Language` chose; undefined when it chose none. */
  readonly negotiated: Localizer | undefined;
  /** The profile's language's locale, else the default; the answer's Content-Language is set from it. */
  fromProfile(language: string | undefined): Localizer;
}

/** What `localize` needs of a resolver's context: the choice, and the viewer's profile through the request's loaders. */
export interface LocalizedContext {
  locale: LocaleChoice;
  loaders: { viewer(): Promise<{ profile: { language: string } }> };
}

/**
 * The request's localizer: the negotiated locale, or the viewer's profile language (read through
 * the request's loaders, once per request, shared with the screen's own read), or the default when
 * the profile cannot be read. Localisation never fails a request.
 */
export async function localize(context: LocalizedContext): Promise<Localizer> {
  const { negotiated } = context.locale;
  if (negotiated) return negotiated;
  let language: string | undefined;
  try {
    language = (await context.loaders.viewer()).profile.language;
  } catch {
    language = undefined; // the screen reports the users service's failure where it reads it
  }
  return context.locale.fromProfile(language);
}

export interface LocaleWingOptions {
  /** The client's locales (its policy), the default first; each must have a catalog. */
  locales: readonly string[];
  /** Outside production the pseudo-locale en-XA is served too. */
  production: boolean;
}

/**
 * Locale as a wing: one variation stage, no route. The stage negotiates `Accept-Language`
 * against the client's locales and says what the answer's locale depends on (core/variation.ts):
 * - negotiated: the locale is a key part (`locale=de-DE`) and `Content-Language` is set now;
 * - not: the locale is the viewer's profile's, found during execution (`localize`), so the key
 *   part names the viewer (`locale=profile:u_1`: a PUBLIC answer is then this viewer's alone)
 *   and `Content-Language` is set when it is found, and kept with a cached answer.
 * `Vary: Accept-Language` either way. What it found is also a fact later wings target on (flags).
 */
export function createLocaleWing({ locales, production }: LocaleWingOptions): Wing & { localizers: ReadonlyMap<string, Localizer> } {
  const localizers = createLocalizers(locales, { pseudo: !production });
  const negotiator = createNegotiator([...localizers.keys()]);
  const fallback = localizers.get(locales[0] ?? DEFAULT_LOCALE)!;

  const stage: Stage = (passage) => {
    const { variation } = passage;
    variation.vary.push('Accept-Language');
    const negotiated = localizers.get(negotiator.fromHeader(passage.request.headers.get('accept-language')) ?? '');
    if (negotiated) {
      variation.keys.push(`locale=${negotiated.locale}`);
      variation.facts.locale = negotiated.locale;
      passage.headers['content-language'] = negotiated.locale;
    } else {
      variation.keys.push(`locale=profile:${passage.viewer!.id}`);
    }
    const choice: LocaleChoice = {
      negotiated,
      fromProfile(language) {
        const localizer = localizers.get(negotiator.fromLanguage(language) ?? '') ?? fallback;
        variation.headers['content-language'] = localizer.locale;
        return localizer;
      },
    };
    variation.context.locale = choice;
  };

  return {
    name: 'locale',
    firstStages: [],
    variationStages: [stage],
    paths: [],
    routes: [],
    localizers,
    close: async () => undefined,
  };
}

