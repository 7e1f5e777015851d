import { notFound } from '../http/errors.ts';
import type { RouteDefinition } from '../http/router.ts';
import { RawJson } from '../http/server.ts';
import { decodeCursor, encodeCursor, parseFields, parseLimit, requireIdList, requireObject } from '../http/validate.ts';
import { generateTitle, titleIdOf } from '../data/titles.ts';
import type { ServiceDeps } from './context.ts';

export const MAX_BATCH_IDS = 100;

export function catalogRoutes({ seed, titles }: ServiceDeps): RouteDefinition[] {
  const fieldNames = new Set(Object.keys(generateTitle(seed, 1)));
  return [
    {
      method: 'GET',
      path: '/titles/{id}',
      handler: ({ params, query }) => {
        const fields = parseFields(query.get('fields') ?? undefined, fieldNames);
        const json = titles.jsonOf(params.id!, fields);
        if (json === undefined) throw notFound(`title ${params.id} does not exist`);
        return new RawJson(json);
      },
    },
    {
      method: 'POST',
      path: '/titles/batch',
      handler: ({ body }) => {
        const ids = requireIdList(body, 'ids', MAX_BATCH_IDS);
        const fields = parseFields(requireObject(body).fields, fieldNames);
        return new RawJson(`{"titles":[${ids.map((id) => titles.jsonOf(id, fields) ?? 'null').join(',')}]}`);
      },
    },
    {
      method: 'GET',
      path: '/titles',
      handler: ({ query }) => {
        const text = (query.get('query') ?? '').trim().toLowerCase();
        const genre = query.get('genre');
        const limit = parseLimit(query.get('limit'), 20, 100);
        const offset = decodeCursor(query.get('cursor'));
        const index = titles.searchIndex();
        const matches: string[] = [];
        for (let i = 0; i < index.length; i++) {
          if (text && !index[i]!.name.toLowerCase().includes(text)) continue;
          if (genre && !index[i]!.genres.includes(genre)) continue;
          matches.push(titleIdOf(i + 1));
        }
        const page = matches.slice(offset, offset + limit);
        const next = offset + limit < matches.length ? encodeCursor(offset + limit) : null;
        const items = page.map((id) => titles.jsonOf(id)).join(',');
        return new RawJson(`{"items":[${items}],"total":${matches.length},"nextCursor":${JSON.stringify(next)}}`);
      },
    },
  ];
}
