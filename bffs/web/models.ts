import type { Account, RowItem, Title } from './generated/resolvers.generated.ts';

export type HomeModel = Record<string, never>;
/** Per-viewer facts resolve lazily, each one batch or one call per request. */
export type RowItemModel = Omit<RowItem, 'averageRating' | 'progressPercent' | 'inMyList'>;
export type TitleModel = Omit<Title, 'averageRating' | 'reviews' | 'inMyList'>;
/** Billing and the signed-in TVs resolve on their own, only when asked for. */
export type AccountModel = Omit<Account, 'billing' | 'devices'>;
