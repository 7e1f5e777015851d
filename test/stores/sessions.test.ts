import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { closeRedis, connectRedis, type RedisClient } from '../../bffs/kit/stores/redis.ts';
import type { SessionBackend } from '../../bffs/kit/stores/sessions/backend.ts';
import { createMemoryBackend } from '../../bffs/kit/stores/sessions/memory-backend.ts';
import { SessionRefreshError } from '../../bffs/kit/stores/sessions/refresh-once.ts';
import { createSessionStore, type NewSession, type RefreshedTokens, type Session, type SessionStore } from '../../bffs/kit/stores/sessions/session-store.ts';
import { createTokenCipher } from '../../bffs/kit/stores/sessions/token-cipher.ts';

/**
 * Every behaviour of the session store against both implementations: memory, and a real Redis
 * at 127.0.0.1:6379 (`.ci/run` starts it). "Two replicas" are two stores over one backend: on
 * Redis, two stores on two connections; in memory, two stores sharing one backend (what one
 * process with several stores would see). Redis keys live under a random prefix per run,
 * deleted afterwards; nothing else in the Redis is touched.
 */

const REDIS_URL = 'redis://127.0.0.1:6379';
/** Nothing listens on port 1: connection refused at once. */
const DEAD_REDIS_URL = 'redis://127.0.0.1:1';
const PREFIX = `test:sessions:${randomBytes(6).toString('hex')}:`;
const KEY = randomBytes(32).toString('base64url');
const cipher = createTokenCipher(KEY);
const logger = pino({ level: 'silent' });

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const IDLE = 30 * MINUTE;
const ABSOLUTE = 8 * 60 * MINUTE;

let redisA: RedisClient;
let redisB: RedisClient;

beforeAll(async () => {
  // The project's own client (no offline queue, 100 ms command timeout), twice: two replicas' connections.
  redisA = connectRedis(REDIS_URL, logger);
  redisB = connectRedis(REDIS_URL, logger);
  await Promise.all([ready(redisA), ready(redisB)]);
});

afterAll(async () => {
  if (redisA?.isReady) for await (const keys of redisA.scanIterator({ MATCH: `${PREFIX}*`, COUNT: 1000 })) if (keys.length > 0) await redisA.del(keys);
  await Promise.all([redisA && closeRedis(redisA), redisB && closeRedis(redisB)]);
});

function ready(client: RedisClient): Promise<void> {
  if (client.isReady) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Redis does not answer at ${REDIS_URL}: these tests need it (.ci/run starts one)`)), 5_000);
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** One test's world: a store, a second replica over the same sessions, a clock, and a look at the raw records. */
interface World {
  store: SessionStore;
  replica: SessionStore;
  /** Another BFF's store over the same sessions, with its own timeouts and key (web's beside TV's). */
  other(options: { idleTimeoutMs: number; absoluteLifetimeMs: number; key?: string }): SessionStore;
  clock: { now: () => number; advance: (ms: number) => void };
  /** The record exactly as the backend holds it, as text; undefined when there is none. */
  raw(id: string): Promise<Record<string, unknown> | undefined>;
  /** Overwrites the sealed tokens of a record, as someone with write access to the store could. */
  plantTokens(id: string, sealed: string): Promise<void>;
  /** Leaves a refresh lock behind, as a holder that crashed would. */
  strandLock(id: string, ttlMs: number): Promise<void>;
}

interface Impl {
  name: string;
  world(options?: { idleTimeoutMs?: number; absoluteLifetimeMs?: number }): World;
}

function clock() {
  let t = Date.now();
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

const memory: Impl = {
  name: 'memory',
  world(options = {}) {
    const time = clock();
    const backend = createMemoryBackend(time.now);
    const make = () => createSessionStore({ backend, cipher, idleTimeoutMs: IDLE, absoluteLifetimeMs: ABSOLUTE, now: time.now, ...options });
    return {
      store: make(),
      replica: make(),
      other: ({ key, ...timeouts }) => createSessionStore({ backend, cipher: key ? createTokenCipher(key) : cipher, now: time.now, ...timeouts }),
      clock: time,
      raw: async (id) => (await backend.read(id)) as Record<string, unknown> | undefined,
      plantTokens: async (id, sealed) => void (await backend.update(id, { tokens: sealed }, MINUTE)),
      strandLock: async (id, ttlMs) => void (await backend.acquireLock(id, 'crashed-holder', ttlMs)),
    };
  },
};

const redis: Impl = {
  name: 'redis',
  world(options = {}) {
    const time = clock();
    const make = (client: RedisClient) => createSessionStore({ redis: client, prefix: PREFIX, cipher, idleTimeoutMs: IDLE, absoluteLifetimeMs: ABSOLUTE, now: time.now, ...options });
    return {
      store: make(redisA),
      replica: make(redisB),
      other: ({ key, ...timeouts }) => createSessionStore({ redis: redisB, prefix: PREFIX, cipher: key ? createTokenCipher(key) : cipher, now: time.now, ...timeouts }),
      clock: time,
      raw: async (id) => {
        const hash = await redisA.hGetAll(`${PREFIX}${id}`);
        return Object.keys(hash).length === 0 ? undefined : hash;
      },
      plantTokens: async (id, sealed) => void (await redisA.hSet(`${PREFIX}${id}`, 'tokens', sealed)),
      strandLock: async (id, ttlMs) => void (await redisA.set(`${PREFIX}lock:${id}`, 'crashed-holder', { condition: 'NX', expiration: { type: 'PX', value: ttlMs } })),
    };
  },
};

const TOKENS = { access: 'ACCESS-7f3a-super-secret', refresh: 'REFRESH-91cd-super-secret', idToken: 'IDTOKEN-44be-super-secret' };

/** A client of its own per test: the expiry sweep is per client, and on Redis one replica's sweep holds a lease. */
const uniqueClient = () => `web-${randomBytes(3).toString('hex')}`;

function newSession(overrides: Partial<NewSession> = {}): NewSession {
  return { kind: 'browser', client: 'web', sub: `u_${randomBytes(4).toString('hex')}`, name: 'Ada', sid: `sid_${randomBytes(4).toString('hex')}`, tokens: { ...TOKENS }, accessExpiresAt: Date.now() + 5 * MINUTE, ...overrides };
}

/** A refresh that counts its runs and takes long enough for every concurrent caller to pile up behind it. */
function countingRefresh(delayMs = 150, outcome: (run: number) => RefreshedTokens | undefined | Error = (run) => ({ tokens: { access: `ACCESS-fresh-${run}`, refresh: `REFRESH-fresh-${run}` }, accessExpiresAt: Date.now() + 5 * MINUTE })) {
  const seen: Session[] = [];
  const refresh = async (current: Session) => {
    seen.push(current);
    await sleep(delayMs);
    const result = outcome(seen.length);
    if (result instanceof Error) throw result;
    return result;
  };
  return { refresh, runs: () => seen.length, seen };
}

describe.each([memory, redis])('session store: $name', (impl) => {
  describe('create and get', () => {
    test('makes a new 256-bit id every time, and get returns the session on every replica', async () => {
      const { store, replica } = impl.world();
      const input = newSession({ label: 'Living room TV', kind: 'device', client: 'tv' });
      const sessions = await Promise.all(Array.from({ length: 20 }, () => store.create(input)));
      const ids = new Set(sessions.map((s) => s.id));
      expect(ids.size).toBe(20);
      for (const id of ids) expect(Buffer.from(id, 'base64url')).toHaveLength(32);
      const [first] = sessions;
      expect(first).toMatchObject({ kind: 'device', client: 'tv', sub: input.sub, name: 'Ada', sid: input.sid, label: 'Living room TV', tokens: TOKENS });
      expect(await store.get(first!.id)).toEqual(first);
      expect(await replica.get(first!.id)).toEqual(first);
    });

    test('never takes an id from the caller (no session fixation)', async () => {
      const { store } = impl.world();
      const planted = randomBytes(32).toString('base64url');
      const session = await store.create({ ...newSession(), id: planted } as NewSession);
      expect(session.id).not.toBe(planted);
      expect(await store.get(planted)).toBeUndefined();
    });

    test('a made-up id or a malformed one is undefined', async () => {
      const { store } = impl.world();
      await store.create(newSession());
      for (const id of [randomBytes(32).toString('base64url'), '', 'abc', `${'a'.repeat(43)}!`, 'a'.repeat(44), '../../etc/passwd', 'by-sub:u_1', 'lock:x']) {
        expect(await store.get(id)).toBeUndefined();
      }
    });
  });

  describe('lifetimes', () => {
    test('the idle timeout slides with use and ends an unused session', async () => {
      const { store, clock, raw } = impl.world();
      const client = uniqueClient();
      const { id } = await store.create(newSession({ client }));
      for (let i = 0; i < 5; i++) {
        clock.advance(IDLE - MINUTE);
        expect(await store.get(id)).toBeDefined(); // each use restarts the idle clock
      }
      expect(await store.takeExpired(client, 10)).toEqual([]);
      clock.advance(IDLE + 1);
      expect(await store.get(id)).toBeUndefined();
      // The expiry sweep deletes it, and hands its tokens over for its BFF to revoke.
      expect(await store.takeExpired(client, 10)).toEqual([TOKENS]);
      expect(await raw(id)).toBeUndefined();
    });

    test('a busy session is written at most once per 30 s', async () => {
      const { store, clock, raw } = impl.world();
      const { id, createdAt } = await store.create(newSession());
      clock.advance(10_000);
      expect((await store.get(id))?.lastSeenAt).toBe(createdAt);
      clock.advance(10_000);
      await store.get(id);
      expect(Number((await raw(id))?.lastSeenAt)).toBe(createdAt); // no write yet
      clock.advance(11_000);
      expect((await store.get(id))?.lastSeenAt).toBe(clock.now());
      expect(Number((await raw(id))?.lastSeenAt)).toBe(clock.now());
    });

    test('the absolute lifetime ends a session however busy', async () => {
      const { store, clock } = impl.world();
      const { id, createdAt, expiresAt } = await store.create(newSession());
      expect(expiresAt).toBe(createdAt + ABSOLUTE);
      while (clock.now() + 20 * MINUTE < expiresAt) {
        clock.advance(20 * MINUTE);
        expect(await store.get(id)).toBeDefined();
      }
      clock.advance(expiresAt - clock.now());
      expect(await store.get(id)).toBeUndefined();
    });

    test('the absolute lifetime is clamped to the refresh token\'s', async () => {
      const { store, clock } = impl.world();
      const refreshExpiresAt = clock.now() + 60 * MINUTE;
      const { id, expiresAt } = await store.create(newSession({ refreshExpiresAt }));
      expect(expiresAt).toBe(refreshExpiresAt);
      clock.advance(25 * MINUTE);
      expect(await store.get(id)).toBeDefined();
      clock.advance(25 * MINUTE);
      expect(await store.get(id)).toBeDefined(); // active, and within its idle timeout
      clock.advance(11 * MINUTE);
      expect(await store.get(id)).toBeUndefined();
    });

    test('each session keeps the idle timeout of the store that made it, whichever store reads it', async () => {
      const { store, other, clock } = impl.world();
      // A TV's store (idle 30 days) and web's (idle 30 minutes) over the same sessions.
      const tvStore = other({ idleTimeoutMs: 30 * 24 * 60 * MINUTE, absoluteLifetimeMs: 90 * 24 * 60 * MINUTE });
      const tv = await tvStore.create(newSession({ kind: 'device', client: 'tv', sid: undefined }));
      const browser = await store.create(newSession());
      clock.advance(2 * IDLE);
      // Web's store does not end the TV's session by its own, shorter idle timeout.
      expect((await store.summaries({ sub: tv.sub })).map((s) => s.id)).toEqual([tv.id]);
      expect((await store.get(tv.id))?.idleTimeoutMs).toBe(30 * 24 * 60 * MINUTE);
      expect(await tvStore.get(browser.id)).toBeUndefined(); // nor the TV's keep a browser session past its own
    });

  });

  describe('replaceTokens, delete, deleteWhere, list', () => {
    test('replaceTokens stores rotated tokens, keeps ones not reissued, and only shrinks the expiry', async () => {
      const { store, replica, clock } = impl.world();
      const session = await store.create(newSession());
      const rotated = await store.replaceTokens(session.id, { access: 'ACCESS-2', refresh: 'REFRESH-2' }, clock.now() + 10 * MINUTE, clock.now() + ABSOLUTE * 2);
      expect(rotated).toMatchObject({ tokens: { access: 'ACCESS-2', refresh: 'REFRESH-2', idToken: TOKENS.idToken }, expiresAt: session.expiresAt });
      expect(await replica.get(session.id)).toMatchObject({ tokens: rotated!.tokens, accessExpiresAt: clock.now() + 10 * MINUTE });
      const shrunk = await store.replaceTokens(session.id, { access: 'ACCESS-3' }, clock.now() + 10 * MINUTE, clock.now() + 60 * MINUTE);
      expect(shrunk).toMatchObject({ tokens: { access: 'ACCESS-3', refresh: 'REFRESH-2' }, expiresAt: clock.now() + 60 * MINUTE });
      expect((await store.get(session.id))?.expiresAt).toBe(clock.now() + 60 * MINUTE);
    });

    test('replaceTokens on an ended session changes nothing and does not bring it back', async () => {
      const { store, raw } = impl.world();
      const { id } = await store.create(newSession());
      expect(await store.delete(id)).toBe(true);
      expect(await store.replaceTokens(id, { access: 'ACCESS-late' }, Date.now())).toBeUndefined();
      expect(await raw(id)).toBeUndefined();
    });

    test('delete ends a session for every replica', async () => {
      const { store, replica } = impl.world();
      const { id } = await store.create(newSession());
      expect(await replica.delete(id)).toBe(true);
      expect(await replica.delete(id)).toBe(false);
      expect(await store.get(id)).toBeUndefined();
      expect(await store.delete('not-an-id')).toBe(false);
    });

    test('deleteWhere by sub ends all of a user\'s sessions, made on either replica, and no one else\'s', async () => {
      const { store, replica } = impl.world();
      const ada = newSession();
      const mine = [await store.create(ada), await replica.create(ada), await replica.create({ ...ada, kind: 'device', client: 'tv', sid: undefined })];
      const other = await store.create(newSession());
      expect(await replica.deleteWhere({ sub: ada.sub })).toBe(3);
      for (const { id } of mine) {
        expect(await store.get(id)).toBeUndefined();
        expect(await replica.get(id)).toBeUndefined();
      }
      expect(await store.get(other.id)).toBeDefined();
      expect(await store.deleteWhere({ sub: ada.sub })).toBe(0);
    });

    test('deleteWhere by sid ends that provider session only (back-channel logout); by sub and client, that client\'s only', async () => {
      const { store, replica } = impl.world();
      const ada = newSession();
      const a1 = await store.create(ada);
      const a2 = await replica.create(ada);
      const elsewhere = await store.create({ ...ada, sid: 'sid-other-browser' });
      const tv = await store.create({ ...ada, kind: 'device', client: 'tv', sid: undefined });
      expect(await store.deleteWhere({ sid: ada.sid! })).toBe(2);
      expect(await replica.get(a1.id)).toBeUndefined();
      expect(await store.get(a2.id)).toBeUndefined();
      expect(await store.get(elsewhere.id)).toBeDefined();
      expect(await store.deleteWhere({ sub: ada.sub, client: 'tv' })).toBe(1);
      expect(await store.get(tv.id)).toBeUndefined();
      expect(await store.get(elsewhere.id)).toBeDefined();
      await expect(store.deleteWhere({} as { sub: string })).rejects.toThrow(/sub or a sid/);
    });

    test('list gives a user\'s live sessions, by kind and client', async () => {
      const { store, replica, clock } = impl.world();
      const ada = newSession();
      const web = await store.create(ada);
      clock.advance(1);
      const tv1 = await replica.create({ ...ada, kind: 'device', client: 'tv', label: 'Living room', sid: undefined });
      clock.advance(1);
      const tv2 = await store.create({ ...ada, kind: 'device', client: 'tv', label: 'Bedroom', sid: undefined, refreshExpiresAt: clock.now() + MINUTE });
      await store.create(newSession());
      expect((await store.list({ sub: ada.sub })).map((s) => s.id)).toEqual([web.id, tv1.id, tv2.id]);
      expect((await replica.list({ sub: ada.sub, kind: 'device' })).map((s) => s.label)).toEqual(['Living room', 'Bedroom']);
      expect((await store.list({ sub: ada.sub, client: 'web' })).map((s) => s.id)).toEqual([web.id]);
      clock.advance(MINUTE);
      expect((await store.list({ sub: ada.sub, kind: 'device' })).map((s) => s.id)).toEqual([tv1.id]); // tv2's refresh token has died
      expect(await store.list({ sub: 'nobody' })).toEqual([]);
    });

    test('summaries list the same sessions without their tokens, to a store holding another key, which can end them', async () => {
      const { store, other, clock } = impl.world();
      const ada = newSession();
      const web = await store.create(ada);
      clock.advance(1);
      const tv = await store.create({ ...ada, kind: 'device', client: 'tv', label: 'Living room', sid: undefined });
      const foreign = other({ idleTimeoutMs: IDLE, absoluteLifetimeMs: ABSOLUTE, key: randomBytes(32).toString('base64url') });
      const [summary, ...rest] = await foreign.summaries({ sub: ada.sub, kind: 'device', client: 'tv' });
      expect(rest).toEqual([]);
      const { tokens: _tokens, ...expected } = tv;
      expect(summary).toEqual(expected);
      expect(JSON.stringify(summary)).not.toContain('super-secret');
      // Unreadable to it: not in its list, yet not deleted by listing (on a shared Redis it is another BFF's).
      expect(await foreign.list({ sub: ada.sub })).toEqual([]);
      expect((await store.summaries({ sub: ada.sub })).map((s) => s.id)).toEqual([web.id, tv.id]);
      expect(await foreign.delete(web.id)).toBe(true);
      expect(await store.get(web.id)).toBeUndefined();
    });

    test('a session ended by a store that cannot open it is handed, still sealed, to its own client, once, to revoke', async () => {
      const { store, replica, other, clock } = impl.world();
      const client = `tv-${randomBytes(3).toString('hex')}`;
      const ada = newSession();
      const tv = await store.create({ ...ada, kind: 'device', client, label: 'Living room', sid: undefined });
      const gone = await store.create({ ...ada, kind: 'device', client, label: 'Attic', sid: undefined });
      const web = other({ idleTimeoutMs: IDLE, absoluteLifetimeMs: ABSOLUTE, key: randomBytes(32).toString('base64url') });
      expect(await web.endElsewhere(tv.id)).toBe(true);
      expect(await web.endElsewhere(tv.id)).toBe(false);
      expect(await web.endElsewhere('not-a-session')).toBe(false);
      expect(await store.get(tv.id)).toBeUndefined();
      expect(await store.summaries({ sub: ada.sub })).toEqual([expect.objectContaining({ id: gone.id })]);
      // Not for another client, nor openable under another key.
      expect(await web.takeEndedElsewhere('web', 10)).toEqual([]);
      expect(await store.takeEndedElsewhere(client, 10)).toEqual([TOKENS]);
      // Taken once, by whichever replica reads first.
      expect(await replica.takeEndedElsewhere(client, 10)).toEqual([]);
      // Past the session's end the grant is dead anyway: dropped.
      await web.endElsewhere(gone.id);
      clock.advance(ABSOLUTE);
      expect(await replica.takeEndedElsewhere(client, 10)).toEqual([]);
    });

    test('a session past its lifetime, however busy, is handed to its client once to revoke; a signed-out one, a live one or another client\'s is not', async () => {
      const { store, replica, other, clock } = impl.world();
      const client = uniqueClient();
      const busy = await store.create(newSession({ client, tokens: { ...TOKENS, refresh: 'REFRESH-busy' } }));
      const signedOut = await store.create(newSession({ client, tokens: { ...TOKENS, refresh: 'REFRESH-signed-out' } }));
      const someoneElses = await store.create(newSession({ client: uniqueClient() }));
      await store.delete(signedOut.id); // its sign-out revoked it already
      // Used every 29 minutes until a minute before its lifetime ends.
      for (let left = ABSOLUTE - MINUTE; left > 0; left -= IDLE - MINUTE) {
        clock.advance(Math.min(left, IDLE - MINUTE));
        expect(await store.get(busy.id)).toBeDefined();
        await store.get(someoneElses.id);
      }
      const fresh = await store.create(newSession({ client, tokens: { ...TOKENS, refresh: 'REFRESH-fresh' } }));
      expect(await store.takeExpired(client, 10)).toEqual([]);
      clock.advance(2 * MINUTE);
      expect(await store.get(busy.id)).toBeUndefined();
      // Another BFF's store (another key) may sweep nothing of it: it could not open the tokens.
      expect(await other({ idleTimeoutMs: IDLE, absoluteLifetimeMs: ABSOLUTE, key: randomBytes(32).toString('base64url') }).takeExpired(uniqueClient(), 10)).toEqual([]);
      expect(await store.takeExpired(client, 10)).toEqual([{ ...TOKENS, refresh: 'REFRESH-busy' }]);
      expect(await replica.takeExpired(client, 10)).toEqual([]);
      expect(await store.get(fresh.id)).toBeDefined();
    });

  });

  describe('tokens at rest', () => {
    test('the stored record holds no token text, and its ciphertext opens only with this key and this session id', async () => {
      const { store, raw } = impl.world();
      const a = await store.create(newSession());
      const b = await store.create(newSession());
      const record = await raw(a.id);
      const dump = JSON.stringify(record);
      expect(dump).toContain(a.sub); // the rest is plain: it is the record
      for (const token of Object.values(TOKENS)) {
        expect(dump).not.toContain(token);
        expect(dump).not.toContain(token.slice(0, 12));
        expect(dump).not.toContain(Buffer.from(token).toString('base64url').slice(0, 12));
      }
      const sealed = String(record!.tokens);
      expect(JSON.parse(cipher.open(sealed, a.id))).toEqual(TOKENS);
      expect(() => createTokenCipher(randomBytes(32).toString('base64url')).open(sealed, a.id)).toThrow();
      expect(() => cipher.open(sealed, b.id)).toThrow();
    });

    test('a ciphertext copied into another session does not open there', async () => {
      const { store, raw, plantTokens } = impl.world();
      const victim = await store.create(newSession());
      const attacker = await store.create(newSession());
      await plantTokens(attacker.id, String((await raw(victim.id))!.tokens));
      expect(await store.get(attacker.id)).toBeUndefined();
      expect(await store.get(victim.id)).toBeDefined();
    });
  });

  describe('refreshOnce', () => {
    test('50 concurrent calls run the refresh once, and all 50 get the fresh session', async () => {
      const { store, replica } = impl.world();
      const session = await store.create(newSession());
      const { refresh, runs, seen } = countingRefresh();
      const results = await Promise.all(Array.from({ length: 50 }, () => store.refreshOnce(session.id, refresh)));
      expect(runs()).toBe(1);
      expect(seen[0]?.tokens.refresh).toBe(TOKENS.refresh);
      for (const result of results) expect(result?.tokens).toEqual({ access: 'ACCESS-fresh-1', refresh: 'REFRESH-fresh-1', idToken: TOKENS.idToken });
      expect((await replica.get(session.id))?.tokens.access).toBe('ACCESS-fresh-1');
    });

    test('25 + 25 concurrent calls on two replicas run the refresh once', async () => {
      const { store, replica } = impl.world();
      const session = await store.create(newSession());
      const { refresh, runs } = countingRefresh();
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? replica : store).refreshOnce(session.id, refresh)));
      expect(runs()).toBe(1);
      for (const result of results) expect(result?.tokens.access).toBe('ACCESS-fresh-1');
    });

    test('a caller that saw the old session and arrives after the refresh gets its result without refreshing again', async () => {
      const { store, replica } = impl.world();
      const stale = await store.create(newSession());
      const { refresh, runs } = countingRefresh(10);
      await store.refreshOnce(stale.id, refresh, stale);
      expect((await replica.refreshOnce(stale.id, refresh, stale))?.tokens.access).toBe('ACCESS-fresh-1');
      expect(runs()).toBe(1);
    });

    test('a failing refresh fails every caller, keeps the session, and is not retried by the other replica', async () => {
      const { store, replica } = impl.world();
      const boom = new Error('identity is down');
      const one = await store.create(newSession());
      const local = countingRefresh(150, () => boom);
      const outcomes = await Promise.allSettled(Array.from({ length: 50 }, () => store.refreshOnce(one.id, local.refresh)));
      expect(local.runs()).toBe(1);
      for (const outcome of outcomes) expect(outcome).toEqual({ status: 'rejected', reason: boom });
      expect((await store.get(one.id))?.tokens).toEqual(TOKENS);

      const two = await store.create(newSession());
      const spread = countingRefresh(150, () => boom);
      const settled = await Promise.allSettled(Array.from({ length: 50 }, (_, i) => (i % 2 ? replica : store).refreshOnce(two.id, spread.refresh)));
      expect(spread.runs()).toBe(1);
      // The winning replica's callers share its error; the other replica's learn of it from the lock.
      const reasons = settled.map((outcome) => (outcome.status === 'rejected' ? outcome.reason : 'resolved'));
      expect(reasons.filter((reason) => reason === boom)).toHaveLength(25);
      expect(reasons.filter((reason) => reason instanceof SessionRefreshError && reason.reason === 'failed')).toHaveLength(25);
      expect((await replica.get(two.id))?.tokens).toEqual(TOKENS);
    });

    test('a refresh that finds the grant dead ends the session for every caller on every replica', async () => {
      const { store, replica, raw } = impl.world();
      const session = await store.create(newSession());
      const { refresh, runs } = countingRefresh(100, () => undefined);
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? replica : store).refreshOnce(session.id, refresh)));
      expect(runs()).toBe(1);
      expect(results).toEqual(Array(20).fill(undefined));
      expect(await raw(session.id)).toBeUndefined();
    });

    test('a lock left by a crashed holder blocks only until its TTL', async () => {
      const { store, strandLock } = impl.world();
      const session = await store.create(newSession());
      await strandLock(session.id, 300);
      const { refresh, runs } = countingRefresh(10);
      const started = Date.now();
      const results = await Promise.all(Array.from({ length: 10 }, () => store.refreshOnce(session.id, refresh)));
      const waited = Date.now() - started;
      expect(runs()).toBe(1);
      for (const result of results) expect(result?.tokens.access).toBe('ACCESS-fresh-1');
      expect(waited).toBeGreaterThanOrEqual(250);
      expect(waited).toBeLessThan(2_000);
    });

    test('an unknown or malformed id refreshes nothing', async () => {
      const { store } = impl.world();
      const { refresh, runs } = countingRefresh(0);
      expect(await store.refreshOnce(randomBytes(32).toString('base64url'), refresh)).toBeUndefined();
      expect(await store.refreshOnce('nope', refresh)).toBeUndefined();
      expect(runs()).toBe(0);
    });
  });
});

describe('session store: the Redis layout', () => {
  test('Redis forgets an abandoned session by itself (TTL to the idle deadline and a day for the expiry sweep), and indexes it by deadline', async () => {
    const { store, clock } = redis.world();
    const client = uniqueClient();
    const { id } = await store.create(newSession({ client }));
    const ttl = await redisA.pTTL(`${PREFIX}${id}`);
    expect(ttl).toBeGreaterThan(IDLE + DAY - 5_000);
    expect(ttl).toBeLessThanOrEqual(IDLE + DAY);
    expect(await redisA.zScore(`${PREFIX}expiring:${client}`, id)).toBe(clock.now() + IDLE);
    const clamped = await store.create(newSession({ client, refreshExpiresAt: clock.now() + 5 * MINUTE }));
    expect(await redisA.pTTL(`${PREFIX}${clamped.id}`)).toBeLessThanOrEqual(5 * MINUTE + DAY);
    expect(await redisA.zScore(`${PREFIX}expiring:${client}`, clamped.id)).toBe(clock.now() + 5 * MINUTE);
    // A use moves the deadline in the index; an ended session leaves it.
    clock.advance(MINUTE);
    await store.get(id);
    expect(await redisA.zScore(`${PREFIX}expiring:${client}`, id)).toBe(clock.now() + IDLE);
    await store.delete(id);
    expect(await redisA.zScore(`${PREFIX}expiring:${client}`, id)).toBeNull();
  });

  test('one replica sweeps a client at a time; two sweeping at once hand each session over once', async () => {
    const { store, replica, clock } = redis.world();
    const client = uniqueClient();
    const refreshes = Array.from({ length: 40 }, (_, i) => `REFRESH-${i}`);
    for (const refresh of refreshes) await store.create(newSession({ client, tokens: { ...TOKENS, refresh } }));
    clock.advance(IDLE);
    // A sweeper holds the lock (one that crashed mid-sweep, say): no one else sweeps until its TTL.
    await redisA.set(`${PREFIX}expiring-lock:${client}`, 'crashed-sweeper', { expiration: { type: 'PX', value: 300 } });
    expect(await store.takeExpired(client, 100)).toEqual([]);
    await sleep(400);
    const rounds = await Promise.all([store, replica, store, replica].map((sweeper) => sweeper.takeExpired(client, 15)));
    let taken = rounds.flat();
    while (taken.length < refreshes.length) {
      const more = await replica.takeExpired(client, 15);
      expect(more.length).toBeGreaterThan(0);
      taken = [...taken, ...more];
    }
    expect(taken.map((tokens) => tokens.refresh).sort()).toEqual([...refreshes].sort());
    expect(await store.takeExpired(client, 100)).toEqual([]);
  });

  test('keeps the index sets tidy, and tolerates ids whose session Redis has already forgotten', async () => {
    const { store } = redis.world();
    const ada = newSession();
    const a = await store.create(ada);
    const b = await store.create(ada);
    expect(new Set(await redisA.sMembers(`${PREFIX}by-sub:${ada.sub}`))).toEqual(new Set([a.id, b.id]));
    expect(await redisA.pTTL(`${PREFIX}by-sub:${ada.sub}`)).toBeGreaterThan(ABSOLUTE - 5_000);
    await redisA.del(`${PREFIX}${a.id}`); // as its TTL would
    expect((await store.list({ sub: ada.sub })).map((s) => s.id)).toEqual([b.id]);
    expect(await redisA.sMembers(`${PREFIX}by-sub:${ada.sub}`)).toEqual([b.id]);
    expect(await store.delete(b.id)).toBe(true);
    expect(await redisA.exists(`${PREFIX}by-sub:${ada.sub}`)).toBe(0);
    // The sid set was not looked up, so it still holds the forgotten id: harmless, and it expires with the set.
    expect(await redisA.sMembers(`${PREFIX}by-sid:${ada.sid}`)).toEqual([a.id]);
    expect(await store.deleteWhere({ sid: ada.sid! })).toBe(0);
    expect(await redisA.exists(`${PREFIX}by-sid:${ada.sid}`)).toBe(0);
  });
});

describe('session store: shape checks', () => {
  test('a malformed id never reaches the backend', async () => {
    const untouchable = new Proxy({} as SessionBackend, {
      get: () => () => {
        throw new Error('the backend was called');
      },
    });
    const store = createSessionStore({ backend: untouchable, cipher, idleTimeoutMs: IDLE, absoluteLifetimeMs: ABSOLUTE });
    for (const id of ['', 'short', `${'x'.repeat(42)}=`, 'a'.repeat(100)]) {
      expect(await store.get(id)).toBeUndefined();
      expect(await store.delete(id)).toBe(false);
      expect(await store.replaceTokens(id, { access: 'x' }, 0)).toBeUndefined();
    }
  });
});

describe('session store: Redis down', () => {
  let dead: RedisClient;
  beforeAll(() => {
    dead = connectRedis(DEAD_REDIS_URL, logger);
  });
  afterAll(() => closeRedis(dead));

  test('every operation fails fast with SESSION_STORE_UNAVAILABLE (503, Retry-After)', async () => {
    const store = createSessionStore({ redis: dead, prefix: PREFIX, cipher, idleTimeoutMs: IDLE, absoluteLifetimeMs: ABSOLUTE });
    const id = randomBytes(32).toString('base64url');
    const operations: [string, () => Promise<unknown>][] = [
      ['create', () => store.create(newSession())],
      ['get', () => store.get(id)],
      ['replaceTokens', () => store.replaceTokens(id, { access: 'x' }, 0)],
      ['delete', () => store.delete(id)],
      ['deleteWhere', () => store.deleteWhere({ sub: 'u_1' })],
      ['list', () => store.list({ sub: 'u_1' })],
      ['refreshOnce', () => store.refreshOnce(id, async () => undefined)],
    ];
    for (const [name, operation] of operations) {
      const started = Date.now();
      const error = await operation().then(() => new Error(`${name} succeeded`), (e: unknown) => e);
      expect(Date.now() - started, name).toBeLessThan(500);
      expect((error as { extensions?: unknown }).extensions, name).toEqual({ code: 'SESSION_STORE_UNAVAILABLE', http: { status: 503, headers: { 'retry-after': '2' } } });
    }
    // A malformed id is still just "no session": nothing to ask Redis.
    expect(await store.get('garbage')).toBeUndefined();
  });
});
