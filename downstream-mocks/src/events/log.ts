import { HttpError, badRequest } from '../http/errors.ts';

/** The services that publish their changes. */
export type EventService = 'my-list' | 'continue-watching' | 'notifications';

/** A change as a service publishes it; the log adds `at` (ms epoch, wall clock). */
export interface ChangeEvent {
  userId: string;
  [field: string]: unknown;
}

/** An event as stored: its id (Redis stream id format `<ms>-<seq>`) and its JSON (without the id). */
export interface StoredEvent {
  id: string;
  json: string;
}

/** A live read of every user's events, positioned before it starts so nothing falls in between. */
export interface Tail {
  /** Delivers the events after the position (retained ones first), then each new one, in order. */
  start(deliver: (events: StoredEvent[]) => void, fail: (error: unknown) => void): void;
  /** Idempotent; releases what the tail holds (listener, connection). */
  stop(): void;
}

/**
 * One service's event log: in memory (memory-log.ts) or in Redis Streams (redis-log.ts). An
 * `after` given to it has been checked by `checkAfter` already.
 */
export interface EventLog {
  /** Stores the change with `at` and resolves with its id once stored. Ids increase strictly. */
  append(event: ChangeEvent): Promise<string>;
  /** The user's retained events with an id after `after` (all retained without it), oldest first. */
  readUser(userId: string, after: EventId | undefined): Promise<StoredEvent[]>;
  /** A tail after `after`, or after the last event so far. */
  openTail(after: EventId | undefined): Promise<Tail>;
  /** Tails open now, so a test can see a disconnect release its tail. */
  readonly openTails: number;
  close(): Promise<void>;
}

export interface EventSettings {
  retentionMs: number;
  maxPerUser: number;
  keepAliveMs: number;
  /** Key prefix of the Redis streams. */
  prefix: string;
}

export function eventSettingsFromEnv(env: NodeJS.ProcessEnv): EventSettings {
  return {
    retentionMs: positiveInteger(env, 'EVENTS_RETENTION_MS', 900_000),
    maxPerUser: positiveInteger(env, 'EVENTS_MAX_PER_USER', 10_000),
    keepAliveMs: positiveInteger(env, 'EVENTS_KEEP_ALIVE_MS', 15_000),
    prefix: env.EVENTS_PREFIX || 'concierge:events:',
  };
}

function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

export interface EventId {
  ms: number;
  seq: number;
}

export const formatId = ({ ms, seq }: EventId) => `${ms}-${seq}`;

export function parseId(raw: string): EventId | undefined {
  const m = /^(\d{1,15})-(\d{1,15})$/.exec(raw);
  return m ? { ms: Number(m[1]), seq: Number(m[2]) } : undefined;
}

export const compareIds = (a: EventId, b: EventId) => a.ms - b.ms || a.seq - b.seq;

/**
 * The `after` of a read: absent, or an id within the retention window. Malformed or in the future
 * is 400 BAD_EVENT_ID; older than the window is 410 EVENTS_EXPIRED, since events after it may be
 * gone (the caller refetches its state). Both backends apply this one rule, by the id's ms.
 */
export function checkAfter(raw: string | null, retentionMs: number, now = Date.now()): EventId | undefined {
  if (raw === null) return undefined;
  const id = parseId(raw);
  if (!id) throw badRequest('BAD_EVENT_ID', `after must be an event id <ms>-<seq>, got "${raw.slice(0, 40)}"`);
  if (id.ms > now) throw badRequest('BAD_EVENT_ID', `after ${raw} is in the future`);
  if (id.ms < now - retentionMs) throw expired(raw, retentionMs);
  return id;
}

export const expired = (after: string, retentionMs: number) =>
  new HttpError(410, 'EVENTS_EXPIRED', `events after ${after} are no longer retained (retention ${retentionMs} ms): refetch the state`);
