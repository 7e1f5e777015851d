import { once } from 'node:events';
import { pino } from 'pino';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedis, connectRedis } from '../../bffs/kit/stores/redis.ts';
import { startOwnRedis, type OwnRedis } from '../support/redis-server.ts';

/**
 * closeRedis, the last step of a shutdown: the writes the last requests sent (not awaited, as
 * cache writes are not) reach Redis before the connection goes; a stalled Redis holds the
 * shutdown 1 s at most, and one that is down not at all.
 */

let redis: OwnRedis;
const silent = pino({ level: 'silent' });

async function connected(url: string) {
  const client = connectRedis(url, silent);
  if (!client.isReady) await once(client, 'ready');
  return client;
}

beforeAll(async () => {
  redis = await startOwnRedis();
});
afterAll(() => redis?.close());

describe('closeRedis', () => {
  it('flushes the commands already sent: every write lands', async () => {
    const client = await connected(redis.url);
    for (let i = 0; i < 500; i++) void client.set(`close-test:${i}`, String(i));
    await closeRedis(client);
    const inspect = createClient({ url: redis.url });
    await inspect.connect();
    try {
      expect((await inspect.keys('close-test:*')).length).toBe(500);
    } finally {
      await inspect.close();
    }
  });

  it('a stalled Redis holds it 1 s at most; a Redis that is down, not at all', async () => {
    const stalled = await connected(redis.url);
    redis.pause();
    try {
      void stalled.get('anything').catch(() => undefined);
      const started = performance.now();
      await closeRedis(stalled);
      expect(performance.now() - started).toBeLessThan(1_500);
    } finally {
      redis.resume();
    }

    const down = await connected(redis.url);
    await redis.kill();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = performance.now();
    await closeRedis(down);
    expect(performance.now() - started).toBeLessThan(100);
    await redis.start();
  });
});
