import { pickImage, type SearchHit } from '../../kit/index.ts';
import type { Hero, SearchResult } from '../generated/resolvers.generated.ts';
import type { RowItemModel, TitleModel } from '../models.ts';
import type { WebTitle, WebTitleDetail } from '../needs.ts';

/** Desktop cards are about 640 px wide at 2x; the hero spans a full-HD window. */
const CARD_WIDTH = 640;
const HERO_WIDTH = 1920;

export const toHero = (title: WebTitle): Hero => ({
  id: title.id,
  title: title.name,
  synopsis: title.synopsis,
  heroImage: pickImage(title.images.hero, HERO_WIDTH),
  genres: title.genres,
  maturityRating: title.maturityRating,
});

export const toRowItem = (title: WebTitle): RowItemModel => ({
  id: title.id,
  title: title.name,
  synopsis: title.synopsis,
  thumbnail: pickImage(title.images.thumbnail16x9, CARD_WIDTH),
  genres: title.genres,
  maturityRating: title.maturityRating,
});

/** A card from the catalog's title, with where the query matched its name (the search service's `name` highlight). */
export const toSearchResult = (title: WebTitle, hit: SearchHit): SearchResult => ({
  id: title.id,
  title: title.name,
  thumbnail: pickImage(title.images.thumbnail16x9, CARD_WIDTH),
  genres: title.genres,
  maturityRating: title.maturityRating,
  releaseYear: title.releaseYear,
  highlights: (hit.highlights.find((highlight) => highlight.field === 'name')?.spans ?? []).map(({ start, length }) => ({ start, length })),
});

export const toTitle = (title: WebTitleDetail): TitleModel => ({
  id: title.id,
  title: title.name,
  kind: title.type === 'series' ? 'SERIES' : 'MOVIE',
  tagline: title.tagline,
  synopsis: title.synopsis,
  genres: title.genres,
  maturityRating: title.maturityRating,
  releaseDate: title.releaseDate,
  runtimeMinutes: title.runtimeMinutes,
  seasonCount: title.seasonCount,
  episodeCount: title.episodeCount,
  heroImage: pickImage(title.images.hero, HERO_WIDTH),
  thumbnail: pickImage(title.images.thumbnail16x9, CARD_WIDTH),
  cast: title.cast.map(({ name, character }) => ({ name, character })),
});
