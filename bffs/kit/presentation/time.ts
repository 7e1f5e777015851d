const DAY_MS = 86_400_000;

/** Whole days from `then` to `now`; negative when `then` is in the future. */
export function daysSince(then: string, now: Date): number {
  return Math.floor((now.getTime() - new Date(then).getTime()) / DAY_MS);
}

/** Released in the last `days` days (and not in the future). */
export function isNewRelease(releaseDate: string, now: Date, days = 90): boolean {
  const age = daysSince(releaseDate, now);
  return age >= 0 && age < days;
}

/** The first day (`YYYY-MM-DD`) whose releases `isNewRelease` counts as new at `now`: what to ask the catalog for. */
export function newReleasesSince(now: Date, days = 90): string {
  const firstDay = Math.floor((now.getTime() - days * DAY_MS) / DAY_MS) * DAY_MS + DAY_MS;
  return new Date(firstDay).toISOString().slice(0, 10);
}

/** True when `then` is more than `days` days before `now`, to the millisecond. */
export function olderThanDays(then: string, now: Date, days: number): boolean {
  return now.getTime() - new Date(then).getTime() > days * DAY_MS;
}
