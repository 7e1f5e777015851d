import { HttpError, badRequest, notFound } from '../http/errors.ts';
import type { RouteDefinition } from '../http/router.ts';
import { RawJson } from '../http/server.ts';
import { requireObject } from '../http/validate.ts';
import { generateContinueWatching, type ContinueWatchingItem } from '../data/viewing.ts';
import { userNumber } from '../data/users.ts';
import { eventRoutes } from '../events/index.ts';
import type { ServiceDeps } from './context.ts';

interface Row {
  items: ContinueWatchingItem[];
  /** The GET's answer, rendered once until the next change. */
  answer?: RawJson;
}

/**
 * Each user's row lives in this process, generated on first touch (so a user nobody wrote to reads
 * the seeded row). Playback reports progress with PUT; every change publishes
 * `{userId, contentId, progressSeconds, totalSeconds, at}` before the answer is sent.
 */
export function continueWatchingRoutes({ seed, titles, events }: ServiceDeps): RouteDefinition[] {
  const log = events.logOf('continue-watching');
  const rows = new Map<string, Row>();
  const rowOf = (userId: string) => {
    if (userNumber(userId) === undefined) throw notFound(`user ${userId} does not exist`);
    let row = rows.get(userId);
    // Generated once per user: the row reads 3 to 25 titles to know their runtimes and seasons.
    if (!row) rows.set(userId, (row = { items: generateContinueWatching(seed, titles, userId) }));
    return row;
  };

  return [
    {
      method: 'GET',
      path: '/continue-watching/{userId}',
      ownerParam: 'userId',
      handler: ({ params }) => {
        const row = rowOf(params.userId!);
        return (row.answer ??= new RawJson(JSON.stringify({ userId: params.userId, items: row.items })));
      },
    },
    {
      method: 'PUT',
      path: '/continue-watching/{userId}/{contentId}',
      ownerParam: 'userId',
      handler: async ({ params, body, now }) => {
        const { userId, contentId } = params as { userId: string; contentId: string };
        const row = rowOf(userId);
        const title = titles.get(contentId);
        if (!title) throw new HttpError(404, 'TITLE_NOT_FOUND', `title ${contentId} does not exist`);
        const totalSeconds = title.runtimeMinutes * 60;
        const { progressSeconds } = requireObject(body);
        if (!Number.isSafeInteger(progressSeconds) || (progressSeconds as number) < 0 || (progressSeconds as number) > totalSeconds) {
          throw badRequest('VALIDATION_FAILED', `progressSeconds must be an integer from 0 to ${totalSeconds} (the title's runtime)`);
        }
        const index = row.items.findIndex((item) => item.contentId === contentId);
        const current = row.items[index];
        if (current?.progressSeconds === progressSeconds) return { userId, item: current, changed: false };

        const item: ContinueWatchingItem = {
          ...(current ?? { contentId, deviceId: `d_${userNumber(userId)}_1` }),
          progressSeconds: progressSeconds as number,
          totalSeconds,
          updatedAt: now().toISOString(),
        };
        if (index >= 0) row.items.splice(index, 1);
        row.items.unshift(item); // most recently watched first
        row.answer = undefined;
        await log.append({ userId, contentId, progressSeconds, totalSeconds });
        return { userId, item, changed: true };
      },
    },
    ...eventRoutes(log, events.settings),
  ];
}
