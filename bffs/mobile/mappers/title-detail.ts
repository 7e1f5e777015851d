import { pickImage, truncate, isNewRelease, type Localizer } from '../../kit/index.ts';
import type { TitleDetailModel } from '../models.ts';
import type { MobileTitle } from '../needs.ts';
import { SYNOPSIS_LIMIT } from './row-item.ts';

/** `2 seasons`, `1 h 52 min`, `45 min`, in the viewer's locale (plural rules and digits its own). */
export function durationText(title: Pick<MobileTitle, 'type' | 'runtimeMinutes' | 'seasonCount'>, localizer: Pick<Localizer, 'message'>): string {
  if (title.type === 'series') return localizer.message('duration.seasons', { seasons: title.seasonCount ?? 1 });
  const hours = Math.floor(title.runtimeMinutes / 60);
  const minutes = title.runtimeMinutes % 60;
  return hours === 0 ? localizer.message('duration.minutes', { minutes }) : localizer.message('duration.hoursMinutes', { hours, minutes });
}

export const toTitleDetail = (title: MobileTitle, now: Date, localizer: Localizer): TitleDetailModel => ({
  id: title.id,
  title: title.name,
  kind: title.type === 'series' ? 'SERIES' : 'MOVIE',
  synopsis: truncate(title.synopsis, SYNOPSIS_LIMIT),
  thumbnail: pickImage(title.images.thumbnail2x3, 400),
  genres: title.genres,
  maturityRating: title.maturityRating,
  releaseYear: title.releaseYear,
  durationText: durationText(title, localizer),
  isNew: isNewRelease(title.releaseDate, now),
});
