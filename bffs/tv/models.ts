import type { RowItem } from './generated/resolvers.generated.ts';

export type HomeModel = Record<string, never>;
/** drmLicenseUrl resolves lazily, so only documents that ask for it cost a playback call. */
export type RowItemModel = Omit<RowItem, 'drmLicenseUrl'> & { playable: boolean };
