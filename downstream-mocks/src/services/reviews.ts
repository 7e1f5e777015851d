import { badRequest, notFound } from '../http/errors.ts';
import type { RouteDefinition } from '../http/router.ts';
import { decodeCursor, encodeCursor, parseLimit, requireIdList } from '../http/validate.ts';
import type { ServiceDeps } from './context.ts';

export function reviewsRoutes({ titles, reviews }: ServiceDeps): RouteDefinition[] {
  return [
    {
      method: 'GET',
      path: '/reviews',
      handler: ({ query }) => {
        const titleId = query.get('titleId');
        if (!titleId) throw badRequest('VALIDATION_FAILED', 'titleId is required');
        if (!titles.has(titleId)) throw notFound(`title ${titleId} does not exist`);
        const limit = parseLimit(query.get('limit'), 20, 100);
        const offset = decodeCursor(query.get('cursor'));
        const all = reviews.forTitle(titleId);
        const next = offset + limit < all.length ? encodeCursor(offset + limit) : null;
        return { titleId, total: all.length, items: all.slice(offset, offset + limit), nextCursor: next };
      },
    },
    {
      method: 'POST',
      path: '/reviews/summaries',
      handler: ({ body }) => {
        const titleIds = requireIdList(body, 'titleIds', 100);
        return { summaries: titleIds.map((id) => (titles.has(id) ? reviews.summary(id) : null)) };
      },
    },
  ];
}
