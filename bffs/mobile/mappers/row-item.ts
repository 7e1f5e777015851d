import { pickImage, progressPercent, progressSubtitle, truncate, isNewRelease, type ContinueWatchingItem, type Localizer } from '../../kit/index.ts';
import type { RowItem } from '../generated/resolvers.generated.ts';
import type { MobileTitle } from '../needs.ts';

/** Phone screens: 640 px is sharp for a landscape card, 400 px for a portrait one, 300 px for a square tile. */
const LANDSCAPE_WIDTH = 640;
const PORTRAIT_WIDTH = 400;
const SQUARE_WIDTH = 300;
export const SYNOPSIS_LIMIT = 120;

const base = (title: MobileTitle) => ({
  contentId: title.id,
  title: title.name,
  maturityRating: title.maturityRating,
  progressPercent: null,
  subtitle: null,
  synopsis: null,
  isNew: null,
});

export const continueWatchingItem = (entry: ContinueWatchingItem, title: MobileTitle, localizer: Localizer): RowItem => ({
  ...base(title),
  thumbnail: pickImage(title.images.thumbnail16x9, LANDSCAPE_WIDTH),
  progressPercent: progressPercent(entry.progressSeconds, entry.totalSeconds),
  subtitle: progressSubtitle(entry, localizer),
});

export const myListItem = (title: MobileTitle): RowItem => ({
  ...base(title),
  thumbnail: pickImage(title.images.thumbnail2x3, PORTRAIT_WIDTH),
});

export const topPickItem = (title: MobileTitle, now: Date): RowItem => ({
  ...base(title),
  thumbnail: pickImage(title.images.thumbnail2x3, PORTRAIT_WIDTH),
  synopsis: truncate(title.synopsis, SYNOPSIS_LIMIT),
  isNew: isNewRelease(title.releaseDate, now),
});

/** New releases (apps from 1.1.0): square tiles, every one of them new. */
export const newReleaseItem = (title: MobileTitle, now: Date): RowItem => ({
  ...base(title),
  thumbnail: pickImage(title.images.thumbnail1x1, SQUARE_WIDTH),
  isNew: isNewRelease(title.releaseDate, now),
});
