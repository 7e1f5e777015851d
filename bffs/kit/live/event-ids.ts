/**
 * Event ids are Redis stream ids, `<ms>-<seq>`: the services' in-memory logs make them in the same
 * form (downstream-mocks), so an id means the same on either backend, and its first part is the
 * moment the service wrote the event.
 */
const EVENT_ID = /^(\d{1,15})-(\d{1,15})$/;

export interface EventId {
  ms: number;
  seq: number;
}

/** The id, or undefined when it is not one. */
export function parseEventId(text: string): EventId | undefined {
  const match = EVENT_ID.exec(text);
  return match ? { ms: Number(match[1]), seq: Number(match[2]) } : undefined;
}

/** Negative when a comes first. */
export function compareEventIds(a: string, b: string): number {
  const x = parseEventId(a)!;
  const y = parseEventId(b)!;
  return x.ms - y.ms || x.seq - y.seq;
}

/** The moment the service wrote the event (its id's first part). */
export const writtenAt = (id: string): number => parseEventId(id)?.ms ?? Number.NaN;
