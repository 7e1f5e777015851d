/**
 * One system's server, started the way every entry point of the suite starts it: ready once it
 * answers its own MobileHome body with 200, and, for a system whose limiter spends in Redis,
 * only once a home is seen to spend there. `stop` also removes the Redis keys it spent.
 */
import { fetchHome } from './home.ts';
import { startServer, stop, type Pinning, type Server, type ServerExtras, type Urls } from './processes.ts';
import { assertSpendsInRedis, clearBenchKeys } from './redis.ts';
import type { System } from './systems.ts';

export interface SystemServer extends Server {
  stop(): Promise<void>;
}

export async function startSystem(system: System, urls: Urls, pinning: Pinning, token: string, extras: Omit<ServerExtras, 'env'> = {}): Promise<SystemServer> {
  const { redisUrl } = system;
  if (redisUrl) await clearBenchKeys(redisUrl);
  const ready = async (url: string) => (await fetchHome(url, token, system.body)).status === 200;
  const server = await startServer(system.name, system.entry, urls, pinning, ready, { ...extras, env: system.env, nodeFlags: [...(system.nodeFlags ?? []), ...(extras.nodeFlags ?? [])] });
  const stopSystem = async () => {
    await stop(server.child);
    if (redisUrl) await clearBenchKeys(redisUrl);
  };
  if (redisUrl) {
    try {
      await assertSpendsInRedis(redisUrl, system.name, async () => {
        const { status } = await fetchHome(server.url, token, system.body);
        if (status !== 200) throw new Error(`${system.name}: MobileHome answered ${status} while checking its Redis limiter`);
      });
    } catch (error) {
      await stopSystem();
      throw error;
    }
  }
  return { ...server, stop: stopSystem };
}
