import { pickImage, progressPercent, type ContinueWatchingItem } from '../../kit/index.ts';
import type { Device } from '../device.ts';
import type { Hero, Title } from '../generated/resolvers.generated.ts';
import type { RowItemModel } from '../models.ts';
import type { TvTitle, TvViewer } from '../needs.ts';
import { badgesFor } from './badges.ts';

/** Cards on a 1080p screen are about 640 px wide; the hero fills it. */
const CARD_WIDTH = 640;
const HERO_WIDTH = 1920;
const LOGO_WIDTH = 600;

export interface Presentation {
  viewer: TvViewer;
  device: Device;
}

const common = (title: TvTitle, { viewer, device }: Presentation) => ({
  contentId: title.id,
  title: title.name,
  logoUrl: pickImage(title.images.logo, LOGO_WIDTH),
  maturityBadge: title.maturityRating,
  badges: badgesFor(title, viewer.entitlements, device),
});

export const toHero = (title: TvTitle, presentation: Presentation): Hero => ({
  ...common(title, presentation),
  synopsis: title.synopsis,
  heroImage: pickImage(title.images.hero, HERO_WIDTH),
});

export const toRowItem = (title: TvTitle, presentation: Presentation, watching?: ContinueWatchingItem): RowItemModel => ({
  ...common(title, presentation),
  thumbnail: pickImage(title.images.thumbnail16x9, CARD_WIDTH),
  progressPercent: watching ? progressPercent(watching.progressSeconds, watching.totalSeconds) : null,
  playable: watching !== undefined,
});

export const toTitle = (title: TvTitle, presentation: Presentation): Title => ({
  ...common(title, presentation),
  synopsis: title.synopsis,
  heroImage: pickImage(title.images.hero, HERO_WIDTH),
  genres: title.genres,
  releaseYear: title.releaseYear,
  runtimeMinutes: title.runtimeMinutes,
  seasonCount: title.seasonCount,
});
