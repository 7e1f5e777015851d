import { describe, expect, test } from 'vitest';
import { targetsTable, verdictOf } from '../../bench/harness/report.ts';
import { median } from '../../bench/harness/stats.ts';
import { targets, type LatencySummary, type Ratio, type Target } from '../../bench/harness/summary.ts';
import { COMPARISONS } from '../../bench/harness/systems.ts';

/**
 * The targets table of bench/RESULTS.md (bench/harness/summary.ts targets, report.ts): a figure
 * taken round by round is judged on its median, and a verdict the rounds disagree on says so.
 */
const comparison = (key: string) => COMPARISONS.find((c) => c.key === key)!;
const ratio = (key: string, perRound: number[]): Ratio => ({ comparison: comparison(key), median: median(perRound), perRound });
const summaryWith = (ratios: Ratio[]): LatencySummary => ({ setting: { label: 'no injected latency', ms: 0, jitterMs: 0 }, rawBytes: 0, systems: {}, ratios });
const row = (list: Target[], figure: string) => list.find((t) => t.figure.startsWith(figure))!;

describe('the targets, judged round by round', () => {
  const list = targets(
    summaryWith([
      ratio('concierge_uncached_vs_floor', [0.58, 0.95, 0.65]),
      ratio('concierge_uncached_vs_mercurius', [0.71, 0.88, 0.87]),
      ratio('concierge_uncached_vs_apollo', [1.87, 2.06, 2.49]),
      ratio('concierge_flags_vs_concierge', [1.373, 0.736, 1.048]),
    ]),
  );

  test('a ratio target keeps its rounds, in the order they ran, and counts those that met it', () => {
    const floor = row(list, 'MobileHome throughput, concierge-uncached / floor');
    expect(floor).toMatchObject({ value: 0.65, met: false, perRound: [0.58, 0.95, 0.65], roundsMet: 1 });
    expect(row(list, 'MobileHome throughput, concierge-uncached / Mercurius')).toMatchObject({ met: false, roundsMet: 0 });
    expect(row(list, 'MobileHome throughput, concierge-uncached / Apollo')).toMatchObject({ value: 2.06, met: true, roundsMet: 2 });
  });

  test('a cost is judged per round as 1 − the ratio, so a round where flags ran faster counts as a cost under 3%', () => {
    const cost = row(list, 'flag evaluation cost');
    expect(cost.perRound!.map((v) => Math.round(v * 10) / 10)).toEqual([-37.3, 26.4, -4.8]);
    expect(cost).toMatchObject({ met: true, roundsMet: 2 });
  });

  test('the table shows every round and a verdict that says when the rounds disagree', () => {
    const text = targetsTable(list);
    expect(text).toContain('| MobileHome throughput, concierge-uncached / floor | ≥ 0.9× | 0.65× | 0.58×, 0.95×, 0.65× | **no**, though 1 of 3 rounds met it |');
    expect(text).toContain('| MobileHome throughput, concierge-uncached / Mercurius | ≥ 1.2× | 0.87× | 0.71×, 0.88×, 0.87× | **no** |');
    expect(text).toContain('| MobileHome throughput, concierge-uncached / Apollo | ≥ 2.0× | 2.06× | 1.87×, 2.06×, 2.49× | yes, in 2 of 3 rounds |');
    // A figure that did not run is not judged.
    expect(text).toContain('| MobileHome throughput with the title cache, concierge / floor-cached | ≥ 0.9× | – | – | not measured |');
  });
});

describe('a verdict', () => {
  const judged = (met: boolean, perRound?: number[], roundsMet?: number): Target => ({ figure: 'f', target: '≥ 1×', value: 1, unit: '×', met, ...(perRound ? { perRound, roundsMet } : {}) });

  test('is a plain yes or no when every round agrees, when there is one round, and for a figure with no rounds', () => {
    expect(verdictOf(judged(true, [1, 1, 1], 3))).toBe('yes');
    expect(verdictOf(judged(false, [0, 0, 0], 0))).toBe('**no**');
    expect(verdictOf(judged(false, [0], 0))).toBe('**no**');
    expect(verdictOf(judged(true))).toBe('yes');
  });

  test('says how many rounds met the target when they disagree, either way', () => {
    expect(verdictOf(judged(true, [1, 1, 0], 2))).toBe('yes, in 2 of 3 rounds');
    expect(verdictOf(judged(false, [1, 0, 0], 1))).toBe('**no**, though 1 of 3 rounds met it');
  });

  test('of a figure only reported is a dash, and of one not measured says so', () => {
    expect(verdictOf({ figure: 'f', target: 'reported', value: 1, unit: 'ms', met: null })).toBe('–');
    expect(verdictOf({ figure: 'f', target: '≤ 5 ms', value: null, unit: 'ms', met: null })).toBe('not measured');
  });
});
