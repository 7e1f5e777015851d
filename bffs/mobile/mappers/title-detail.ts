import { pickImage, truncate, isNewRelease } from '../../kit/index.ts';
import type { TitleDetailModel } from '../models.ts';
import type { MobileTitle } from '../needs.ts';
import { SYNOPSIS_LIMIT } from './row-item.ts';

export function durationText(title: Pick<MobileTitle, 'type' | 'runtimeMinutes' | 'seasonCount'>): string {
  if (title.type === 'series') {
    const seasons = title.seasonCount ?? 1;
    return `${seasons} season${seasons === 1 ? '' : 's'}`;
  }
  const hours = Math.floor(title.runtimeMinutes / 60);
  const minutes = title.runtimeMinutes % 60;
  return hours === 0 ? `${minutes} min` : `${hours} h ${minutes} min`;
}

export const toTitleDetail = (title: MobileTitle, now: Date): TitleDetailModel => ({
  id: title.id,
  title: title.name,
  kind: title.type === 'series' ? 'SERIES' : 'MOVIE',
  synopsis: truncate(title.synopsis, SYNOPSIS_LIMIT),
  thumbnail: pickImage(title.images.thumbnail2x3, 400),
  genres: title.genres,
  maturityRating: title.maturityRating,
  releaseYear: title.releaseYear,
  durationText: durationText(title),
  isNew: isNewRelease(title.releaseDate, now),
});
