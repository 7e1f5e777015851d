import { badRequest, notFound } from '../http/errors.ts';
import type { RouteDefinition } from '../http/router.ts';
import { RawJson, Reply } from '../http/server.ts';
import { noneMatchHits } from '../http/conditional.ts';
import { decodeCursor, encodeCursor, parseFields, parseLimit, requireIdList, requireObject } from '../http/validate.ts';
import { generateTitle, titleIdOf } from '../data/titles.ts';
import type { ServiceDeps } from './context.ts';

export const MAX_BATCH_IDS = 100;

/** How `GET /titles` orders its matches: by id (the default), or newest release first. */
export const TITLE_SORTS = ['id', 'newest'] as const;
type TitleSort = (typeof TITLE_SORTS)[number];

/** `YYYY-MM-DD` naming a real calendar day, or undefined when absent; anything else is a 400. */
function parseDay(raw: string | null, name: string): string | undefined {
  if (raw === null) return undefined;
  // Date.parse takes `YYYY-MM-DD` as UTC midnight; the round trip refuses days such as 2026-02-30.
  const time = /^\d{4}-\d{2}-\d{2}$/.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== raw) {
    throw badRequest('VALIDATION_FAILED', `${name} must be a date as YYYY-MM-DD`);
  }
  return raw;
}

function parseSort(raw: string | null): TitleSort {
  if (raw === null) return 'id';
  if (!(TITLE_SORTS as readonly string[]).includes(raw)) {
    throw badRequest('VALIDATION_FAILED', `sort must be one of ${TITLE_SORTS.join(', ')}`);
  }
  return raw as TitleSort;
}

/** How long anyone may keep a title (`CATALOG_MAX_AGE_SECONDS`), and serve it stale while revalidating (`CATALOG_STALE_WHILE_REVALIDATE_SECONDS`). */
export const DEFAULT_MAX_AGE_SECONDS = 300;
export const DEFAULT_STALE_WHILE_REVALIDATE_SECONDS = 600;

function seconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer of seconds, got "${raw}"`);
  return value;
}

/**
 * Titles are public and the same for every viewer, so any cache may keep them (`public`, RFC
 * 9111) for max-age, and serve one that is stale for up to stale-while-revalidate more while it
 * revalidates in the background (RFC 5861): without that directive a cache may not serve stale.
 */
function titleCacheControl(env: NodeJS.ProcessEnv): string {
  const maxAge = seconds(env, 'CATALOG_MAX_AGE_SECONDS', DEFAULT_MAX_AGE_SECONDS);
  const stale = seconds(env, 'CATALOG_STALE_WHILE_REVALIDATE_SECONDS', DEFAULT_STALE_WHILE_REVALIDATE_SECONDS);
  return `public, max-age=${maxAge}${stale > 0 ? `, stale-while-revalidate=${stale}` : ''}`;
}

export function catalogRoutes({ seed, titles, env }: ServiceDeps): RouteDefinition[] {
  const fieldNames = new Set(Object.keys(generateTitle(seed, 1)));
  const cacheControl = titleCacheControl(env);
  return [
    {
      method: 'GET',
      path: '/titles/{id}',
      handler: ({ params, query, headers }) => {
        const fields = parseFields(query.get('fields') ?? undefined, fieldNames);
        const json = titles.jsonOf(params.id!, fields);
        if (json === undefined) throw notFound(`title ${params.id} does not exist`);
        const etag = titles.etagOf(params.id!, fields)!;
        // RFC 9110 §15.4.5: the 304 carries what a 200 would have, so a cache can refresh its copy.
        if (noneMatchHits(headers, etag)) return new Reply(304, undefined, { etag, 'cache-control': cacheControl });
        return new RawJson(json, { etag, 'cache-control': cacheControl });
      },
    },
    {
      method: 'POST',
      path: '/titles/batch',
      handler: ({ body }) => {
        const ids = requireIdList(body, 'ids', MAX_BATCH_IDS);
        const fields = parseFields(requireObject(body).fields, fieldNames);
        // `etags[i]` is the ETag `GET /titles/{ids[i]}` with the same fields sends, so a cache
        // that keeps a title from a batch can revalidate it there with If-None-Match. The batch
        // itself is a POST answer no HTTP cache stores; its Cache-Control says how long each
        // title in it stays fresh.
        const json = ids.map((id) => titles.jsonOf(id, fields) ?? 'null').join(',');
        const etags = ids.map((id) => titles.etagOf(id, fields) ?? null);
        return new RawJson(`{"titles":[${json}],"etags":${JSON.stringify(etags)}}`, { 'cache-control': cacheControl });
      },
    },
    {
      method: 'GET',
      path: '/titles',
      handler: ({ query }) => {
        const text = (query.get('query') ?? '').trim().toLowerCase();
        const genre = query.get('genre');
        const releasedAfter = parseDay(query.get('releasedAfter'), 'releasedAfter');
        const sort = parseSort(query.get('sort'));
        const fields = parseFields(query.get('fields') ?? undefined, fieldNames);
        const limit = parseLimit(query.get('limit'), 20, 100);
        const offset = decodeCursor(query.get('cursor'));
        const index = titles.searchIndex();
        const order = sort === 'newest' ? titles.newestOrder() : undefined;
        const matches: string[] = [];
        for (let k = 0; k < index.length; k++) {
          const i = order ? order[k]! : k;
          const entry = index[i]!;
          if (releasedAfter && entry.releaseDate < releasedAfter) {
            // Newest first, every later entry is older still.
            if (order) break;
            continue;
          }
          if (text && !entry.name.toLowerCase().includes(text)) continue;
          if (genre && !entry.genres.includes(genre)) continue;
          matches.push(titleIdOf(i + 1));
        }
        const page = matches.slice(offset, offset + limit);
        const next = offset + limit < matches.length ? encodeCursor(offset + limit) : null;
        const items = page.map((id) => titles.jsonOf(id, fields)).join(',');
        return new RawJson(`{"items":[${items}],"total":${matches.length},"nextCursor":${JSON.stringify(next)}}`);
      },
    },
  ];
}
