/** An integer 0..100, never NaN, whatever the service sends. */
export function progressPercent(progressSeconds: number, totalSeconds: number): number {
  if (!(totalSeconds > 0)) return 0;
  return Math.min(100, Math.max(0, Math.round((progressSeconds / totalSeconds) * 100)));
}

/** `S3 E4` for an episode, `12 min left` for a movie. */
export function progressSubtitle(item: { progressSeconds: number; totalSeconds: number; season?: number; episode?: number }): string {
  if (item.season !== undefined && item.episode !== undefined) return `S${item.season} E${item.episode}`;
  const left = Math.max(0, Math.ceil((item.totalSeconds - item.progressSeconds) / 60));
  return `${left} min left`;
}
