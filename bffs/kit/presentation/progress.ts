/** An integer 0..100, never NaN, whatever the service sends. */
export function progressPercent(progressSeconds: number, totalSeconds: number): number {
  if (!(totalSeconds > 0)) return 0;
  return Math.min(100, Math.max(0, Math.round((progressSeconds / totalSeconds) * 100)));
}

import type { Localizer } from '../locale/localizer.ts';

/** `S3 E4` for an episode, `12 min left` for a movie, in the viewer's locale (plural rules and digits its own). */
export function progressSubtitle(item: { progressSeconds: number; totalSeconds: number; season?: number; episode?: number }, localizer: Pick<Localizer, 'message'>): string {
  if (item.season !== undefined && item.episode !== undefined) return localizer.message('subtitle.episode', { season: item.season, episode: item.episode });
  const left = Math.max(0, Math.ceil((item.totalSeconds - item.progressSeconds) / 60));
  return localizer.message('subtitle.minutesLeft', { minutes: left });
}
