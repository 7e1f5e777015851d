import { randomBytes } from 'node:crypto';
import { concierge } from '../../errors.ts';
import { withinDeadline, type RedisClient } from '../redis.ts';
import { FAILED_LOCK, type EndedElsewhere, type LockState, type RecordUpdate, type SessionBackend, type SessionRecord } from './backend.ts';

export const DEFAULT_SESSION_PREFIX = 'concierge:session:';

/**
 * Sessions in Redis, so every replica sees every session:
 *
 * - `<prefix><id>`: a hash per session (the tokens sealed), with a TTL to its idle or absolute
 *   deadline, whichever is first, and EXPIRED_GRACE_MS more, so Redis itself forgets abandoned
 *   sessions, but not before a sweep could hand their tokens over to be revoked (the store
 *   judges a session by its deadline, never by the key's TTL);
 * - `<prefix>expiring:<client>`: a sorted set of the client's session ids by deadline (the
 *   store's clock), kept with every write, which `takeExpired` sweeps: what passed its deadline
 *   is deleted and handed over with its sealed tokens, so the client's BFF revokes its refresh
 *   token (a key's TTL would drop the tokens unseen). `<prefix>expiring-lock:<client>` is the
 *   sweep's lock: one replica sweeps a client at a time;
 * - `<prefix>by-sub:<sub>`, `<prefix>by-sid:<sid>`: sets of ids, for back-channel logout and
 *   "your devices" without a SCAN. Ids of expired sessions linger until a lookup drops them; the
 *   sets themselves expire an absolute lifetime after their last addition, when every member is
 *   necessarily gone;
 * - `<prefix>lock:<id>`: the refresh lock (refresh-once.ts);
 * - `<prefix>ended-elsewhere:<client>`: a list of sessions of `client` another BFF ended, their
 *   tokens still sealed, for `client`'s BFF to revoke; it expires an absolute lifetime after its
 *   last addition, as the indexes do.
 *
 * Ids are base64url, so `<prefix><id>` never collides with the `by-…:` and `lock:` keys.
 * Scripts touch keys derived inside them: fine on one Redis (the project's), not on a Cluster.
 * Every failure (Redis down, or not answering within 100 ms) is SESSION_STORE_UNAVAILABLE.
 */
export function createRedisBackend(redis: RedisClient, prefix = DEFAULT_SESSION_PREFIX): SessionBackend {
  const sessionKey = (id: string) => `${prefix}${id}`;
  const subKey = (sub: string) => `${prefix}by-sub:${sub}`;
  const sidKey = (sid: string) => `${prefix}by-sid:${sid}`;
  const lockKey = (id: string) => `${prefix}lock:${id}`;
  const endedKey = (client: string) => `${prefix}ended-elsewhere:${client}`;
  const expiringKey = (client: string) => `${prefix}expiring:${client}`;
  const sweepLockKey = (client: string) => `${prefix}expiring-lock:${client}`;

  return {
    read: (id) => guard(async () => parse(id, await redis.hGetAll(sessionKey(id)))),
    create: (record, ttlMs, indexTtlMs, deadline) =>
      guard(async () => {
        const multi = redis.multi().hSet(sessionKey(record.id), fields(record)).pExpire(sessionKey(record.id), ttlMs + EXPIRED_GRACE_MS);
        multi.zAdd(expiringKey(record.client), { score: deadline, value: record.id }).pExpire(expiringKey(record.client), indexTtlMs + EXPIRED_GRACE_MS);
        multi.sAdd(subKey(record.sub), record.id).pExpire(subKey(record.sub), indexTtlMs);
        if (record.sid !== undefined) multi.sAdd(sidKey(record.sid), record.id).pExpire(sidKey(record.sid), indexTtlMs);
        await multi.exec();
      }),
    update: (id, update, ttlMs, deadline) =>
      guard(async () => {
        const pairs = Object.entries(fields(update)).flat();
        return (await redis.eval(UPDATE, { keys: [sessionKey(id)], arguments: [String(ttlMs + EXPIRED_GRACE_MS), deadline === undefined ? '' : String(deadline), expiringKey(''), id, ...pairs] })) === 1;
      }),
    remove: (ids) =>
      guard(async () => {
        if (ids.length === 0) return 0;
        return Number(await redis.eval(REMOVE, { keys: ids.map(sessionKey), arguments: [subKey(''), sidKey(''), expiringKey(''), ...ids] }));
      }),
    removeForRevocation: (id) =>
      guard(async () => (await redis.eval(REMOVE_FOR_REVOCATION, { keys: [sessionKey(id)], arguments: [subKey(''), sidKey(''), endedKey(''), id, String(ENDED_ELSEWHERE_TTL_MS), expiringKey('')] })) === 1),
    takeEndedElsewhere: (client, max) =>
      guard(async () => {
        const items = (await redis.lPopCount(endedKey(client), max)) ?? [];
        return items.flatMap((item) => endedElsewhere(item));
      }),
    takeExpired: (client, at, max) =>
      guard(async () => {
        // One replica sweeps a client at a time; the others skip this round. A replica that dies
        // holding the lock blocks the others no longer than its TTL.
        const holder = randomBytes(9).toString('base64url');
        if ((await redis.set(sweepLockKey(client), holder, { condition: 'NX', expiration: { type: 'PX', value: SWEEP_LOCK_MS } })) !== 'OK') return [];
        try {
          const items = (await redis.eval(TAKE_EXPIRED, { keys: [expiringKey(client)], arguments: [String(at), String(max), sessionKey(''), subKey(''), sidKey('')] })) as string[];
          return items.flatMap((item) => endedElsewhere(item));
        } finally {
          await redis.eval(RELEASE, { keys: [sweepLockKey(client)], arguments: [holder, 'done', '0', FAILED_LOCK] });
        }
      }),
    findBy: (index) =>
      guard(async () => {
        const setKey = 'sub' in index ? subKey(index.sub) : sidKey(index.sid);
        const ids = await redis.sMembers(setKey);
        if (ids.length === 0) return [];
        const multi = redis.multi();
        for (const id of ids) multi.hGetAll(sessionKey(id));
        const hashes = (await multi.execAsPipeline()) as unknown as Record<string, string>[];
        const records = ids.map((id, i) => parse(id, hashes[i] ?? {}));
        const stale = ids.filter((_, i) => records[i] === undefined);
        if (stale.length > 0) await redis.sRem(setKey, stale);
        return records.filter((record): record is SessionRecord => record !== undefined);
      }),
    acquireLock: (id, holder, ttlMs) =>
      guard(async () => (await redis.set(lockKey(id), holder, { condition: 'NX', expiration: { type: 'PX', value: ttlMs } })) === 'OK'),
    lockState: (id) =>
      guard(async (): Promise<LockState> => {
        const value = await redis.get(lockKey(id));
        return value === null ? 'free' : value === FAILED_LOCK ? 'failed' : 'held';
      }),
    releaseLock: (id, holder, outcome, failedTtlMs) =>
      guard(async () => void (await redis.eval(RELEASE, { keys: [lockKey(id)], arguments: [holder, outcome, String(failedTtlMs), FAILED_LOCK] }))),
  };
}

/**
 * How long a session's hash outlives its deadline: the sweep (every replica tries every 2 s) hands
 * its tokens over for revocation well within it; only if no replica runs that long is a token
 * left to die at the provider by itself.
 */
const EXPIRED_GRACE_MS = 86_400_000;

/** The sweep's lock: far longer than a sweep takes (one script), short enough that a crashed holder delays the next sweep by seconds. */
const SWEEP_LOCK_MS = 5_000;

/**
 * Changes an existing hash only: a touch or a rotation racing a logout must not bring the session
 * back. Its deadline (ARGV[2], unless empty) is moved in its client's expiry index.
 */
const UPDATE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 5))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
if ARGV[2] ~= '' then
  local client = redis.call('HGET', KEYS[1], 'client')
  if client then redis.call('ZADD', ARGV[3] .. client, ARGV[2], ARGV[4]) end
end
return 1`;

/** Deletes each session with its index entries, in one atomic step; the count of those that existed. */
const REMOVE = `
local removed = 0
for i, key in ipairs(KEYS) do
  local owner = redis.call('HMGET', key, 'sub', 'sid', 'client')
  if owner[1] then
    redis.call('DEL', key)
    removed = removed + 1
    redis.call('SREM', ARGV[1] .. owner[1], ARGV[i + 3])
    if owner[2] then redis.call('SREM', ARGV[2] .. owner[2], ARGV[i + 3]) end
    if owner[3] then redis.call('ZREM', ARGV[3] .. owner[3], ARGV[i + 3]) end
  end
end
return removed`;

/**
 * Up to ARGV[2] sessions of the client's expiry index (KEYS[1]) whose deadline is at or before
 * ARGV[1]: each deleted with its index entries, and returned with its sealed tokens, in one step,
 * so each is handed to one caller only. An id whose hash is already gone is dropped.
 */
const TAKE_EXPIRED = `
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local taken = {}
for _, id in ipairs(ids) do
  redis.call('ZREM', KEYS[1], id)
  local key = ARGV[3] .. id
  local owner = redis.call('HMGET', key, 'sub', 'sid', 'tokens', 'expiresAt')
  if owner[1] then
    redis.call('DEL', key)
    redis.call('SREM', ARGV[4] .. owner[1], id)
    if owner[2] then redis.call('SREM', ARGV[5] .. owner[2], id) end
    if owner[3] then table.insert(taken, cjson.encode({ id = id, tokens = owner[3], expiresAt = tonumber(owner[4]) })) end
  end
end
return taken`;

/** Longer than any session lives (a TV's 90 days): the list outlives every entry it can hold. */
const ENDED_ELSEWHERE_TTL_MS = 91 * 86_400_000;

/** REMOVE for one session, which also queues its sealed tokens for the client that made it, in the same step. */
const REMOVE_FOR_REVOCATION = `
local owner = redis.call('HMGET', KEYS[1], 'sub', 'sid', 'client', 'tokens', 'expiresAt')
if not owner[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SREM', ARGV[1] .. owner[1], ARGV[4])
if owner[2] then redis.call('SREM', ARGV[2] .. owner[2], ARGV[4]) end
redis.call('ZREM', ARGV[6] .. owner[3], ARGV[4])
local queue = ARGV[3] .. owner[3]
redis.call('RPUSH', queue, cjson.encode({ id = ARGV[4], tokens = owner[4], expiresAt = tonumber(owner[5]) }))
redis.call('PEXPIRE', queue, ARGV[5])
return 1`;

/** Compare-and-release: only the holder gives the lock back, and one whose lock expired changes nothing. */
const RELEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == 'done' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[3]) end
return 1`;

function endedElsewhere(item: string): EndedElsewhere[] {
  try {
    const { id, tokens, expiresAt } = JSON.parse(item) as Partial<EndedElsewhere>;
    return typeof id === 'string' && typeof tokens === 'string' && typeof expiresAt === 'number' ? [{ id, tokens, expiresAt }] : [];
  } catch {
    return []; // not an entry this backend wrote
  }
}

function fields(record: Partial<SessionRecord> | RecordUpdate): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(record)) if (name !== 'id' && value !== undefined) out[name] = String(value);
  return out;
}

function parse(id: string, hash: Record<string, string>): SessionRecord | undefined {
  const { kind, client, sub, name, sid, label, tokens, accessExpiresAt, createdAt, lastSeenAt, expiresAt, idleTimeoutMs } = hash;
  // An empty hash is a missing key; a partial one is not a session this store wrote.
  if ((kind !== 'browser' && kind !== 'device') || client === undefined || sub === undefined || name === undefined || tokens === undefined) return undefined;
  return {
    id, kind, client, sub, name, tokens,
    ...(sid === undefined ? {} : { sid }),
    ...(label === undefined ? {} : { label }),
    accessExpiresAt: Number(accessExpiresAt),
    createdAt: Number(createdAt),
    lastSeenAt: Number(lastSeenAt),
    expiresAt: Number(expiresAt),
    ...(idleTimeoutMs === undefined ? {} : { idleTimeoutMs: Number(idleTimeoutMs) }),
  };
}

async function guard<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await withinDeadline(operation());
  } catch (cause) {
    // Sessions cannot fall back to memory as the rate limits do: a session made on one replica
    // would be unknown to the others. The request fails at once, and the user stays signed in.
    const error = concierge('SESSION_STORE_UNAVAILABLE', 'The session store is unavailable; retry later.', {}, { headers: { 'retry-after': '2' } });
    error.cause = cause;
    throw error;
  }
}
