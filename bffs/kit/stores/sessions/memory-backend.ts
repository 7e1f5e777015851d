import { FAILED_LOCK, type EndedElsewhere, type LockState, type RecordUpdate, type SessionBackend, type SessionRecord } from './backend.ts';

/** How often, at most, a write also sweeps out expired records: abandoned sessions must not pile up in the heap. */
const SWEEP_EVERY_MS = 60_000;
/** Expired sessions kept for their client to revoke, per client; past this many (no one takes them), the oldest are let go. */
const MAX_EXPIRED_HELD = 10_000;

interface Entry {
  record: SessionRecord;
  deadline: number;
}

/**
 * Sessions in this process: the default when no Redis is configured (one replica, or
 * development). It keeps the same TTLs and indexes as Redis does, on the store's clock, so
 * tests with an injected clock see one behaviour on both.
 */
export function createMemoryBackend(now: () => number = Date.now): SessionBackend {
  const entries = new Map<string, Entry>();
  const bySub = new Map<string, Set<string>>();
  const bySid = new Map<string, Set<string>>();
  // Locks time out on the wall clock, as Redis's PX does: they bound real waits between real
  // callers, whatever clock the sessions' lifetimes are judged on.
  const locks = new Map<string, { holder: string; deadline: number }>();
  const endedElsewhere = new Map<string, EndedElsewhere[]>();
  // Sessions whose deadline passed, with their sealed tokens, until their client takes them to revoke.
  const expired = new Map<string, EndedElsewhere[]>();
  let sweptAt = now();

  const live = (id: string): Entry | undefined => {
    const entry = entries.get(id);
    if (entry && entry.deadline <= now()) {
      drop(id, entry.record);
      const queue = expired.get(entry.record.client) ?? [];
      queue.push({ id, tokens: entry.record.tokens, expiresAt: entry.record.expiresAt });
      expired.set(entry.record.client, queue.length > MAX_EXPIRED_HELD ? queue.slice(-MAX_EXPIRED_HELD) : queue);
      return undefined;
    }
    return entry;
  };
  const drop = (id: string, record: SessionRecord) => {
    entries.delete(id);
    unindex(bySub, record.sub, id);
    if (record.sid !== undefined) unindex(bySid, record.sid, id);
  };
  const sweep = () => {
    if (now() - sweptAt < SWEEP_EVERY_MS) return;
    sweptAt = now();
    for (const id of entries.keys()) live(id);
    for (const id of locks.keys()) lockOf(id);
  };
  const lockOf = (id: string) => {
    const lock = locks.get(id);
    if (lock && lock.deadline <= Date.now()) locks.delete(id);
    return locks.get(id);
  };

  return {
    async read(id) {
      const entry = live(id);
      // A copy: callers must not change what is stored behind the store's back.
      return entry && { ...entry.record };
    },
    async create(record, ttlMs) {
      sweep();
      entries.set(record.id, { record: { ...record }, deadline: now() + ttlMs });
      index(bySub, record.sub, record.id);
      if (record.sid !== undefined) index(bySid, record.sid, record.id);
    },
    async update(id, update: RecordUpdate, ttlMs) {
      const entry = live(id);
      if (!entry) return false;
      entries.set(id, { record: { ...entry.record, ...update }, deadline: now() + ttlMs });
      return true;
    },
    async remove(ids) {
      let removed = 0;
      for (const id of ids) {
        const entry = live(id);
        if (!entry) continue;
        drop(id, entry.record);
        removed += 1;
      }
      return removed;
    },
    async removeForRevocation(id) {
      const entry = live(id);
      if (!entry) return false;
      drop(id, entry.record);
      const queue = endedElsewhere.get(entry.record.client) ?? [];
      queue.push({ id, tokens: entry.record.tokens, expiresAt: entry.record.expiresAt });
      endedElsewhere.set(entry.record.client, queue);
      return true;
    },
    async takeEndedElsewhere(client, max) {
      const queue = endedElsewhere.get(client) ?? [];
      const taken = queue.splice(0, max);
      if (queue.length === 0) endedElsewhere.delete(client);
      return taken;
    },
    async takeExpired(client, _at, max) {
      // One process: no one else sweeps these entries. A pass over them all, as `sweep` makes.
      for (const id of entries.keys()) live(id);
      const queue = expired.get(client) ?? [];
      const taken = queue.splice(0, max);
      if (queue.length === 0) expired.delete(client);
      return taken;
    },
    async findBy(key) {
      const ids = 'sub' in key ? bySub.get(key.sub) : bySid.get(key.sid);
      return [...(ids ?? [])].flatMap((id) => {
        const entry = live(id);
        return entry ? [{ ...entry.record }] : [];
      });
    },
    async acquireLock(id, holder, ttlMs) {
      if (lockOf(id)) return false;
      locks.set(id, { holder, deadline: Date.now() + ttlMs });
      return true;
    },
    async lockState(id): Promise<LockState> {
      const lock = lockOf(id);
      return !lock ? 'free' : lock.holder === FAILED_LOCK ? 'failed' : 'held';
    },
    async releaseLock(id, holder, outcome, failedTtlMs) {
      if (lockOf(id)?.holder !== holder) return;
      if (outcome === 'done') locks.delete(id);
      else locks.set(id, { holder: FAILED_LOCK, deadline: Date.now() + failedTtlMs });
    },
  };
}

function index(sets: Map<string, Set<string>>, key: string, id: string) {
  const set = sets.get(key) ?? new Set<string>();
  set.add(id);
  sets.set(key, set);
}

function unindex(sets: Map<string, Set<string>>, key: string, id: string) {
  const set = sets.get(key);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) sets.delete(key);
}
