import type { Logger } from 'pino';
import type { RedisClient } from '../stores/redis.ts';
import { parseEventId } from './event-ids.ts';
import { EventsExpired, type EventFeed, type ServiceEvent } from './feed.ts';

/** A blocking read returns at least this often, so a stopped tail ends within it. */
const BLOCK_MS = 2_000;
const READ_COUNT = 500;
/** A replay reads at most this many events; a viewer who missed more refetches (EVENTS_EXPIRED). */
const MAX_REPLAY = 10_000;

export interface RedisFeedOptions {
  redis: RedisClient;
  logger: Logger;
  /** The services' `EVENTS_PREFIX`: `concierge:events:` unless set. */
  prefix: string;
  /** The services' `EVENTS_RETENTION_MS`: an `after` older than this is expired. */
  retentionMs: number;
  now?: () => number;
}

/**
 * The Redis Streams the services append to, with REDIS_URL (downstream-mocks: one Lua script
 * writes `<prefix><service>`, every user's, and `<prefix><service>:user:<userId>`, one user's, under
 * one id). Each replica tails every topic's whole stream on its own connection (a blocking XREAD
 * would hold the shared one), so it gets every event, whichever replica holds the viewer's socket;
 * a replay reads the one user's stream.
 */
export function redisEventFeed({ redis, logger, prefix, retentionMs, now = Date.now }: RedisFeedOptions): EventFeed {
  const readers = new Set<RedisClient>();

  return {
    async replay(topic, userId, after) {
      if (parseEventId(after)!.ms < now() - retentionMs) throw new EventsExpired(`${topic} keeps events for ${retentionMs} ms`);
      const reply = (await redis.sendCommand(['XRANGE', `${prefix}${topic}:user:${userId}`, `(${after}`, '+', 'COUNT', String(MAX_REPLAY + 1)])) as RawEntry[];
      if (reply.length > MAX_REPLAY) throw new EventsExpired(`more than ${MAX_REPLAY} events were missed`);
      return reply.map(eventOf);
    },

    tail(topic, onEvent) {
      const log = logger.child({ component: 'live', topic });
      const reader = redis.duplicate();
      readers.add(reader);
      reader.on('error', () => undefined); // the loop below says what failed, once
      let stopped = false;
      // From the stream's newest id when the tail starts (not `$`, which would skip what is written
      // between two reads), then from the last id seen, so nothing is skipped, failures included.
      let lastId: string | undefined;
      let following!: () => void;
      const ready = new Promise<void>((resolve) => (following = resolve));
      const run = async () => {
        let failures = 0;
        while (!stopped) {
          try {
            if (!reader.isOpen) await reader.connect();
            if (lastId === undefined) {
              lastId = await newestId(reader, `${prefix}${topic}`);
              following();
            }
            // node-redis answers XREAD as { [stream]: entries } (null when the block timed out).
            const reply = (await reader.sendCommand(['XREAD', 'COUNT', String(READ_COUNT), 'BLOCK', String(BLOCK_MS), 'STREAMS', `${prefix}${topic}`, lastId])) as Record<string, RawEntry[]> | null;
            for (const entries of Object.values(reply ?? {})) {
              for (const entry of entries) {
                const event = eventOf(entry);
                lastId = event.id;
                onEvent(event);
              }
            }
            if (failures > 0) log.info('events: Redis is back');
            failures = 0;
          } catch (error) {
            if (stopped) return;
            if (failures++ === 0) log.warn({ err: error }, 'events: reading the stream failed; retrying from the last event seen');
            await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** Math.min(failures, 5), 2_000)));
          }
        }
      };
      void run();
      return {
        ready,
        stop() {
          stopped = true;
          readers.delete(reader);
          reader.destroy();
        },
      };
    },

    async close() {
      for (const reader of readers) reader.destroy();
      readers.clear();
    },
  };
}

type RawEntry = [id: string, fields: string[]];

function eventOf([id, fields]: RawEntry): ServiceEvent {
  const json = fields[fields.indexOf('e') + 1]!;
  return { ...(JSON.parse(json) as Omit<ServiceEvent, 'id'>), id } as ServiceEvent;
}

/** The stream's newest id, or `0-0` for a stream not written yet. */
async function newestId(reader: RedisClient, key: string): Promise<string> {
  const last = (await reader.sendCommand(['XREVRANGE', key, '+', '-', 'COUNT', '1'])) as RawEntry[];
  return last[0]?.[0] ?? '0-0';
}
