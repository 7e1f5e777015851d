import type { RouteDefinition } from '../http/router.ts';
import { checkAfter, type EventLog, type EventSettings, type StoredEvent } from './log.ts';

/** Past this much unsent output a tail's client is too slow: its stream is ended, it resumes with `after`. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

const message = ({ id, json }: StoredEvent) => `id: ${id}\nevent: change\ndata: ${json}\n\n`;

/**
 * A service's event feed over HTTP, for a BFF without Redis on the same machine: `GET /events`
 * tails every user's events as Server-Sent Events, `GET /events/{userId}` lists one user's
 * retained events. Public (the service's internal feed), counted, never delayed or faulted.
 */
export function eventRoutes(log: EventLog, { retentionMs, keepAliveMs }: EventSettings): RouteDefinition[] {
  return [
    {
      method: 'GET',
      path: '/events',
      public: true,
      unfaulted: true,
      raw: async (req, res, { query }) => {
        // Refusals (400, 410, 503) are thrown before the headers, and answered as any route's.
        const tail = await log.openTail(checkAfter(query.get('after'), retentionMs));
        if (req.socket.destroyed) return tail.stop(); // the client left while the tail was opened
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', 'x-accel-buffering': 'no' });
        res.flushHeaders();
        const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), keepAliveMs);
        const end = () => {
          clearInterval(keepAlive);
          tail.stop();
          res.end();
        };
        res.once('close', end);
        tail.start(
          (events) => {
            res.write(events.map(message).join(''));
            if (res.writableLength > MAX_BUFFERED_BYTES) res.destroy();
          },
          (error) => {
            console.error(`[mocks] an event tail ended: ${(error as Error).message}`);
            end();
          },
        );
      },
    },
    {
      method: 'GET',
      path: '/events/{userId}',
      public: true,
      unfaulted: true,
      handler: async ({ params, query }) => {
        const events = await log.readUser(params.userId!, checkAfter(query.get('after'), retentionMs));
        return { events: events.map(({ id, json }) => ({ id, ...JSON.parse(json) })) };
      },
    },
  ];
}
