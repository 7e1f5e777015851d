import { describe, expect, it } from 'vitest';
import { createLiveEvents } from '../../bffs/kit/live/live-events.ts';
import type { EventFeed, ServiceEvent } from '../../bffs/kit/live/feed.ts';

/** A feed whose tail the test drives, and whose replay answers from what it was given: the hub's own rules, isolated. */
function drivenFeed(replayed: ServiceEvent[] = []) {
  let emit: (event: ServiceEvent) => void = () => undefined;
  const feed: EventFeed = {
    replay: async () => replayed,
    tail: (_topic, onEvent) => ((emit = onEvent), { ready: Promise.resolve(), stop: () => undefined }),
    close: async () => undefined,
  };
  return { feed, emit: (event: ServiceEvent) => emit(event) };
}
const event = (ms: number, userId = 'u_1'): ServiceEvent => ({ id: `${ms}-0`, userId, at: ms, contentId: 't_1', inMyList: true });

describe('live events (live/live-events.ts)', () => {
  it('replays after the id, then live, with the overlap sent once and other users never', async () => {
    const now = Date.now();
    const { feed, emit } = drivenFeed([event(now + 1), event(now + 2)]);
    const live = createLiveEvents({ feed });
    const iterator = await live.forViewer('u_1').follow('my-list', `${now}-0`);
    emit(event(now + 2)); // also in the replay
    emit(event(now + 3, 'u_2')); // someone else's
    emit(event(now + 3));
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await iterator.next()).value!.id);
    expect(ids).toEqual([`${now + 1}-0`, `${now + 2}-0`, `${now + 3}-0`]);
    await iterator.return!();
    expect(live.open()['my-list']).toBe(0);
  });

  it('ends a subscriber that falls maxQueued events behind with SLOW_CONSUMER, and holds nothing more for it', async () => {
    const { feed, emit } = drivenFeed();
    const live = createLiveEvents({ feed, maxQueued: 4 });
    const iterator = await live.forViewer('u_1').follow('my-list', undefined);
    const start = Date.now();
    for (let i = 1; i <= 5; i++) emit(event(start + i));
    expect(live.open()['my-list']).toBe(0); // unregistered at the overflow: later events are not kept
    await expect(iterator.next()).rejects.toMatchObject({ extensions: { code: 'SLOW_CONSUMER', max: 4 } });
    await expect(iterator.next()).resolves.toEqual({ value: undefined, done: true });
  });
});
