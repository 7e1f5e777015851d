import { Random, isoInstant } from './random.ts';
import { TITLE_COUNT, titleIdOf, type TitleStore } from './titles.ts';
import { userNumber } from './users.ts';

export interface ContinueWatchingItem {
  contentId: string;
  progressSeconds: number;
  totalSeconds: number;
  season?: number;
  episode?: number;
  episodeTitle?: string;
  deviceId: string;
  updatedAt: string;
}

/** One user in seven has watched nothing, so an empty row is part of the data. */
export function generateContinueWatching(seed: number, titles: TitleStore, userId: string): ContinueWatchingItem[] {
  const n = userNumber(userId) ?? 0;
  if (n % 7 === 0) return [];
  const r = new Random(seed, `continue-watching:${userId}`);
  const unique = [...new Set(Array.from({ length: r.int(3, 25) }, () => r.int(1, TITLE_COUNT)))];
  return unique
    .map((titleNumber) => {
      const title = titles.get(titleIdOf(titleNumber))!;
      const totalSeconds = title.runtimeMinutes * 60;
      const item: ContinueWatchingItem = {
        contentId: title.id,
        progressSeconds: r.int(60, totalSeconds - 30),
        totalSeconds,
        deviceId: `d_${n}_1`,
        updatedAt: isoInstant(r.pastDate(0, 60)),
      };
      if (title.type === 'series') {
        item.season = r.int(1, title.seasonCount ?? 1);
        item.episode = r.int(1, 10);
        item.episodeTitle = `Episode ${item.episode}`;
      }
      return item;
    })
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}

/** The starting my-list of a user (before any PUT or DELETE); one user in eleven has none. */
export function generateInitialMyList(seed: number, userId: string): string[] {
  const n = userNumber(userId) ?? 0;
  if (n % 11 === 0) return [];
  const r = new Random(seed, `my-list:${userId}`);
  return [...new Set(Array.from({ length: r.int(1, 30) }, () => titleIdOf(r.int(1, TITLE_COUNT))))];
}

export function generateUnreadCount(seed: number, userId: string) {
  const r = new Random(seed, `notifications:${userId}`);
  const unreadCount = r.chance(0.3) ? 0 : r.int(1, 25);
  return { unreadCount, lastNotificationAt: unreadCount === 0 ? null : isoInstant(r.pastDate(0, 10)) };
}
