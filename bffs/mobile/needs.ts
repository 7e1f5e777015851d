import type { SparseTitle, TitleField, User, UserField, BffContext } from '../kit/index.ts';

/** The only fields mobile reads: the catalog and the users service send nothing else. */
const titleFields = [
  'name', 'type', 'images', 'synopsis', 'maturityRating', 'releaseDate', 'releaseYear', 'runtimeMinutes', 'seasonCount', 'genres',
] as const satisfies readonly TitleField[];
const userFields = ['profile', 'entitlements', 'pushToken'] as const satisfies readonly UserField[];

export const MOBILE_NEEDS = { titleFields, userFields };

export type MobileTitle = SparseTitle<(typeof titleFields)[number]>;
export type MobileViewer = Pick<User, (typeof userFields)[number] | 'id'>;
export type MobileContext = BffContext<(typeof titleFields)[number], (typeof userFields)[number]>;
