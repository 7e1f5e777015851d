import { EntityCache } from './entity-cache.ts';
import { Random, isoDate, isoInstant } from './random.ts';
import {
  COUNTRIES, CREW_JOBS, FIRST_NAMES, GENRES, LANGUAGES, LAST_NAMES, MOODS, MOVIE_RATINGS, PROSE,
  SERIES_RATINGS, STUDIOS, TITLE_WORDS,
} from './words.ts';

export const TITLE_COUNT = 10_000;
const IMAGE_HOST = 'https://img.concierge.example';

export interface ImageVariant {
  url: string;
  width: number;
  height: number;
}

/** The catalog's generic title: far more than any one screen needs (about 4 KB of JSON). */
export interface Title {
  id: string;
  type: 'movie' | 'series';
  name: string;
  originalName: string;
  slug: string;
  tagline: string;
  synopsis: string;
  genres: string[];
  moods: string[];
  keywords: string[];
  maturityRating: string;
  maturityReasons: string[];
  releaseDate: string;
  releaseYear: number;
  runtimeMinutes: number;
  seasonCount: number | null;
  episodeCount: number | null;
  seriesStatus: 'ongoing' | 'ended' | null;
  originalLanguage: string;
  audioLanguages: string[];
  subtitleLanguages: string[];
  countriesOfOrigin: string[];
  studio: string;
  productionCompanies: string[];
  images: {
    hero: ImageVariant[];
    thumbnail16x9: ImageVariant[];
    thumbnail2x3: ImageVariant[];
    thumbnail1x1: ImageVariant[];
    logo: ImageVariant[];
  };
  cast: { id: string; name: string; character: string }[];
  crew: { id: string; name: string; job: string }[];
  audio: { atmos: boolean; channels: string; formats: string[] };
  video: { uhd: boolean; hdr: boolean; hdrFormats: string[]; aspectRatio: string };
  awards: string[];
  externalIds: { imdb: string; tmdb: number };
  popularity: number;
  criticScore: number;
  availability: { regions: string[]; availableFrom: string; availableUntil: string | null };
  trailerIds: string[];
  isOriginal: boolean;
  status: 'published' | 'draft';
  rightsHolder: string;
  createdAt: string;
  updatedAt: string;
}

export const titleIdOf = (n: number) => `t_${n}`;

/** `t_42` → 42, or undefined when the id names no title. */
export function titleNumber(id: string): number | undefined {
  const m = /^t_([1-9]\d*)$/.exec(id);
  if (!m) return undefined;
  const n = Number(m[1]);
  return n <= TITLE_COUNT ? n : undefined;
}

function imageSet(id: string, kind: string, sizes: [number, number][]): ImageVariant[] {
  return sizes.map(([width, height]) => ({ url: `${IMAGE_HOST}/${id}/${kind}-${width}x${height}.jpg`, width, height }));
}

const personName = (r: Random) => `${r.pick(FIRST_NAMES)} ${r.pick(LAST_NAMES)}`;

/**
 * A title's name and genres come from their own random stream, so search can index all 10,000
 * titles in milliseconds without generating each whole title.
 */
export function titleSummary(seed: number, n: number): { name: string; genres: string[] } {
  const r = new Random(seed, `title-summary:${n}`);
  const name = `${r.pick(TITLE_WORDS)} ${r.pick(TITLE_WORDS)}${r.chance(0.3) ? ` ${r.int(2, 4)}` : ''}`;
  return { name, genres: r.sample(GENRES, r.int(1, 3)) };
}

/**
 * The first draws of a title's `title:${n}` stream: its type, then its release instant. They
 * come first so that the search index can replay them from a fresh stream (see `titleRelease`)
 * and get the very release date `generateTitle` gives, without generating the rest.
 */
function drawTypeAndRelease(r: Random): { type: 'movie' | 'series'; released: Date } {
  const type = r.chance(0.35) ? 'series' : 'movie';
  // About one title in twenty is recent, so "new" badges have something to show.
  const released = r.chance(0.05) ? r.pastDate(0, 120) : r.pastDate(120, 365 * 50);
  return { type, released };
}

/** The title's release instant, exactly as `generateTitle` draws it (its `releaseDate` is the day of it). */
export const titleRelease = (seed: number, n: number): Date => drawTypeAndRelease(new Random(seed, `title:${n}`)).released;

/** What search filters and sorts on, for each title, without generating the title. */
export interface TitleIndexEntry {
  name: string;
  genres: string[];
  /** `YYYY-MM-DD`, the title's `releaseDate`. */
  releaseDate: string;
}

export function generateTitle(seed: number, n: number): Title {
  const r = new Random(seed, `title:${n}`);
  const id = titleIdOf(n);
  const { type, released } = drawTypeAndRelease(r);
  const { name, genres } = titleSummary(seed, n);
  const seasonCount = type === 'series' ? r.int(1, 8) : null;
  // Product: a synopsis is 500+ characters, so sentences are added until it is.
  let synopsis = Array.from({ length: 8 }, () => r.sentence(PROSE, 8, 14)).join(' ');
  while (synopsis.length < 500) synopsis += ` ${r.sentence(PROSE, 8, 14)}`;
  const uhd = r.chance(0.4);
  const hdr = uhd && r.chance(0.7);
  const castSize = r.int(40, 50);

  return {
    id,
    type,
    name,
    originalName: name,
    slug: `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${n}`,
    tagline: r.sentence(PROSE, 4, 8),
    synopsis,
    genres,
    moods: r.sample(MOODS, 2),
    keywords: r.sample(PROSE, 5),
    maturityRating: r.pick(type === 'series' ? SERIES_RATINGS : MOVIE_RATINGS),
    maturityReasons: r.sample(['violence', 'language', 'fear', 'smoking', 'nudity'], r.int(0, 2)),
    releaseDate: isoDate(released),
    releaseYear: released.getUTCFullYear(),
    runtimeMinutes: type === 'series' ? r.int(22, 60) : r.int(80, 170),
    seasonCount,
    episodeCount: seasonCount === null ? null : seasonCount * r.int(6, 12),
    seriesStatus: type === 'series' ? r.pick(['ongoing', 'ended'] as const) : null,
    originalLanguage: r.pick(LANGUAGES),
    audioLanguages: r.sample(LANGUAGES, r.int(1, 4)),
    subtitleLanguages: r.sample(LANGUAGES, r.int(2, 8)),
    countriesOfOrigin: r.sample(COUNTRIES, r.int(1, 2)),
    studio: r.pick(STUDIOS),
    productionCompanies: r.sample(STUDIOS, 2),
    images: {
      hero: imageSet(id, 'hero', [[1920, 1080], [3840, 2160]]),
      thumbnail16x9: imageSet(id, 'thumb16x9', [[320, 180], [640, 360], [1280, 720]]),
      thumbnail2x3: imageSet(id, 'thumb2x3', [[200, 300], [400, 600]]),
      thumbnail1x1: imageSet(id, 'thumb1x1', [[300, 300], [600, 600]]),
      logo: imageSet(id, 'logo', [[600, 200]]),
    },
    cast: Array.from({ length: castSize }, () => ({ id: `p_${r.int(1, 50_000)}`, name: personName(r), character: r.pick(FIRST_NAMES) })),
    crew: CREW_JOBS.map((job) => ({ id: `p_${r.int(1, 50_000)}`, name: personName(r), job })),
    audio: { atmos: r.chance(0.3), channels: r.pick(['2.0', '5.1', '7.1']), formats: ['aac', 'eac3'] },
    video: { uhd, hdr, hdrFormats: hdr ? ['hdr10', 'dolby-vision'] : [], aspectRatio: r.pick(['16:9', '2.39:1']) },
    awards: r.chance(0.1) ? ['Festival Jury Prize'] : [],
    externalIds: { imdb: `tt${String(1_000_000 + n * 7).padStart(7, '0')}`, tmdb: 100_000 + n },
    popularity: Math.round(r.next() * 10_000) / 100,
    criticScore: r.int(20, 99),
    availability: { regions: [...COUNTRIES], availableFrom: isoDate(released), availableUntil: null },
    trailerIds: [`tr_${n}_1`, `tr_${n}_2`],
    isOriginal: r.chance(0.15),
    status: 'published',
    rightsHolder: r.pick(STUDIOS),
    createdAt: isoInstant(released),
    updatedAt: isoInstant(r.pastDate(0, 30)),
  };
}

/** Titles are generated on first use and kept, with their JSON and their sparse JSON. */
export class TitleStore {
  private readonly cache: EntityCache<Title>;
  private index: TitleIndexEntry[] | undefined;
  private newest: number[] | undefined;

  constructor(private readonly seed: number) {
    this.cache = new EntityCache((n) => generateTitle(seed, n));
  }

  has(id: string): boolean {
    return titleNumber(id) !== undefined;
  }

  /** The title's JSON (only `id` and `fields` when given), or undefined for an unknown id. */
  jsonOf(id: string, fields?: readonly string[]): string | undefined {
    const n = titleNumber(id);
    return n === undefined ? undefined : this.cache.json(n, fields);
  }

  /** The entity tag of `jsonOf(id, fields)`, or undefined for an unknown id. */
  etagOf(id: string, fields?: readonly string[]): string | undefined {
    const n = titleNumber(id);
    return n === undefined ? undefined : this.cache.tag(n, fields);
  }

  /** The shared, generated title: read it, never change it. */
  get(id: string): Title | undefined {
    const n = titleNumber(id);
    return n === undefined ? undefined : this.cache.get(n);
  }

  /**
   * Every title's name, genres and release date (index i is `t_{i+1}`), built once for search,
   * so a filter does not generate or parse all 10,000 titles on every request.
   */
  searchIndex(): readonly TitleIndexEntry[] {
    this.index ??= Array.from({ length: TITLE_COUNT }, (_, i) => ({
      ...titleSummary(this.seed, i + 1),
      releaseDate: isoDate(titleRelease(this.seed, i + 1)),
    }));
    return this.index;
  }

  /** Indexes into `searchIndex()`, newest release date first, then in id order; built once. */
  newestOrder(): readonly number[] {
    if (!this.newest) {
      const index = this.searchIndex();
      this.newest = Array.from({ length: index.length }, (_, i) => i).sort((a, b) => {
        const [da, db] = [index[a]!.releaseDate, index[b]!.releaseDate];
        return da === db ? a - b : da < db ? 1 : -1;
      });
    }
    return this.newest;
  }
}
