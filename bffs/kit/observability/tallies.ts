import { Counter, type Metric, type MetricValueWithName, type Registry } from 'prom-client';

/**
 * The series every request and every downstream call records, counted in plain numbers per label
 * set and read by Prometheus at scrape time.
 *
 * prom-client's `inc` and `observe` validate the labels, sort and join them into a key and look
 * the bucket up through an object's string keys on every call: a MobileHome records about fifteen
 * (its request, six downstream attempts, the caches), which the CPU profile showed as ~30 µs per
 * home (`BENCH_CPU_PROFILE=… npm run bench:cpu`). Here a call finds its label set by one string
 * key of the values in the declared order, and adds to numbers; the label values come from code,
 * never from the client (metrics.ts), so the sets stay few.
 *
 * A counter hands its tallies to a prom-client Counter when it is collected, so its exposition is
 * prom-client's own. A histogram has no batch insert in prom-client, so `TalliedHistogram` writes
 * the values prom-client's Histogram would (`_bucket` with `le`, `_sum`, `_count`);
 * test/observability/tallies.test.ts holds the two expositions equal.
 */
interface Tally {
  labels: Record<string, string>;
  count: number;
}

/** The key of a label set: its values in the declared order. */
function keyOf(labelNames: readonly string[], labels: Record<string, string>): string {
  let key = '';
  for (let i = 0; i < labelNames.length; i++) key += `${labels[labelNames[i]!]}\u0000`;
  return key;
}

/** Only the declared labels, copied once per label set (the caller's object is not kept). */
function ownLabels(labelNames: readonly string[], labels: Record<string, string>): Record<string, string> {
  const own: Record<string, string> = {};
  for (const name of labelNames) if (labels[name] !== undefined) own[name] = labels[name];
  return own;
}

export interface TalliedCounter {
  inc(labels: Record<string, string>, value?: number): void;
}

/** A Counter whose increments are tallied here and added to it when it is collected. */
export function talliedCounter(config: { name: string; help: string; labelNames: string[]; registers: Registry[] }): TalliedCounter {
  const tallies = new Map<string, Tally>();
  const { labelNames } = config;
  new Counter({
    ...config,
    collect() {
      for (const tally of tallies.values()) {
        if (tally.count === 0) continue;
        this.inc(tally.labels, tally.count);
        tally.count = 0;
      }
    },
  });
  return {
    inc(labels, value = 1) {
      const key = keyOf(labelNames, labels);
      let tally = tallies.get(key);
      if (!tally) tallies.set(key, (tally = { labels: ownLabels(labelNames, labels), count: 0 }));
      tally.count += value;
    },
  };
}

interface HistogramTally extends Tally {
  sum: number;
  /** Per bucket, the observations that fell in it (not yet cumulative); the last is +Inf's. */
  buckets: Float64Array;
}

type SharedLabelled = MetricValueWithName<string> & { sharedLabels?: Record<string, string>; exemplar?: null };
/** What the registry reads of a metric (prom-client's MetricObjectWithValues, less what only its own classes have). */
interface Exported {
  name: string;
  help: string;
  type: 'histogram';
  values: MetricValueWithName<string>[];
  aggregator: 'sum';
}

/** A histogram with prom-client's exposition, its observations tallied in place. */
export class TalliedHistogram {
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  private readonly tallies = new Map<string, HistogramTally>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    private readonly upperBounds: readonly number[],
    registers: readonly Registry[],
  ) {
    for (const registry of registers) registry.registerMetric(this as unknown as Metric);
  }

  observe(labels: Record<string, string>, value: number): void {
    if (!Number.isFinite(value)) return; // prom-client throws; a metric must never fail a request
    const key = keyOf(this.labelNames, labels);
    let tally = this.tallies.get(key);
    if (!tally) {
      tally = { labels: ownLabels(this.labelNames, labels), count: 0, sum: 0, buckets: new Float64Array(this.upperBounds.length + 1) };
      this.tallies.set(key, tally);
    }
    const bounds = this.upperBounds;
    let bucket = 0;
    while (bucket < bounds.length && value > bounds[bucket]!) bucket++;
    tally.buckets[bucket]!++;
    tally.sum += value;
    tally.count++;
  }

  /**
   * What prom-client's Histogram gives the registry's text format: per label set its cumulative
   * buckets (`le` in the value's own labels, the set's as shared labels), then its sum and count.
   */
  async getForPromString(): Promise<Exported> {
    const values: SharedLabelled[] = [];
    for (const { labels, buckets, sum, count } of this.tallies.values()) {
      let cumulative = 0;
      for (let i = 0; i < this.upperBounds.length; i++) {
        cumulative += buckets[i]!;
        values.push({ labels: { le: this.upperBounds[i]! }, sharedLabels: labels, value: cumulative, metricName: `${this.name}_bucket`, exemplar: null });
      }
      values.push({ labels: { le: '+Inf' }, sharedLabels: labels, value: count, metricName: `${this.name}_bucket`, exemplar: null });
      values.push({ labels: {}, sharedLabels: labels, value: sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: labels, value: count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** As prom-client's `get()` (the JSON the registry's `getMetricsAsJSON` gives): the shared labels splayed into each value's. */
  async get(): Promise<Exported> {
    const data = await this.getForPromString();
    data.values = (data.values as SharedLabelled[]).map(({ sharedLabels, labels, ...value }) => ({ ...value, labels: { ...labels, ...sharedLabels } }));
    return data;
  }

  reset(): void {
    this.tallies.clear();
  }
}
