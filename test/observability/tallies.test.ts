import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, test } from 'vitest';
import { talliedCounter, TalliedHistogram } from '../../bffs/kit/observability/tallies.ts';

// The tallied series must read to Prometheus exactly as prom-client's own would, after the same calls.
const BUCKETS = [0.001, 0.005, 0.01, 0.1, 1];
const LABELS = ['service', 'route', 'outcome'];

function registries() {
  const theirs = new Registry();
  const ours = new Registry();
  for (const registry of [theirs, ours]) registry.setDefaultLabels({ client: 'mobile' });
  const counter = new Counter({ name: 'calls_total', help: 'Calls', labelNames: LABELS, registers: [theirs] });
  const histogram = new Histogram({ name: 'call_seconds', help: 'Call time', labelNames: LABELS, buckets: BUCKETS, registers: [theirs] });
  const tallied = talliedCounter({ name: 'calls_total', help: 'Calls', labelNames: LABELS, registers: [ours] });
  const talliedHistogram = new TalliedHistogram('call_seconds', 'Call time', LABELS, BUCKETS, [ours]);
  const both = {
    inc(labels: Record<string, string>, value?: number) {
      counter.inc(labels, value);
      tallied.inc(labels, value);
    },
    observe(labels: Record<string, string>, value: number) {
      histogram.observe(labels, value);
      talliedHistogram.observe(labels, value);
    },
  };
  return { theirs, ours, both };
}

describe('tallied series read as prom-client writes them', () => {
  test('text and JSON, several label sets, values on and past the bounds, counts by more than one', async () => {
    const { theirs, ours, both } = registries();
    const catalog = { service: 'catalog', route: '/titles/batch', outcome: 'ok' };
    const users = { service: 'users', route: '/users/:id', outcome: 'DOWNSTREAM_TIMEOUT' };
    for (const value of [0, 0.0005, 0.001, 0.0011, 0.005, 0.05, 0.1, 0.99, 1, 1.5, 30]) both.observe(catalog, value);
    for (const value of [0.002, 0.2, 2]) both.observe(users, value);
    both.inc(catalog);
    both.inc(catalog, 4);
    both.inc(users, 2);
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
    // Scraped twice: the counter's tallies are added once, and what follows adds to them.
    both.inc(users);
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).toContain('calls_total{service="users",route="/users/:id",outcome="DOWNSTREAM_TIMEOUT",client="mobile"} 3');
  });

  test('a label set is the same series whatever the order of its keys, written in the declared order', async () => {
    const { ours } = registries();
    const counter = talliedCounter({ name: 'more_total', help: 'More', labelNames: LABELS, registers: [ours] });
    counter.inc({ service: 'users', route: '/users/:id', outcome: 'ok' });
    counter.inc({ outcome: 'ok', route: '/users/:id', service: 'users' });
    expect(await ours.metrics()).toContain('more_total{service="users",route="/users/:id",outcome="ok",client="mobile"} 2');
  });

  test('nothing recorded reads as nothing; a value that is not a number is dropped, never thrown into a request', async () => {
    const { theirs, ours } = registries();
    expect(await ours.metrics()).toBe(await theirs.metrics());
    const histogram = new TalliedHistogram('other_seconds', 'Other', ['service'], BUCKETS, [new Registry()]);
    expect(() => histogram.observe({ service: 'users' }, Number.NaN)).not.toThrow();
    expect((await histogram.get()).values).toEqual([]);
  });
});
