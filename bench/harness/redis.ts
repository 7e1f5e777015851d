/**
 * concierge-redis keeps its rate-limit spends in a real Redis. The limiter falls back to an
 * in-process one, silently as far as the answers go, whenever Redis is out of reach
 * (bffs/kit/stores/rate-limiter.ts), so the suite checks that the spends really land in Redis
 * before it times anything: else "the limiter on Redis" would be the memory store under another name.
 *
 * The keys are the perimeter's own, in a Redis others use too (test/perimeter/redis-rate-limit.test.ts
 * shares the address's key): the suite deletes the ones its viewer and address spent, before the
 * server starts and after it stops, and touches nothing else.
 */
import { createClient } from 'redis';
import { VIEWER } from './home.ts';

/** The mobile perimeter's keys (bffs/kit/perimeter/index.ts) that the suite's requests spend. */
const BENCH_KEYS = [
  `concierge:rate:mobile:viewer:${VIEWER}`,
  // The address as the server's socket sees the generator (127.0.0.1, or IPv4-mapped on a dual-stack listener).
  'concierge:rate:mobile:ip:127.0.0.1',
  'concierge:rate:mobile:ip:::ffff:127.0.0.1',
];

const probe = (url: string) => createClient({ url, socket: { connectTimeout: 1_000, reconnectStrategy: false } });

async function withRedis<T>(url: string, use: (client: ReturnType<typeof probe>) => Promise<T>): Promise<T> {
  const client = probe(url);
  client.on('error', () => undefined); // connect() rejects with it
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`Redis does not answer at ${url} (${(error as Error).message}): concierge-redis needs it (.ci/run starts one)`);
  }
  try {
    return await use(client);
  } finally {
    await client.quit().catch(() => client.destroy());
  }
}

/** Deletes the suite's rate-limit keys, so each server starts from a fresh window and leaves none behind. */
export const clearBenchKeys = (url: string) => withRedis(url, async (client) => void (await client.del(BENCH_KEYS)));

/** Sends one home and throws unless the viewer's spend grew in Redis. */
export async function assertSpendsInRedis(url: string, name: string, sendHome: () => Promise<void>): Promise<void> {
  await withRedis(url, async (client) => {
    const spent = async () => Number((await client.get(BENCH_KEYS[0]!)) ?? 0);
    const before = await spent();
    await sendHome();
    const after = await spent();
    if (!(after > before)) {
      throw new Error(`${name}: a home did not spend in Redis at ${url} (${BENCH_KEYS[0]} stayed at ${before}): its limiter is on its in-process fallback`);
    }
  });
}
