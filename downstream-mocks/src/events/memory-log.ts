import { compareIds, expired, formatId, type ChangeEvent, type EventId, type EventLog, type EventSettings, type StoredEvent, type Tail } from './log.ts';

interface Entry extends StoredEvent {
  key: EventId;
  userId: string;
}

/** Entries oldest first; dropping from the front is amortized O(1) (compacted once half is dropped). */
class Window {
  private items: Entry[] = [];
  private head = 0;

  get size() {
    return this.items.length - this.head;
  }

  first(): Entry | undefined {
    return this.items[this.head];
  }

  push(entry: Entry): void {
    this.items.push(entry);
  }

  shift(): Entry | undefined {
    const entry = this.items[this.head++];
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return entry;
  }

  /** The entries with an id after `after` (all without it), found by binary search. */
  after(after: EventId | undefined): Entry[] {
    let low = this.head;
    let high = this.items.length;
    while (after && low < high) {
      const mid = (low + high) >>> 1;
      if (compareIds(this.items[mid]!.key, after) <= 0) low = mid + 1;
      else high = mid;
    }
    return this.items.slice(low);
  }
}

interface UserLog {
  window: Window;
  /** The newest event dropped to keep at most `maxPerUser`: an `after` before it missed events. */
  droppedThrough?: EventId;
}

/**
 * A service's events in this process (no REDIS_URL): one log of every event and one per user,
 * sharing the entries, trimmed to the retention window on each append and to `maxPerUser` per user.
 * Ids are `<ms>-<seq>` as Redis makes them: the wall clock's ms, or the last one's while the clock
 * has not passed it, with a sequence within the ms. An `after` from before this log was made is
 * 410 as well: the events after it died with the previous process (a restart of the mocks).
 */
export function createMemoryLog({ retentionMs, maxPerUser }: EventSettings): EventLog {
  const all = new Window();
  const users = new Map<string, UserLog>();
  const listeners = new Set<(events: StoredEvent[]) => void>();
  let last: EventId = { ms: 0, seq: 0 };
  const startedMs = Date.now();
  const resumable = (after: EventId | undefined) => {
    if (after && after.ms < startedMs) throw expired(formatId(after), retentionMs);
    return after;
  };

  const trim = (cutoffMs: number) => {
    for (let entry = all.first(); entry && entry.key.ms < cutoffMs; entry = all.first()) {
      all.shift();
      const user = users.get(entry.userId);
      if (user?.window.first() === entry) user.window.shift();
      if (user?.window.size === 0) users.delete(entry.userId);
    }
  };
  const visible = (entries: Entry[], cutoffMs: number) => entries.filter((e) => e.key.ms >= cutoffMs);

  return {
    get openTails() {
      return listeners.size;
    },

    async append(event: ChangeEvent) {
      const at = Date.now();
      last = at > last.ms ? { ms: at, seq: 0 } : { ms: last.ms, seq: last.seq + 1 };
      const entry: Entry = { id: formatId(last), key: last, userId: event.userId, json: JSON.stringify({ ...event, at }) };
      all.push(entry);
      let user = users.get(event.userId);
      if (!user) users.set(event.userId, (user = { window: new Window() }));
      user.window.push(entry);
      if (user.window.size > maxPerUser) user.droppedThrough = user.window.shift()!.key;
      trim(at - retentionMs);
      for (const listener of listeners) listener([entry]);
      return entry.id;
    },

    async readUser(userId, after) {
      const user = users.get(userId);
      resumable(after);
      if (after && user?.droppedThrough && compareIds(after, user.droppedThrough) < 0) throw expired(formatId(after), retentionMs);
      return visible(user?.window.after(after) ?? [], Date.now() - retentionMs);
    },

    async openTail(after) {
      const position = resumable(after) ?? last;
      let listener: ((events: StoredEvent[]) => void) | undefined;
      const tail: Tail = {
        start(deliver) {
          // Replayed and subscribed in one synchronous step: no append can fall in between.
          const missed = visible(all.after(position), Date.now() - retentionMs);
          if (missed.length > 0) deliver(missed);
          listeners.add((listener = deliver));
        },
        stop() {
          if (listener) listeners.delete(listener);
        },
      };
      return tail;
    },

    async close() {
      listeners.clear();
    },
  };
}
