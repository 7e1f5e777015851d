import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SessionBackend } from './backend.ts';

/**
 * Refresh tokens rotate: the provider honours each one once. Two callers refreshing one session
 * at the same time would make the second present a spent token, and a provider that detects
 * reuse revokes the whole grant, signing the user out. So one refresh per session at a time,
 * across the callers of this process (one shared promise) and across replicas (a lock in the
 * backend: `SET NX PX` on Redis).
 */

/** What refreshOnce needs from the store, kept abstract so this file is only about the coordination. */
export interface Flight<S> {
  /** The session as stored now; undefined once it has ended. */
  read(): Promise<S | undefined>;
  /** Whether the stored session has moved on from `before` (another caller's refresh landed). */
  moved(before: S, now: S): boolean;
  /** The refresh itself, under the lock, from the session read under the lock. */
  run(current: S): Promise<S | undefined>;
}

export interface RefreshLockTimings {
  /** How long a lock outlives a holder that crashed; above the refresh's own timeout, else a slow holder loses its lock mid-refresh. */
  lockTtlMs: number;
  /** How long other replicas' callers are told "that refresh failed" before one may try again: a failing provider is not hammered once per replica. */
  failedTtlMs: number;
  pollMs: number;
  /** The longest any caller waits for another's refresh before giving up. */
  waitMs: number;
}

/** A refresh on another replica failed, or never finished within the wait: the session is kept; the request may be retried. */
export class SessionRefreshError extends Error {
  constructor(readonly reason: 'failed' | 'timeout') {
    super(reason === 'failed' ? 'A concurrent refresh of this session failed' : 'Timed out waiting for a concurrent refresh of this session');
    this.name = 'SessionRefreshError';
  }
}

/**
 * Runs `flight.run` for the session only if no one else is: it takes the lock, or waits for the
 * holder and returns the session the holder left (fresh, or undefined if it ended it). `seen` is
 * the session as the caller last saw it; without it, the session as read on entry.
 */
export async function refreshUnderLock<S>(backend: SessionBackend, id: string, flight: Flight<S>, timings: RefreshLockTimings, seen?: S): Promise<S | undefined> {
  const baseline = seen ?? (await flight.read());
  if (baseline === undefined) return undefined;
  const holder = randomBytes(16).toString('base64url');
  const deadline = Date.now() + timings.waitMs;
  for (;;) {
    if (await backend.acquireLock(id, holder, timings.lockTtlMs)) return holdAndRun(backend, id, holder, flight, timings, baseline);
    // Someone holds the lock: watch the session until its tokens change, it ends, or the lock goes.
    for (;;) {
      const current = await flight.read();
      if (current === undefined) return undefined;
      if (flight.moved(baseline, current)) return current;
      const lock = await backend.lockState(id);
      if (lock === 'failed') throw new SessionRefreshError('failed');
      // Free with nothing changed: the holder crashed (its lock expired) or found nothing to do. Take over.
      if (lock === 'free') break;
      if (Date.now() >= deadline) throw new SessionRefreshError('timeout');
      await sleep(timings.pollMs);
    }
  }
}

async function holdAndRun<S>(backend: SessionBackend, id: string, holder: string, flight: Flight<S>, timings: RefreshLockTimings, baseline: S): Promise<S | undefined> {
  let outcome: 'done' | 'failed' = 'failed';
  try {
    // Read again under the lock: the refresh must present the newest refresh token, and need not
    // happen at all if another caller's refresh landed between our first read and the lock.
    const current = await flight.read();
    const result = current === undefined ? undefined : flight.moved(baseline, current) ? current : await flight.run(current);
    outcome = 'done';
    return result;
  } finally {
    // Best effort: if it cannot be released (Redis just went down), its TTL frees it.
    await backend.releaseLock(id, holder, outcome, timings.failedTtlMs).catch(() => undefined);
  }
}

/** One promise per session in this process: its concurrent callers share one lock attempt and one outcome. */
export function singleFlight<T>() {
  const flights = new Map<string, Promise<T>>();
  return (key: string, start: () => Promise<T>): Promise<T> => {
    const running = flights.get(key);
    if (running) return running;
    const flight = start().finally(() => flights.delete(key));
    flights.set(key, flight);
    return flight;
  };
}
