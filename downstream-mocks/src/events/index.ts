import { createMemoryLog } from './memory-log.ts';
import { connectEventsRedis, createRedisLog } from './redis-log.ts';
import { eventSettingsFromEnv, type EventLog, type EventService, type EventSettings } from './log.ts';

export { eventRoutes } from './routes.ts';
export type { EventLog, EventService, EventSettings } from './log.ts';

/** Every publishing service's log, on one backend: Redis Streams with REDIS_URL, else memory. */
export interface EventLogs {
  settings: EventSettings;
  logOf(service: EventService): EventLog;
  close(): Promise<void>;
}

export async function createEventLogs(env: NodeJS.ProcessEnv): Promise<EventLogs> {
  const settings = eventSettingsFromEnv(env);
  const redis = env.REDIS_URL ? connectEventsRedis(env.REDIS_URL) : undefined;
  // Started without a reachable Redis, the mocks would accept writes they cannot publish.
  await redis?.connect().catch((error: Error) => {
    throw new Error(`REDIS_URL: cannot connect to Redis at ${env.REDIS_URL!.replace(/\/\/[^@/]*@/, '//***@')} (${error.message})`);
  });
  const logs = new Map<EventService, EventLog>();
  return {
    settings,
    logOf(service) {
      let log = logs.get(service);
      if (!log) logs.set(service, (log = redis ? createRedisLog(redis, service, settings) : createMemoryLog(settings)));
      return log;
    },
    async close() {
      await Promise.all([...logs.values()].map((log) => log.close()));
      if (redis?.isReady) await redis.close();
      else redis?.destroy();
    },
  };
}
