import type { TitleDetail } from './generated/resolvers.generated.ts';

/** Parents of resolvers whose fields are resolved lazily, field by field. */
export type HomeModel = Record<string, never>;
export type TitleDetailModel = Omit<TitleDetail, 'inMyList'>;
