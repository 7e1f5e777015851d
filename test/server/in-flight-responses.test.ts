import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import { describe, expect, test } from 'vitest';
import { InFlightResponses } from '../../bffs/kit/server/in-flight-responses.ts';

/** A response as far as the list uses it: it closes once. */
type Named = ServerResponse & { name: string };
const response = (name: string) => Object.assign(new EventEmitter(), { name }) as unknown as Named;
const names = (responses: Iterable<ServerResponse>) => [...responses].map((res) => (res as Named).name);

describe('InFlightResponses', () => {
  test('holds each response until it closes, in arrival order, whichever closes first', () => {
    let closed = 0;
    const inFlight = new InFlightResponses(() => closed++);
    const [a, b, c, d] = [response('a'), response('b'), response('c'), response('d')];
    for (const res of [a, b, c]) inFlight.track(res);
    expect(inFlight.size).toBe(3);
    expect(names(inFlight)).toEqual(['a', 'b', 'c']);

    b.emit('close'); // the middle one
    expect(names(inFlight)).toEqual(['a', 'c']);
    a.emit('close'); // the first
    inFlight.track(d);
    expect(names(inFlight)).toEqual(['c', 'd']);
    d.emit('close'); // the last
    c.emit('close');
    expect(inFlight.size).toBe(0);
    expect([...inFlight]).toEqual([]);
    expect(closed).toBe(4);

    // Empty again, it takes new responses as when it was new.
    inFlight.track(a);
    a.emit('close');
    expect(inFlight.size).toBe(0);
    expect(closed).toBe(5);
  });
});
