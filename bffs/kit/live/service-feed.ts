import { Agent, request } from 'undici';
import type { Logger } from 'pino';
import type { DownstreamUrls } from '../core/services.ts';
import { EventsExpired, type EventFeed, type EventTail, type ServiceEvent } from './feed.ts';

/** The services send a comment every 15 s: a tail silent for this long is dead, and reconnects. */
const SILENT_TAIL_MS = 45_000;
const REPLAY_TIMEOUT_MS = 2_000;

/**
 * The services' own feeds, with no configuration (`npm start`): each publishing service serves
 * `GET /events?after=` (every user's events, as Server-Sent Events) and `GET /events/{userId}?after=`
 * (one user's, as JSON). One tail per topic per replica.
 *
 * The SSE is read by hand (lines `id:` and `data:`): the services' framing is one `id`, one
 * `event` and one `data` line per event, and an EventSource client would add a dependency and
 * its own reconnection, while this one must reconnect from the last id it saw.
 */
export function serviceEventFeed(urls: DownstreamUrls, logger: Logger): EventFeed {
  const dispatcher = new Agent({ connections: 8, bodyTimeout: SILENT_TAIL_MS, headersTimeout: REPLAY_TIMEOUT_MS });
  const tails = new Set<EventTail>();

  return {
    async replay(topic, userId, after) {
      const url = `${urls[topic]}/events/${encodeURIComponent(userId)}?after=${encodeURIComponent(after)}`;
      const response = await request(url, { dispatcher, signal: AbortSignal.timeout(REPLAY_TIMEOUT_MS) });
      const body = await response.body.text();
      if (response.statusCode === 410) throw new EventsExpired(`${topic} no longer keeps events after ${after}`);
      if (response.statusCode !== 200) throw new Error(`${topic} answered ${response.statusCode} to its events`);
      return (JSON.parse(body) as { events: ServiceEvent[] }).events;
    },

    tail(topic, onEvent) {
      let stopped = false;
      let lastId: string | undefined;
      let controller: AbortController | undefined;
      const log = logger.child({ component: 'live', topic });
      let following!: () => void;
      const ready = new Promise<void>((resolve) => (following = resolve));

      const run = async () => {
        let failures = 0;
        while (!stopped) {
          controller = new AbortController();
          try {
            const query = lastId ? `?after=${encodeURIComponent(lastId)}` : '';
            const response = await request(`${urls[topic]}/events${query}`, { dispatcher, signal: controller.signal, headers: { accept: 'text/event-stream' } });
            if (response.statusCode === 410) {
              // Down longer than the services keep events: what was missed meanwhile is gone.
              log.warn({ after: lastId }, 'events: the feed no longer has events after the last one seen; following from now');
              lastId = undefined;
              await response.body.dump();
              continue;
            }
            if (response.statusCode !== 200) throw new Error(`${topic} answered ${response.statusCode} to its feed`);
            following();
            if (failures > 0) log.info('events: the feed is back');
            failures = 0;
            let pending = '';
            for await (const chunk of response.body) {
              pending += (chunk as Buffer).toString('utf8');
              let end: number;
              while ((end = pending.indexOf('\n\n')) >= 0) {
                const message = pending.slice(0, end);
                pending = pending.slice(end + 2);
                const event = eventOf(message);
                if (!event) continue;
                lastId = event.id;
                onEvent(event);
              }
            }
          } catch (error) {
            if (stopped) return;
            if (failures++ === 0) log.warn({ err: error }, 'events: the feed failed; reconnecting from the last event seen');
          }
          if (!stopped) await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** Math.min(failures, 5), 2_000)));
        }
      };
      void run();
      const tail: EventTail = {
        ready,
        stop() {
          stopped = true;
          controller?.abort();
          tails.delete(tail);
        },
      };
      tails.add(tail);
      return tail;
    },

    async close() {
      for (const tail of [...tails]) tail.stop();
      await dispatcher.close();
    },
  };
}

/** One SSE message: `id: <id>` and `data: <json>`; comments (`: keep-alive`) and others are skipped. */
function eventOf(message: string): ServiceEvent | undefined {
  let id: string | undefined;
  let data = '';
  for (const line of message.split('\n')) {
    if (line.startsWith('id:')) id = line.slice(3).trim();
    else if (line.startsWith('data:')) data += line.slice(5).trim();
  }
  if (!id || !data) return undefined;
  return { ...(JSON.parse(data) as Omit<ServiceEvent, 'id'>), id } as ServiceEvent;
}
