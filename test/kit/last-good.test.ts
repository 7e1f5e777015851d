import { describe, expect, test } from 'vitest';
import { LastGoodStore } from '../../bffs/kit/resilience/last-good.ts';

function store(options: { maxAgeSeconds?: number; maxEntries?: number } = {}) {
  let now = 1_000_000;
  const kept = new LastGoodStore({ maxAgeSeconds: 60, maxEntries: 100, ...options, now: () => now });
  return { kept, advance: (ms: number) => (now += ms) };
}

describe('the last-good store', () => {
  test('recalls a viewer\'s value with its age while it is younger than the bound', () => {
    const { kept, advance } = store();
    kept.forViewer('u_1').remember('Home.unreadNotificationCount:', 3);
    advance(12_500);
    expect(kept.forViewer('u_1').recall('Home.unreadNotificationCount:')).toEqual({ value: 3, ageMs: 12_500 });
  });

  test('never serves a value at or past the bound', () => {
    const { kept, advance } = store({ maxAgeSeconds: 60 });
    kept.forViewer('u_1').remember('k', 3);
    advance(60_000);
    expect(kept.forViewer('u_1').recall('k')).toBeUndefined();
    expect(kept.size).toBe(0);
  });

  test('never serves one viewer\'s value to another, whatever the ids and keys spell', () => {
    const { kept } = store();
    kept.forViewer('u_1').remember('RowItem.averageRating:t_1', 4.5);
    kept.forViewer('u:1').remember('x', 1);
    expect(kept.forViewer('u_2').recall('RowItem.averageRating:t_1')).toBeUndefined();
    // Without the length prefix, viewer "u" with key "1:x" would read viewer "u:1"'s "x".
    expect(kept.forViewer('u').recall('1:x')).toBeUndefined();
    expect(kept.forViewer('u:1').recall('x')).toEqual({ value: 1, ageMs: 0 });
  });

  test('keeps at most maxEntries values over all viewers, dropping the least recently used', () => {
    const { kept } = store({ maxEntries: 2 });
    kept.forViewer('u_1').remember('a', 1);
    kept.forViewer('u_2').remember('a', 2);
    kept.forViewer('u_1').recall('a');
    kept.forViewer('u_3').remember('a', 3);
    expect(kept.size).toBe(2);
    expect(kept.forViewer('u_2').recall('a')).toBeUndefined();
    expect(kept.forViewer('u_1').recall('a')?.value).toBe(1);
  });

  test('a newer good value replaces the older one and its age', () => {
    const { kept, advance } = store();
    kept.forViewer('u_1').remember('k', 1);
    advance(30_000);
    kept.forViewer('u_1').remember('k', 2);
    expect(kept.forViewer('u_1').recall('k')).toEqual({ value: 2, ageMs: 0 });
  });
});
