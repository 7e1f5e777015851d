import type { SparseTitle, TitleField, User, UserField, BffContext, LocaleChoice, FlaggedContext } from '../kit/index.ts';
import type { Device } from './device.ts';

/** The only fields TV reads: the catalog and the users service send nothing else. */
const titleFields = [
  'name', 'synopsis', 'images', 'maturityRating', 'video', 'audio', 'genres', 'releaseYear', 'runtimeMinutes', 'seasonCount',
] as const satisfies readonly TitleField[];
const userFields = ['profile', 'entitlements', 'preferences'] as const satisfies readonly UserField[];

export const TV_NEEDS = { titleFields, userFields };

export type TvTitle = SparseTitle<(typeof titleFields)[number]>;
export type TvViewer = Pick<User, (typeof userFields)[number] | 'id'>;
export type TvContext = BffContext<(typeof titleFields)[number], (typeof userFields)[number]> & { device: Device; locale: LocaleChoice } & FlaggedContext;
