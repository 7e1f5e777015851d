import { createClient } from 'redis';
import { HttpError } from '../http/errors.ts';
import { formatId, parseId, type ChangeEvent, type EventLog, type EventSettings, type StoredEvent, type Tail } from './log.ts';

export type RedisClient = ReturnType<typeof connectEventsRedis>;

/**
 * The mocks' one connection to Redis (node-redis, the project's client). The first connection
 * must succeed (the mocks refuse to start rather than accept changes they cannot publish); after
 * it, node-redis reconnects on its own and an outage is logged once. No offline queue: while
 * Redis is down a call fails at once (503 EVENTS_UNAVAILABLE) instead of waiting.
 */
export function connectEventsRedis(url: string) {
  let connected = false;
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: 2_000,
      reconnectStrategy: (retries: number, cause: Error) => (connected ? Math.min(100 * 2 ** retries, 2_000) : cause),
    },
  });
  let down = false;
  client.on('error', (error: Error) => {
    if (connected && !down) console.error(`[mocks] Redis at ${url.replace(/\/\/[^@/]*@/, '//***@')} is unavailable: ${error.message}`);
    down = true;
  });
  client.on('ready', () => {
    connected = true;
    down = false;
  });
  return client;
}

/**
 * Both appends in one script, so a user's stream holds exactly the global stream's ids: the
 * global XADD makes the id (`*`), the user's XADD reuses it, and the user's stream expires after
 * twice the retention without a write. KEYS: global stream, user stream. ARGV: MINID (ms),
 * event JSON, user stream TTL (ms).
 */
const APPEND = `
local id = redis.call('XADD', KEYS[1], 'MINID', '~', ARGV[1], '*', 'e', ARGV[2])
redis.call('XADD', KEYS[2], 'MINID', '~', ARGV[1], id, 'e', ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return id`;

/** Entries returned per XREAD of a tail. */
const READ_COUNT = 1_000;

/**
 * A service's events in Redis Streams (REDIS_URL set): `<prefix><service>` holds every user's
 * events, `<prefix><service>:user:<userId>` one user's, each entry a field `e` with the event's
 * JSON. MINID trims both to the retention window (approximately: `~` lets Redis trim whole
 * nodes, so reads drop what is older than the window themselves). Each tail blocks in XREAD on
 * a connection of its own, duplicated from `redis`.
 */
export function createRedisLog(redis: RedisClient, service: string, { retentionMs, prefix }: EventSettings): EventLog {
  const globalKey = `${prefix}${service}`;
  const userKey = (userId: string) => `${globalKey}:user:${userId}`;
  const tails = new Set<Tail>();
  const visible = (entries: { id: string; message: Record<string, string> }[]): StoredEvent[] => {
    const cutoffMs = Date.now() - retentionMs;
    return entries.filter((e) => parseId(e.id)!.ms >= cutoffMs).map((e) => ({ id: e.id, json: e.message.e! }));
  };

  return {
    get openTails() {
      return tails.size;
    },

    append: (event: ChangeEvent) =>
      unlessDown(async () => {
        const at = Date.now();
        const json = JSON.stringify({ ...event, at });
        const args = [String(at - retentionMs), json, String(2 * retentionMs)];
        return String(await redis.eval(APPEND, { keys: [globalKey, userKey(event.userId)], arguments: args }));
      }),

    readUser: (userId, after) => unlessDown(async () => visible((await redis.xRange(userKey(userId), after ? `(${formatId(after)}` : '-', '+')) ?? [])),

    async openTail(after) {
      // The position is fixed before the answer starts: an event written once the client sees
      // the headers comes after it, which XREAD's `$` (read at the first XREAD) would not promise.
      let position = after ? formatId(after) : await unlessDown(async () => (await redis.xRevRange(globalKey, '+', '-', { COUNT: 1 }))?.[0]?.id ?? '0-0');
      // Never reconnected: a broken tail ends its stream, and the client resumes with `after`.
      const connection = redis.duplicate({ socket: { connectTimeout: 2_000, reconnectStrategy: false } });
      connection.on('error', () => undefined);
      await unlessDown(() => connection.connect());
      let stopped = false;
      const tail: Tail = {
        start(deliver, fail) {
          void (async () => {
            while (!stopped) {
              const reply = await connection.xRead({ key: globalKey, id: position }, { BLOCK: 0, COUNT: READ_COUNT });
              const entries = reply?.[0]?.messages ?? [];
              if (entries.length === 0) continue;
              position = entries.at(-1)!.id;
              const events = visible(entries);
              if (events.length > 0 && !stopped) deliver(events);
            }
          })().catch((error: unknown) => {
            if (!stopped) fail(error);
          });
        },
        stop() {
          if (stopped) return;
          stopped = true;
          tails.delete(tail);
          connection.destroy();
        },
      };
      tails.add(tail);
      return tail;
    },

    async close() {
      for (const tail of [...tails]) tail.stop();
    },
  };
}

async function unlessDown<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof HttpError) throw error;
    console.error(`[mocks] the event log (Redis) failed: ${(error as Error).message}`);
    throw new HttpError(503, 'EVENTS_UNAVAILABLE', 'the event log is unavailable; retry');
  }
}
