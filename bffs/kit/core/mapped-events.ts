/** What a mapped stream does when its source fails or ends. */
export interface MappedEventsOptions {
  /** The source failed: true to end quietly (done), false to fail with its error. */
  endsQuietly?: (error: unknown) => boolean;
  /** Called once, when the stream ends: its source done or failed, or `return()` called. */
  ended?: () => void;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * A live stream's events through `map`, one step at a time: the source is asked for its next
 * event only when this one is, and `return()` stops the source.
 *
 * Written by hand rather than as an async generator or with async functions, because of what a
 * subscription's wait costs: it waits in `next()` until its viewer has an event (a second or a
 * minute), so everything that wait allocates outlives the young generation and is promoted. Each
 * async generator or async-function layer allocates its own promise, its reactions and its
 * suspended frame per wait; this allocates one derived promise, with callbacks made once per
 * stream. With 10,000 sockets and 10,000 frames a second, replacing the layers it stands for
 * (graphql-jit's mapAsyncIterator, the executor's rules, the socket's relay as an async generator)
 * halved what the events promote, from about 15 MB to about 7 MB a second, and so the old
 * generation's collections (`BENCH_SERVER_STDOUT=1 LIVE_NODE_FLAGS=--trace-gc-nvp npm run
 * bench:live > live.log`, then `npx tsx bench/gc-per-second.ts live.log`: the seconds the events flow).
 */
export function mappedEvents<T, R>(source: AsyncIterator<T>, map: (value: T) => R | PromiseLike<R>, { endsQuietly, ended }: MappedEventsOptions = {}): AsyncIterableIterator<R> {
  let over = false;
  const end = () => {
    if (over) return;
    over = true;
    ended?.();
  };
  const stepOf = (value: R): IteratorResult<R> => ({ done: false, value });
  const onStep = (step: IteratorResult<T>): IteratorResult<R> | PromiseLike<IteratorResult<R>> => {
    if (step.done) {
      end();
      return DONE;
    }
    const value = map(step.value);
    return isPromiseLike(value) ? value.then(stepOf) : { done: false, value };
  };
  const onFailure = (error: unknown): IteratorResult<R> => {
    end();
    void Promise.resolve(source.return?.()).catch(() => undefined); // a failed source is given back too
    if (endsQuietly?.(error)) return DONE;
    throw error;
  };
  const mapped: AsyncIterableIterator<R> = {
    next: () => (over ? Promise.resolve(DONE) : source.next().then(onStep, onFailure)),
    return: async () => {
      end();
      await source.return?.();
      return DONE;
    },
    [Symbol.asyncIterator]: () => mapped,
  };
  return mapped;
}

/** A value or a promise of one (a compiled query answers either). */
export function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null)?.then === 'function';
}
