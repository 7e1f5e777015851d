import { concierge } from '../errors.ts';
import { compareEventIds, parseEventId, writtenAt } from './event-ids.ts';
import { EVENT_TOPICS, EventsExpired, type EventFeed, type EventTopic, type ServiceEvent } from './feed.ts';

/** Events a subscriber may have waiting before it is cut off as too slow (SLOW_CONSUMER). */
export const DEFAULT_MAX_QUEUED_EVENTS = 256;
/** How long a subscription waits for its topic's feed to be followed before it fails. */
const FEED_READY_MS = 3_000;

export interface LiveEventsOptions {
  feed: EventFeed;
  maxQueued?: number;
  /** Each event handed to a subscriber, with the ms since the service wrote it (the delivery histogram). */
  onDelivered?: (topic: EventTopic, delayMs: number) => void;
  /** Each event as it arrives from the feed, with the ms since the service wrote it (the feed's share of that delay). */
  onArrived?: (topic: EventTopic, delayMs: number) => void;
}

/** One viewer's events, bound to the verified viewer: a resolver cannot name another user. */
export interface ViewerLiveEvents {
  /**
   * The viewer's events of `topic`: those after `after` first (replayed, in order), then each
   * new one as the service writes it, none twice. Fails with EVENTS_EXPIRED when `after` is past
   * the retention window, BAD_USER_INPUT when it is not an event id.
   */
  follow(topic: EventTopic, after: string | undefined): Promise<AsyncIterableIterator<ServiceEvent>>;
}

/**
 * The replica's live events (README: Live updates): one tail per topic on the feed, started by
 * the first subscriber, and every event handed to the subscriptions of its user on this replica.
 * A subscription's queue is bounded: a consumer that falls behind by `maxQueued` events is ended
 * with SLOW_CONSUMER (the socket closes with 4008), and resumes with `after` when it reconnects.
 */
export function createLiveEvents({ feed, maxQueued = DEFAULT_MAX_QUEUED_EVENTS, onDelivered, onArrived }: LiveEventsOptions) {
  const tails = new Map<EventTopic, { ready: Promise<void>; stop(): void }>();
  const followers = new Map<string, Set<Follower>>();
  const keyOf = (topic: EventTopic, userId: string) => `${topic}\u0000${userId}`;

  function tailOf(topic: EventTopic) {
    let tail = tails.get(topic);
    if (!tail) {
      tail = feed.tail(topic, (event) => {
        onArrived?.(topic, Date.now() - writtenAt(event.id));
        const waiting = followers.get(keyOf(topic, event.userId));
        if (waiting) for (const follower of waiting) follower.push(event);
      });
      tails.set(topic, tail);
    }
    return tail;
  }

  function forViewer(userId: string): ViewerLiveEvents {
    return {
      async follow(topic, after) {
        if (!EVENT_TOPICS.includes(topic)) throw new Error(`no events of ${topic}`);
        if (after !== undefined && !parseEventId(after)) throw concierge('BAD_USER_INPUT', '`after` is not an event id: pass the `eventId` of an event this subscription sent.', { argument: 'after' });
        await withinMs(tailOf(topic).ready, FEED_READY_MS, () => concierge('DOWNSTREAM_UNAVAILABLE', `The ${topic} events cannot be followed right now.`, { service: topic }));

        // Listening before the replay is read, so an event written meanwhile is in one or the other (or both: dropped by id).
        const key = keyOf(topic, userId);
        const follower = new Follower(topic, maxQueued, onDelivered, () => {
          const set = followers.get(key);
          set?.delete(follower);
          if (set?.size === 0) followers.delete(key);
        });
        let set = followers.get(key);
        if (!set) followers.set(key, (set = new Set()));
        set.add(follower);
        if (after === undefined) return follower;
        try {
          follower.replay(after, await feed.replay(topic, userId, after));
        } catch (error) {
          follower.end();
          if (error instanceof EventsExpired) {
            throw concierge('EVENTS_EXPIRED', `Events after ${after} are no longer kept: refetch the state, then subscribe without \`after\`.`, { after });
          }
          throw concierge('DOWNSTREAM_UNAVAILABLE', `The ${topic} events missed since ${after} cannot be read right now.`, { service: topic });
        }
        return follower;
      },
    };
  }

  return {
    forViewer,
    /** Subscriptions open on this replica, by topic (a gauge). */
    open(): Record<EventTopic, number> {
      const counts = Object.fromEntries(EVENT_TOPICS.map((topic) => [topic, 0])) as Record<EventTopic, number>;
      for (const [key, set] of followers) counts[key.split('\u0000')[0] as EventTopic] += set.size;
      return counts;
    },
    async close() {
      for (const tail of tails.values()) tail.stop();
      tails.clear();
      for (const set of followers.values()) for (const follower of set) follower.end();
      await feed.close();
    },
  };
}

export type LiveEvents = ReturnType<typeof createLiveEvents>;

/** One subscription's events, as an async iterator: a bounded queue and at most one waiting `next()`. */
class Follower implements AsyncIterableIterator<ServiceEvent> {
  private queue: ServiceEvent[] = [];
  private waiting: ((result: IteratorResult<ServiceEvent>) => void) | undefined;
  /** The newest id queued or sent: anything at or before it is a duplicate (the replay's overlap with the tail). */
  private last: string | undefined;
  private ended = false;
  private overflowed = false;

  constructor(
    private readonly topic: EventTopic,
    private readonly maxQueued: number,
    private readonly onDelivered: LiveEventsOptions['onDelivered'],
    private readonly unregister: () => void,
  ) {}

  /** The replayed events go first: the live ones that came meanwhile are kept after them, duplicates dropped. */
  replay(after: string, events: readonly ServiceEvent[]): void {
    const live = this.queue;
    this.queue = [];
    this.last = after;
    for (const event of [...events, ...live]) this.push(event);
  }

  push(event: ServiceEvent): void {
    if (this.ended || this.overflowed) return;
    if (this.last !== undefined && compareEventIds(event.id, this.last) <= 0) return;
    this.last = event.id;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      this.delivered(event);
      resolve({ value: event, done: false });
      return;
    }
    if (this.queue.length >= this.maxQueued) {
      this.overflowed = true;
      this.queue = [];
      this.unregister();
      return;
    }
    this.queue.push(event);
  }

  next(): Promise<IteratorResult<ServiceEvent>> {
    const event = this.queue.shift();
    if (event) {
      this.delivered(event);
      return Promise.resolve({ value: event, done: false });
    }
    if (this.overflowed) {
      this.overflowed = false; // said once; the iterator is done after it
      this.end();
      return Promise.reject(concierge('SLOW_CONSUMER', `More than ${this.maxQueued} events waited for this subscription: it was ended. Subscribe again with \`after\` set to the last eventId received.`, { max: this.maxQueued }));
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<ServiceEvent>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.queue = [];
    this.unregister();
    const resolve = this.waiting;
    this.waiting = undefined;
    resolve?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  private delivered(event: ServiceEvent) {
    this.onDelivered?.(this.topic, Date.now() - writtenAt(event.id));
  }
}

function withinMs<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(error()), ms)))]).finally(() => clearTimeout(timer));
}
