import { badRequest } from '../http/errors.ts';
import { decodeCursor, encodeCursor } from '../http/validate.ts';
import { titleIdOf } from '../data/titles.ts';
import type { GrpcService } from '../grpc/server.ts';
import type { ServiceDeps } from './context.ts';

const MAX_QUERY_LENGTH = 100;
const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 100;

interface SearchTitlesRequest {
  query: string;
  limit: number;
  cursor: string;
}

/** Where `text` (lower case) occurs in `name`, case-insensitive, without overlaps. */
function spansOf(name: string, text: string): { start: number; length: number }[] {
  const lower = name.toLowerCase();
  const spans: { start: number; length: number }[] = [];
  for (let at = lower.indexOf(text); at !== -1; at = lower.indexOf(text, at + text.length)) spans.push({ start: at, length: text.length });
  return spans;
}

/**
 * The search service (`downstream-mocks/proto/search.proto`): the catalog's titles by name,
 * found in the catalog's own search index (the same seed, so the same names the catalog
 * serves), answered as ids with where the query matched.
 */
export function searchService({ titles }: ServiceDeps): GrpcService {
  return {
    proto: 'downstream-mocks/proto/search.proto',
    service: 'concierge.search.v1.TitleSearch',
    methods: {
      SearchTitles: ({ request }) => {
        const { query, limit: rawLimit, cursor } = request as SearchTitlesRequest;
        const text = query.trim().toLowerCase();
        if (text.length === 0 || text.length > MAX_QUERY_LENGTH) throw badRequest('VALIDATION_FAILED', `query must be 1 to ${MAX_QUERY_LENGTH} characters`);
        if (rawLimit < 0 || rawLimit > MAX_LIMIT) throw badRequest('VALIDATION_FAILED', `limit must be from 1 to ${MAX_LIMIT}`);
        const limit = rawLimit === 0 ? DEFAULT_LIMIT : rawLimit;
        const offset = decodeCursor(cursor);
        const index = titles.searchIndex();
        const matches: number[] = [];
        for (let i = 0; i < index.length; i++) if (index[i]!.name.toLowerCase().includes(text)) matches.push(i);
        const page = matches.slice(offset, offset + limit);
        return {
          hits: page.map((i) => ({ titleId: titleIdOf(i + 1), highlights: [{ field: 'name', spans: spansOf(index[i]!.name, text) }] })),
          total: matches.length,
          nextCursor: offset + limit < matches.length ? encodeCursor(offset + limit) : '',
        };
      },
    },
  };
}
