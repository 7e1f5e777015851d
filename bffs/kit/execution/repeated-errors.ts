import type { Logger } from 'pino';

export interface RepeatedErrorsOptions {
  /**
   * After an error is logged, the same error (same fingerprint) is only counted for this long;
   * then one line says how often it came back, and the next one is logged in full again.
   * @default 10_000
   */
  windowMs?: number;
  /** Fingerprints followed at once; past it an error is logged in full, as without this. @default 1_000 */
  maxTracked?: number;
}

interface Tracked {
  count: number;
  log: Logger;
  message: string;
  timer: NodeJS.Timeout;
}

/**
 * In development, an error that every request hits (a resolver bug under a polling app) would
 * print its stack once per request: 96 copies in 10 s. This logs the first in full, counts the
 * ones after it for `windowMs`, then logs one line, "… repeated 95 times in the last 10 s".
 * Production logs every one (each with its request id, which a user's report names), so
 * create-bff uses this only in development.
 */
export function createRepeatedErrors({ windowMs = 10_000, maxTracked = 1_000 }: RepeatedErrorsOptions = {}) {
  const tracked = new Map<string, Tracked>();

  function flush(fingerprint: string): void {
    const entry = tracked.get(fingerprint);
    if (!entry) return;
    tracked.delete(fingerprint);
    if (entry.count > 0) entry.log.error({ repeated: entry.count, windowMs }, `${entry.message} (repeated ${entry.count} times in the last ${windowMs / 1000} s)`);
  }

  return {
    /**
     * Logs with `write` unless the same fingerprint was logged within the window, in which case
     * it is counted. Returns whether it was written now.
     */
    report(log: Logger, fingerprint: string, message: string, write: () => void): boolean {
      const entry = tracked.get(fingerprint);
      if (entry) {
        entry.count++;
        return false;
      }
      write();
      if (tracked.size < maxTracked) {
        const timer = setTimeout(() => flush(fingerprint), windowMs);
        timer.unref();
        tracked.set(fingerprint, { count: 0, log, message, timer });
      }
      return true;
    },
    /** Says now how often each error came back (the BFF is closing). */
    flushAll(): void {
      for (const [fingerprint, entry] of tracked) {
        clearTimeout(entry.timer);
        flush(fingerprint);
      }
    },
  };
}

export type RepeatedErrors = ReturnType<typeof createRepeatedErrors>;

/**
 * What makes two errors "the same": their class, message and the first frame of their stack
 * (where they were thrown), or for graphql-js's own errors the field's path without list indices
 * (`home.rows.3.title` and `home.rows.7.title` are one bug).
 */
export function fingerprintOf(error: unknown, path?: readonly (string | number)[]): string {
  if (!(error instanceof Error)) return `thrown:${String(error)}`;
  const frame = error.stack?.split('\n').find((line) => line.trimStart().startsWith('at ')) ?? '';
  const field = path ? path.filter((key) => typeof key === 'string').join('.') : '';
  return `${error.name}:${error.message}:${frame.trim()}:${field}`;
}
