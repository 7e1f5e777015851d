import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../redis.ts';
import type { SessionBackend, SessionRecord } from './backend.ts';
import { createMemoryBackend } from './memory-backend.ts';
import { createRedisBackend } from './redis-backend.ts';
import { refreshUnderLock, singleFlight, type RefreshLockTimings } from './refresh-once.ts';
import type { TokenCipher } from './token-cipher.ts';

/**
 * Server-side sessions: the browser (web) or the device (TV) holds only an opaque id; the
 * OAuth tokens stay here, sealed (token-cipher.ts). In memory by default, in Redis when a client
 * is given, so every replica sees every session.
 */

export type SessionKind = 'browser' | 'device';

export interface SessionTokens {
  access: string;
  refresh?: string;
  idToken?: string;
}

export interface Session {
  id: string;
  kind: SessionKind;
  /** The BFF that made it: 'web' or 'tv'. */
  client: string;
  sub: string;
  name: string;
  /** The provider's session id, for back-channel logout. */
  sid?: string;
  /** What the user calls the device ("Living room TV"). */
  label?: string;
  tokens: SessionTokens;
  /** ms since the epoch, like every time here. */
  accessExpiresAt: number;
  createdAt: number;
  lastSeenAt: number;
  /** The absolute end: no activity keeps a session past it. */
  expiresAt: number;
  /** Unused this long, it ends: the timeout of the store that made it (a TV's is weeks, a browser's minutes). */
  idleTimeoutMs: number;
}

/** A session without its tokens: what an account page lists, readable without the key that sealed them. */
export type SessionSummary = Omit<Session, 'tokens'>;

/** A session to make. No id: the store always makes a fresh one (no session fixation). */
export interface NewSession {
  kind: SessionKind;
  client: string;
  sub: string;
  name: string;
  sid?: string;
  label?: string;
  tokens: SessionTokens;
  accessExpiresAt: number;
  /** When the refresh token dies, if the provider says: the session cannot outlive it. */
  refreshExpiresAt?: number;
}

/** A refresh's result. Undefined instead means the grant is dead (invalid_grant): the session ends. */
export interface RefreshedTokens {
  tokens: SessionTokens;
  accessExpiresAt: number;
  refreshExpiresAt?: number;
}

/** Whose sessions to list: always one user's, by kind and client if given. */
export type SessionListFilter = { sub: string; kind?: SessionKind; client?: string };

/** Which sessions to end: by sub ("sign out everywhere"), by sid (back-channel logout), or both; never all. */
export type SessionFilter = { sub: string; sid?: string; client?: string } | { sid: string; sub?: string; client?: string };

export interface SessionStore {
  create(input: NewSession): Promise<Session>;
  /** The live session, sliding its idle timeout; undefined for an unknown, malformed, idle or expired id. */
  get(id: string): Promise<Session | undefined>;
  /**
   * Stores rotated tokens; a refresh or ID token the provider did not reissue is kept. The
   * absolute expiry may only shrink. Undefined if the session has ended meanwhile.
   */
  replaceTokens(id: string, tokens: SessionTokens, accessExpiresAt: number, refreshExpiresAt?: number): Promise<Session | undefined>;
  delete(id: string): Promise<boolean>;
  /**
   * Ends a session this store need not be able to open (web signing a TV out: the TV BFF sealed
   * it), and queues its sealed tokens for the BFF that made it to revoke (`takeEndedElsewhere`).
   */
  endElsewhere(id: string): Promise<boolean>;
  /**
   * The tokens of up to `max` sessions of `client` another BFF ended (`endElsewhere`), opened
   * with this store's key, each handed to one caller on one replica only; those past their
   * session's end, or sealed under another key, are dropped.
   */
  takeEndedElsewhere(client: string, max: number): Promise<SessionTokens[]>;
  /**
   * The tokens of up to `max` sessions of `client` that ended by their idle or absolute deadline,
   * opened with this store's key, each handed to one caller on one replica only (on Redis, one
   * replica sweeps at a time), for their refresh tokens to be revoked: nothing else ends them.
   */
  takeExpired(client: string, max: number): Promise<SessionTokens[]>;
  /** Ends the matching sessions; how many there were. */
  deleteWhere(filter: SessionFilter): Promise<number>;
  /** A user's live sessions, oldest first. */
  list(filter: SessionListFilter): Promise<Session[]>;
  /**
   * The same without opening the tokens ("your signed-in TVs"): a BFF lists and ends sessions
   * another BFF sealed under its own key, and never holds that BFF's tokens.
   */
  summaries(filter: SessionListFilter): Promise<SessionSummary[]>;
  /**
   * Refreshes the session's tokens with `refresh`, at most one caller at a time across every
   * replica. Concurrent callers in this process share the one run and its outcome (its value or
   * its error; their own `refresh` is not called); callers on other replicas wait and get the
   * session it stored, undefined if it ended it, or a SessionRefreshError if it failed.
   * `refresh` gets the session as read under the lock (the newest refresh token) and returns
   * the new tokens, or undefined to end the session. Pass `seen`, the session that was found
   * stale, so that a caller arriving after another's refresh gets that result without refreshing again.
   */
  refreshOnce(id: string, refresh: (current: Session) => Promise<RefreshedTokens | undefined>, seen?: Session): Promise<Session | undefined>;
}

export interface SessionStoreOptions {
  /** Sessions in this Redis, shared by the replicas; in this process when absent. */
  redis?: RedisClient;
  /** Redis key prefix; tests pass their own to stay apart. */
  prefix?: string;
  /** Where records live, overriding `redis`: lets tests share or inspect a memory backend. */
  backend?: SessionBackend;
  cipher: TokenCipher;
  idleTimeoutMs: number;
  absoluteLifetimeMs: number;
  now?: () => number;
  /** The refresh lock's TTL: longer than a token request can take. */
  refreshLockMs?: number;
}

/** 256 bits, base64url, as create makes them: anything else is not looked up at all. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;
export const isSessionId = (id: string) => SESSION_ID.test(id);

/** Sliding the idle timeout costs a write; at most one per this long per session (so the idle timeout is exact to within it). */
const TOUCH_EVERY_MS = 30_000;

export function createSessionStore(options: SessionStoreOptions): SessionStore {
  const { cipher, idleTimeoutMs, absoluteLifetimeMs, now = Date.now, refreshLockMs = 10_000 } = options;
  if (!(idleTimeoutMs > 0 && absoluteLifetimeMs > 0)) throw new Error('idleTimeoutMs and absoluteLifetimeMs must be positive');
  const backend = options.backend ?? (options.redis ? createRedisBackend(options.redis, options.prefix) : createMemoryBackend(now));
  const timings: RefreshLockTimings = { lockTtlMs: refreshLockMs, failedTtlMs: 1_000, pollMs: 25, waitMs: refreshLockMs + 2_000 };
  const flights = singleFlight<Session | undefined>();
  const opened = openedWith(cipher);

  type Timed = Pick<SessionRecord, 'lastSeenAt' | 'expiresAt' | 'idleTimeoutMs'>;
  // Each record by its own idle timeout (another BFF's store may have made it), else this store's.
  const idleOf = (record: Timed) => record.idleTimeoutMs ?? idleTimeoutMs;
  const deadline = (record: Timed) => Math.min(record.lastSeenAt + idleOf(record), record.expiresAt);
  // The backend forgets the record when the store would refuse it anyway.
  const ttl = (record: Timed, at: number) => Math.max(1, deadline(record) - at);
  const seal = (tokens: SessionTokens, id: string) => cipher.seal(JSON.stringify(tokens), id);
  const summary = ({ tokens: _sealed, ...rest }: SessionRecord): SessionSummary => ({ ...rest, idleTimeoutMs: idleOf(rest) });
  const open = (record: SessionRecord): Session | undefined => {
    try {
      return { ...summary(record), tokens: JSON.parse(cipher.open(record.tokens, record.id)) as SessionTokens };
    } catch {
      return undefined; // sealed under another key (rotated, or another BFF's) or tampered with: not a session to this store
    }
  };

  /**
   * A user's records that are still live (by the clock: the tokens are not opened), oldest first.
   * Dead ones are left to the expiry sweep (`takeExpired`), which hands their tokens over to be
   * revoked: removing them here would drop the tokens unrevoked.
   */
  async function liveRecords({ sub, kind, client }: SessionListFilter, at: number): Promise<SessionRecord[]> {
    const records: SessionRecord[] = [];
    for (const record of await backend.findBy({ sub })) {
      if (at < deadline(record) && (kind === undefined || record.kind === kind) && (client === undefined || record.client === client)) records.push(record);
    }
    return records.sort((a, b) => a.createdAt - b.createdAt);
  }

  /**
   * The session if it is live and this store can open it. A dead one is left to the expiry sweep
   * (see liveRecords); an unreadable one is left alone: on a shared Redis it may be another BFF's,
   * sealed under that BFF's key (a TV session whose id was sent to web), and it ends by its own
   * deadline anyway.
   */
  async function live(id: string, at: number): Promise<Session | undefined> {
    if (!isSessionId(id)) return undefined;
    const record = await backend.read(id);
    if (!record || at >= deadline(record)) return undefined;
    return open(record);
  }

  async function replaceTokens(id: string, tokens: SessionTokens, accessExpiresAt: number, refreshExpiresAt?: number): Promise<Session | undefined> {
    const at = now();
    const current = await live(id, at);
    if (!current) return undefined;
    const merged: SessionTokens = { ...current.tokens, ...definedOnly(tokens) };
    const update = { tokens: seal(merged, id), accessExpiresAt, lastSeenAt: at, expiresAt: Math.min(current.expiresAt, refreshExpiresAt ?? Infinity) };
    const timed = { ...update, idleTimeoutMs: current.idleTimeoutMs };
    if (!(await backend.update(id, update, ttl(timed, at), deadline(timed)))) return undefined;
    return { ...current, tokens: merged, accessExpiresAt, lastSeenAt: at, expiresAt: update.expiresAt };
  }

  return {
    async create(input) {
      const at = now();
      const id = randomBytes(32).toString('base64url');
      // Field by field, never a spread of the input: an `id` smuggled in by a caller has no way in.
      const session: Session = {
        id, kind: input.kind, client: input.client, sub: input.sub, name: input.name,
        ...(input.sid === undefined ? {} : { sid: input.sid }),
        ...(input.label === undefined ? {} : { label: input.label }),
        tokens: { ...input.tokens },
        accessExpiresAt: input.accessExpiresAt,
        createdAt: at,
        lastSeenAt: at,
        expiresAt: Math.min(at + absoluteLifetimeMs, input.refreshExpiresAt ?? Infinity),
        idleTimeoutMs,
      };
      await backend.create({ ...session, tokens: seal(session.tokens, id) }, ttl(session, at), absoluteLifetimeMs, deadline(session));
      return session;
    },

    async get(id) {
      const at = now();
      const session = await live(id, at);
      // A short idle timeout (tests, kiosks) still slides: touch well within it.
      if (!session || at - session.lastSeenAt < Math.min(TOUCH_EVERY_MS, session.idleTimeoutMs / 10)) return session;
      const touched = { lastSeenAt: at, expiresAt: session.expiresAt, idleTimeoutMs: session.idleTimeoutMs };
      // Only lastSeenAt is written: a touch racing a token rotation must not put the old tokens back.
      return (await backend.update(id, { lastSeenAt: at }, ttl(touched, at), deadline(touched))) ? { ...session, lastSeenAt: at } : undefined;
    },

    replaceTokens,

    async delete(id) {
      return isSessionId(id) && (await backend.remove([id])) > 0;
    },

    async endElsewhere(id) {
      return isSessionId(id) && backend.removeForRevocation(id);
    },

    async takeEndedElsewhere(client, max) {
      const at = now();
      return (await backend.takeEndedElsewhere(client, max)).flatMap((ended) => (at >= ended.expiresAt ? [] : opened(ended)));
    },

    async takeExpired(client, max) {
      // Past its lifetime too: the session's end is not the grant's (web's 12 hours, the provider's 14 days).
      return (await backend.takeExpired(client, now(), max)).flatMap(opened);
    },

    async deleteWhere(filter) {
      if (filter.sub === undefined && filter.sid === undefined) throw new Error('deleteWhere needs a sub or a sid');
      // The sid index is the narrower one: one provider session.
      const records = await backend.findBy(filter.sid !== undefined ? { sid: filter.sid } : { sub: filter.sub! });
      const ids = records.filter((r) => (filter.sub === undefined || r.sub === filter.sub) && (filter.client === undefined || r.client === filter.client)).map((r) => r.id);
      return backend.remove(ids);
    },

    async list(filter) {
      // Those this store cannot open are left out, and left alone (see live).
      return (await liveRecords(filter, now())).flatMap((record) => open(record) ?? []);
    },

    async summaries(filter) {
      return (await liveRecords(filter, now())).map(summary);
    },

    refreshOnce(id, refresh, seen) {
      if (!isSessionId(id)) return Promise.resolve(undefined);
      return flights(id, () =>
        refreshUnderLock(backend, id, {
          read: () => live(id, now()),
          moved: (before, current) => before.tokens.access !== current.tokens.access,
          run: async (current) => {
            const next = await refresh(current);
            if (next === undefined) {
              await backend.remove([id]);
              return undefined;
            }
            return replaceTokens(id, next.tokens, next.accessExpiresAt, next.refreshExpiresAt);
          },
        }, timings, seen),
      );
    },
  };
}

/** An ended session's sealed tokens, opened; none when they are not sealed under this store's key: nothing this BFF can revoke. */
function openedWith(cipher: TokenCipher) {
  return (ended: { id: string; tokens: string }): SessionTokens[] => {
    try {
      return [JSON.parse(cipher.open(ended.tokens, ended.id)) as SessionTokens];
    } catch {
      return [];
    }
  };
}

/** A provider that does not reissue the refresh or ID token leaves the old one valid: an undefined field must not erase it. */
function definedOnly(tokens: SessionTokens): SessionTokens {
  return Object.fromEntries(Object.entries(tokens).filter(([, value]) => value !== undefined)) as unknown as SessionTokens;
}
