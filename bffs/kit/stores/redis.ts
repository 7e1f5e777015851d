import { createClient } from 'redis';
import type { Logger } from 'pino';

/** Far above a healthy Redis round trip on a LAN, far below any BFF deadline. */
export const COMMAND_TIMEOUT_MS = 100;
/**
 * Commands sent and not yet answered, past which new ones fail at once ("The queue is full"): a
 * Redis that stalls with its socket up must not collect every request's commands meanwhile.
 */
const MAX_PENDING_COMMANDS = 1_000;

export type RedisClient = ReturnType<typeof createRedisClient>;

const createRedisClient = (url: string) =>
  createClient({
    url,
    disableOfflineQueue: true,
    // node-redis times a command out only while it waits to be written (redis/node-redis#3008):
    // once sent, it waits for the reply for ever. So each store bounds its own calls
    // (`withinDeadline`); this still bounds the wait to be written.
    commandOptions: { timeout: COMMAND_TIMEOUT_MS },
    commandsQueueMaxLength: MAX_PENDING_COMMANDS,
    socket: { connectTimeout: 1_000, reconnectStrategy: (retries: number) => Math.min(100 * 2 ** retries, 2_000) },
  });

/**
 * The process's one Redis connection (node-redis), shared by every store that replicas share.
 * Commands fail at once while the connection is down (no offline queue): a store then falls back
 * to its in-process default instead of holding requests until Redis returns. It reconnects on its
 * own, and the outage and the recovery are each logged once.
 */
export function connectRedis(url: string, logger: Logger): RedisClient {
  const client = createRedisClient(url);
  let down = false;
  client.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.warn({ err: error, redis: redact(url) }, 'Redis is unavailable: shared stores fall back to in-process ones');
  });
  client.on('ready', () => {
    if (down) logger.info({ redis: redact(url) }, 'Redis is back: shared stores use it again');
    down = false;
  });
  // Not awaited: a BFF starts and serves (on its fallbacks) while Redis is still out of reach.
  client.connect().catch(() => undefined);
  return client;
}

/**
 * `operation`'s outcome, or a rejection once `ms` have passed: what makes a Redis that stalls
 * (SIGSTOP, a full disk, a long Lua script, a partition without a reset) look like one that is
 * down, so each store falls back within the deadline instead of holding the request. The reply
 * that comes later is still read in order by node-redis, and dropped.
 */
export function withinDeadline<T>(operation: Promise<T>, ms = COMMAND_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    // Rejected after the next poll phase, not in the timer's: when our own event loop was what
    // stalled, a reply already in the socket's buffer is read first and wins.
    timer = setTimeout(() => setImmediate(() => reject(new Error(`Redis did not answer within ${ms} ms`))), ms);
  });
  return Promise.race([operation, late]).finally(() => clearTimeout(timer));
}

/** How long closing waits for Redis to answer the commands already sent. */
const CLOSE_WAIT_MS = 1_000;

/**
 * Closes the connection, whatever state it is in. A ready one is closed gracefully: node-redis's
 * `close()` (QUIT's successor; Redis 7.2 deprecates the QUIT command itself) writes what is
 * queued and waits for every reply, so the last requests' writes (sessions, cache entries) land.
 * A Redis that stalls gets `CLOSE_WAIT_MS`, then the socket is destroyed.
 */
export async function closeRedis(client: RedisClient, waitMs = CLOSE_WAIT_MS): Promise<void> {
  // While reconnecting there is no socket to flush on, and waiting would never settle.
  if (!client.isReady) return client.destroy();
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<'stalled'>((resolve) => (timer = setTimeout(resolve, waitMs, 'stalled')));
  const outcome = await Promise.race([client.close().catch(() => 'failed' as const), stalled]);
  clearTimeout(timer);
  if (outcome !== undefined) client.destroy();
}

const redact = (url: string) => url.replace(/\/\/[^@/]*@/, '//***@');
