import type { ServerResponse } from 'node:http';

/** One response's place in the list: the only object that points at it from the list. */
interface Entry {
  readonly res: ServerResponse;
  previous: Entry | undefined;
  next: Entry | undefined;
}

/**
 * The responses still being answered, for a graceful shutdown: how many there are, and those whose
 * head has not left yet, to be told `Connection: close`.
 *
 * A doubly linked list of small entries rather than a Set of responses. The server's Set lives in
 * the old generation, and every response that passed through it was promoted by the next
 * young-generation collection even once deleted: its whole request copied into the old
 * generation, and the collections' pauses doubled. `npx tsx bench/young-generation-retention.ts`
 * measures it on a small node:http server at 32 connections (promoted per scavenge: 6 KB keeping
 * nothing, 733 KB with a Set, 695 KB with a Map, 2 KB with this list). Here a response is
 * unlinked when it closes, and nothing long-lived points at it any more.
 */
export class InFlightResponses {
  private first: Entry | undefined;
  private last: Entry | undefined;
  private count = 0;

  /** `onClosed` runs as each tracked response closes, once it is out of the list. */
  constructor(private readonly onClosed: () => void = () => {}) {}

  /** Tracks `res` until it closes (answered, or its client gone). */
  track(res: ServerResponse): void {
    const entry: Entry = { res, previous: this.last, next: undefined };
    if (this.last) this.last.next = entry;
    else this.first = entry;
    this.last = entry;
    this.count++;
    res.once('close', () => this.unlink(entry));
  }

  get size(): number {
    return this.count;
  }

  *[Symbol.iterator](): IterableIterator<ServerResponse> {
    for (let entry = this.first; entry; entry = entry.next) yield entry.res;
  }

  private unlink(entry: Entry): void {
    if (entry.previous) entry.previous.next = entry.next;
    else this.first = entry.next;
    if (entry.next) entry.next.previous = entry.previous;
    else this.last = entry.previous;
    entry.previous = entry.next = undefined;
    this.count--;
    this.onClosed();
  }
}
