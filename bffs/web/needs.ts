import type { SparseTitle, TitleField, User, UserField, BffContext, ViewerDevices, ViewerLiveEvents, LocaleChoice, FlaggedContext } from '../kit/index.ts';

/** Cards read these; the title page also reads the detail fields in its own batch. */
const titleFields = [
  'name', 'type', 'synopsis', 'genres', 'maturityRating', 'releaseYear', 'images',
] as const satisfies readonly TitleField[];
const detailTitleFields = [
  ...titleFields, 'tagline', 'releaseDate', 'runtimeMinutes', 'seasonCount', 'episodeCount', 'cast',
] as const satisfies readonly TitleField[];
const userFields = ['profile', 'email', 'subscription', 'notificationPreferences'] as const satisfies readonly UserField[];

export const WEB_NEEDS = { titleFields, userFields, detailTitleFields };

export type WebTitle = SparseTitle<(typeof titleFields)[number]>;
export type WebTitleDetail = SparseTitle<(typeof detailTitleFields)[number]>;
export type WebViewer = Pick<User, (typeof userFields)[number] | 'id'>;
/** `devices` is always there: createWebBff sets `deviceClient: 'tv'`; `live` too, as web's schema has subscriptions. */
export type WebContext = BffContext<(typeof titleFields)[number], (typeof userFields)[number]> & { devices: ViewerDevices; live: ViewerLiveEvents; locale: LocaleChoice } & FlaggedContext;
