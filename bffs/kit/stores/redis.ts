import { createClient } from 'redis';
import type { Logger } from 'pino';

/** Far above a healthy Redis round trip on a LAN, far below any BFF deadline. */
const COMMAND_TIMEOUT_MS = 100;

export type RedisClient = ReturnType<typeof createRedisClient>;

const createRedisClient = (url: string) =>
  createClient({
    url,
    disableOfflineQueue: true,
    // A Redis that stalls with its socket up must not hold requests either: a spend that has not
    // answered in this long fails, and the store falls back (rate-limiter.ts).
    commandOptions: { timeout: COMMAND_TIMEOUT_MS },
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

/** Closes the connection, whatever state it is in. */
export async function closeRedis(client: RedisClient): Promise<void> {
  // While reconnecting there is no socket to send QUIT on, and it would never settle.
  if (client.isReady) await client.close().catch(() => client.destroy());
  else client.destroy();
}

const redact = (url: string) => url.replace(/\/\/[^@/]*@/, '//***@');
