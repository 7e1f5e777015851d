/**
 * Where session records live: a process's memory (memory-backend.ts) or Redis (redis-backend.ts).
 * A backend only stores; the rules (ids, expiry, sliding, sealing the tokens) are the store's
 * (session-store.ts), written once, so both backends behave the same by construction.
 */

/** A session as stored: the tokens only as the cipher's ciphertext. */
export interface SessionRecord {
  id: string;
  kind: 'browser' | 'device';
  client: string;
  sub: string;
  name: string;
  sid?: string;
  label?: string;
  /** TokenCipher.seal of the tokens' JSON, bound to `id`. */
  tokens: string;
  accessExpiresAt: number;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  /**
   * The idle timeout the creating store gave it. Kept in the record because web and TV run
   * different timeouts over one Redis (a TV stays signed in for weeks unused, a browser for
   * minutes): every reader judges a session by its own timeout, never by the reader's. Absent in
   * records written before it existed; the reading store's own timeout applies to those.
   */
  idleTimeoutMs?: number;
}

/**
 * A session ended without its BFF opening its tokens: by a BFF that cannot (web signing a TV out),
 * or by its idle or absolute deadline passing. Its sealed tokens, for the BFF that made it to open
 * and revoke at the provider.
 */
export interface EndedElsewhere {
  id: string;
  /** The record's `tokens`, as sealed by its own BFF. */
  tokens: string;
  /** The session's absolute end: past it the grant is worthless, and the entry is dropped. */
  expiresAt: number;
}

/** What a touch or a token rotation changes; never who the session belongs to. */
export type RecordUpdate = Partial<Pick<SessionRecord, 'tokens' | 'accessExpiresAt' | 'lastSeenAt' | 'expiresAt'>>;

/** A refresh lock's value after a failed refresh; holders are random ids, never this. */
export const FAILED_LOCK = 'failed';

/** A refresh lock's state: free, held by some caller, or just released by a caller whose refresh failed. */
export type LockState = 'free' | 'held' | 'failed';

export interface SessionBackend {
  read(id: string): Promise<SessionRecord | undefined>;
  /**
   * Stores a new record, dead after `ttlMs` unless updated, at `deadline` on the store's clock
   * (`takeExpired` hands it over then). `indexTtlMs` bounds how long its sub and sid index entries
   * may outlive it (the absolute lifetime: no session lives longer).
   */
  create(record: SessionRecord, ttlMs: number, indexTtlMs: number, deadline: number): Promise<void>;
  /** Changes a record that still exists and restarts its TTL (its deadline moved to `deadline`); false when it is gone (never recreates one). */
  update(id: string, update: RecordUpdate, ttlMs: number, deadline?: number): Promise<boolean>;
  /** Deletes the records and their index entries; the number that existed. */
  remove(ids: readonly string[]): Promise<number>;
  /**
   * Deletes the record as `remove` does and, in the same step, queues its sealed tokens for the
   * client that made it (`takeEndedElsewhere`); false when it was already gone.
   */
  removeForRevocation(id: string): Promise<boolean>;
  /** Up to `max` sessions of `client` that another BFF ended, oldest first; each is handed to one caller only. */
  takeEndedElsewhere(client: string, max: number): Promise<EndedElsewhere[]>;
  /**
   * Up to `max` sessions of `client` whose deadline passed by `at` (idle or past their lifetime),
   * deleted with their index entries and handed over with their sealed tokens, each to one caller
   * only; on a shared store, to one replica at a time (the others get none meanwhile).
   */
  takeExpired(client: string, at: number, max: number): Promise<EndedElsewhere[]>;
  /** The stored records indexed under a sub or a sid. Ids whose records have expired are dropped from the index on the way. */
  findBy(index: { sub: string } | { sid: string }): Promise<SessionRecord[]>;

  /** Takes the session's refresh lock for `holder` unless another holds it (`SET NX PX`). */
  acquireLock(id: string, holder: string, ttlMs: number): Promise<boolean>;
  lockState(id: string): Promise<LockState>;
  /**
   * Gives the lock back if `holder` still has it. After a failed refresh the lock stays marked
   * `failed` for `failedTtlMs`, so the callers waiting on other replicas learn of the failure
   * instead of taking the lock and repeating it.
   */
  releaseLock(id: string, holder: string, outcome: 'done' | 'failed', failedTtlMs: number): Promise<void>;
}
