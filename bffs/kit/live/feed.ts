/**
 * Where a BFF reads the services' events from (README: Live updates). The services that own the
 * data publish its changes (my-list, continue-watching, notifications); a BFF never makes one up.
 *  - service-feed.ts: each service's own HTTP feed (`GET /events`), with no configuration;
 *  - redis-feed.ts: the Redis Streams the services append to, with REDIS_URL.
 */

/** The services that publish events; each subscription field follows one of them. */
export const EVENT_TOPICS = ['my-list', 'continue-watching', 'notifications'] as const;
export type EventTopic = (typeof EVENT_TOPICS)[number];

/** One change, as the service wrote it: its id, the user it belongs to, when, and the service's own fields. */
export interface ServiceEvent {
  id: string;
  userId: string;
  /** ms since the epoch, when the service wrote it. */
  at: number;
  [field: string]: unknown;
}

export interface EventFeed {
  /** One user's events of `topic` after `after`, oldest first. Throws `EventsExpired` when `after` is past the retention window. */
  replay(topic: EventTopic, userId: string, after: string): Promise<ServiceEvent[]>;
  /**
   * Every user's events of `topic` from now on, in order, to `onEvent`: one reader per topic per
   * replica, which reconnects on its own from the last id it saw, so none is skipped.
   */
  tail(topic: EventTopic, onEvent: (event: ServiceEvent) => void): EventTail;
  close(): Promise<void>;
}

export interface EventTail {
  /** Resolves once the tail follows the topic: every event written from then on reaches `onEvent`. */
  ready: Promise<void>;
  stop(): void;
}

/** `after` is older than the retention window: what was missed is gone, the app refetches its state. */
export class EventsExpired extends Error {}

/** How long events are kept for resuming: the services' `EVENTS_RETENTION_MS`, 15 minutes unless set. */
export const DEFAULT_EVENTS_RETENTION_MS = 15 * 60_000;
