import { progressPercent, type ServiceEvent } from '../../kit/index.ts';
import type { MyListEvent, NotificationsEvent, ProgressEvent } from '../generated/resolvers.generated.ts';

/** What my-list publishes on a PUT or DELETE that changed the list. */
export const toMyListEvent = (event: ServiceEvent): MyListEvent => ({
  eventId: event.id,
  contentId: String(event.contentId),
  inMyList: event.inMyList === true,
});

/** What continue-watching publishes when playback reports progress: the percent as the home rows show it. */
export const toProgressEvent = (event: ServiceEvent): ProgressEvent => ({
  eventId: event.id,
  contentId: String(event.contentId),
  progressPercent: progressPercent(Number(event.progressSeconds), Number(event.totalSeconds)),
});

/** What notifications publishes when a notification arrives or the viewer reads them. */
export const toNotificationsEvent = (event: ServiceEvent): NotificationsEvent => ({
  eventId: event.id,
  unreadCount: Math.max(0, Math.trunc(Number(event.unreadCount)) || 0),
});
