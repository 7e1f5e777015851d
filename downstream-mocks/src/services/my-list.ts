import { HttpError, notFound } from '../http/errors.ts';
import type { RouteDefinition } from '../http/router.ts';
import { generateInitialMyList } from '../data/viewing.ts';
import { userNumber } from '../data/users.ts';
import { eventRoutes } from '../events/index.ts';
import type { ServiceDeps } from './context.ts';

export const MAX_LIST_SIZE = 500;

/**
 * Each user's list lives in this process, seeded on first touch. Every change publishes
 * `{userId, contentId, inMyList, at}`, stored before the answer is sent; a call that changes
 * nothing publishes nothing.
 */
export function myListRoutes({ seed, titles, events }: ServiceDeps): RouteDefinition[] {
  const log = events.logOf('my-list');
  const lists = new Map<string, string[]>();
  const listOf = (userId: string) => {
    if (userNumber(userId) === undefined) throw notFound(`user ${userId} does not exist`);
    let list = lists.get(userId);
    if (!list) lists.set(userId, (list = generateInitialMyList(seed, userId)));
    return list;
  };
  const requireTitle = (contentId: string) => {
    if (!titles.has(contentId)) throw new HttpError(404, 'TITLE_NOT_FOUND', `title ${contentId} does not exist`);
  };

  return [
    {
      method: 'GET',
      path: '/my-list/{userId}',
      ownerParam: 'userId',
      handler: ({ params }) => ({ userId: params.userId, contentIds: listOf(params.userId!) }),
    },
    {
      method: 'PUT',
      path: '/my-list/{userId}/{contentId}',
      ownerParam: 'userId',
      handler: async ({ params }) => {
        const list = listOf(params.userId!);
        requireTitle(params.contentId!);
        const changed = !list.includes(params.contentId!);
        if (changed && list.length >= MAX_LIST_SIZE) {
          throw new HttpError(409, 'LIST_FULL', `my-list holds at most ${MAX_LIST_SIZE} titles`);
        }
        if (changed) {
          list.unshift(params.contentId!);
          await log.append({ userId: params.userId!, contentId: params.contentId!, inMyList: true });
        }
        return { userId: params.userId, contentId: params.contentId, inList: true, changed };
      },
    },
    {
      method: 'DELETE',
      path: '/my-list/{userId}/{contentId}',
      ownerParam: 'userId',
      handler: async ({ params }) => {
        const list = listOf(params.userId!);
        requireTitle(params.contentId!);
        const index = list.indexOf(params.contentId!);
        if (index >= 0) {
          list.splice(index, 1);
          await log.append({ userId: params.userId!, contentId: params.contentId!, inMyList: false });
        }
        return { userId: params.userId, contentId: params.contentId, inList: false, changed: index >= 0 };
      },
    },
    ...eventRoutes(log, events.settings),
  ];
}
