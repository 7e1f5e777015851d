import type { SparseTitle, TitleField, User, UserField, BffContext, LocaleChoice, FlaggedContext } from '../kit/index.ts';

/** The only fields mobile reads: the catalog and the users service send nothing else. */
const titleFields = [
  'name', 'type', 'images', 'synopsis', 'maturityRating', 'releaseDate', 'releaseYear', 'runtimeMinutes', 'seasonCount', 'genres',
] as const satisfies readonly TitleField[];
const userFields = ['profile', 'entitlements', 'pushToken'] as const satisfies readonly UserField[];

export const MOBILE_NEEDS = { titleFields, userFields };

export type MobileTitle = SparseTitle<(typeof titleFields)[number]>;
export type MobileViewer = Pick<User, (typeof userFields)[number] | 'id'>;
/** The locale wing's choice is in every request's context (`localize(context)`), and the flags' variants when flags are on. */
export type MobileContext = BffContext<(typeof titleFields)[number], (typeof userFields)[number]> & { locale: LocaleChoice } & FlaggedContext;
