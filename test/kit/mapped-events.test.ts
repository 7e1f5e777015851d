import { describe, expect, it } from 'vitest';
import { mappedEvents } from '../../bffs/kit/core/mapped-events.ts';

/** A source the test feeds by hand, which records what it was asked. */
function source<T>() {
  const queued: T[] = [];
  let waiting: ((step: IteratorResult<T>) => void) | undefined;
  let failing: ((error: unknown) => void) | undefined;
  const seen = { nexts: 0, returns: 0 };
  const iterator: AsyncIterator<T> = {
    next: () => {
      seen.nexts++;
      if (queued.length) return Promise.resolve({ done: false, value: queued.shift()! });
      return new Promise((resolve, reject) => {
        waiting = resolve;
        failing = reject;
      });
    },
    return: async () => {
      seen.returns++;
      return { done: true, value: undefined };
    },
  };
  return {
    iterator,
    seen,
    push(value: T) {
      if (waiting) waiting({ done: false, value });
      else queued.push(value);
      waiting = undefined;
    },
    finish: () => waiting?.({ done: true, value: undefined }),
    fail: (error: unknown) => failing?.(error),
  };
}

describe('mappedEvents: a live stream through a map, one promise per wait', () => {
  it('maps each event in order, asks the source only when asked, and maps with promises too', async () => {
    const events = source<number>();
    const mapped = mappedEvents(events.iterator, (n) => (n % 2 ? `odd ${n}` : Promise.resolve(`even ${n}`)));
    expect(events.seen.nexts).toBe(0);
    events.push(1);
    events.push(2);
    expect(await mapped.next()).toEqual({ done: false, value: 'odd 1' });
    expect(await mapped.next()).toEqual({ done: false, value: 'even 2' });
    expect(events.seen.nexts).toBe(2);
    const waiting = mapped.next();
    events.push(3);
    expect(await waiting).toEqual({ done: false, value: 'odd 3' });
  });

  it('ends once when the source is done, and is done from then on', async () => {
    const events = source<number>();
    let ended = 0;
    const mapped = mappedEvents(events.iterator, String, { ended: () => ended++ });
    const waiting = mapped.next();
    events.finish();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(await mapped.next()).toEqual({ done: true, value: undefined });
    await mapped.return!();
    expect(ended).toBe(1);
  });

  it('return() stops the source, ends once, and answers a waiting consumer nothing more', async () => {
    const events = source<number>();
    let ended = 0;
    const mapped = mappedEvents(events.iterator, String, { ended: () => ended++ });
    expect(await mapped.return!()).toEqual({ done: true, value: undefined });
    expect(events.seen.returns).toBe(1);
    expect(await mapped.next()).toEqual({ done: true, value: undefined });
    expect(events.seen.nexts).toBe(0);
    expect(ended).toBe(1);
  });

  it('a failure it may end on quietly ends the stream (done) and gives the source back; any other fails the consumer', async () => {
    const quiet = source<number>();
    let ended = 0;
    const mapped = mappedEvents(quiet.iterator, String, { ended: () => ended++, endsQuietly: (error) => (error as Error).message === 'slow' });
    const waiting = mapped.next();
    quiet.fail(new Error('slow'));
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(ended).toBe(1);
    expect(quiet.seen.returns).toBe(1);

    const loud = source<number>();
    const failing = mappedEvents(loud.iterator, String, { endsQuietly: () => false }).next();
    loud.fail(new Error('broken'));
    await expect(failing).rejects.toThrow('broken');
    expect(loud.seen.returns).toBe(1);
  });
});
