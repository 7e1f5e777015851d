/**
 * From per-round measurements to the reported figures: medians over rounds, and every comparison
 * taken pair by pair within a round first (the two systems ran minutes apart on the same mocks),
 * then the median of those per-round figures. That keeps drift between rounds (thermal, noisy
 * neighbours) out of the ratios.
 */
import type { ClosedLoopResult } from './closed-loop.ts';
import type { ColdBurst } from './cold-burst.ts';
import type { DownstreamResult } from './downstream.ts';
import type { OpenLoopResult } from './open-loop.ts';
import type { LatencySetting } from './settings.ts';
import type { TailFigures } from './tail.ts';
import { median } from './stats.ts';
import type { Comparison, SystemName } from './systems.ts';

export interface SystemRound {
  closed: ClosedLoopResult;
  open: OpenLoopResult;
  downstream: DownstreamResult;
  responseBytes: number;
  peakRssMiB: number;
  /** The first round's: a cold process sent COLD_BURST_HOMES homes at once (cold-burst.ts). */
  coldBurst?: ColdBurst;
  /** Where the open loop's slowest requests lost their time (tail.ts). */
  tail: TailFigures;
}

export interface Round {
  /** The order the systems ran in (the rate setter first, systems.ts rateSetter). */
  order: SystemName[];
  /** Open-loop arrival rate of the round: half of the rate setter's saturation throughput. */
  rate: number;
  systems: Partial<Record<SystemName, SystemRound>>;
}

export interface LatencyRun {
  setting: LatencySetting;
  /** Bytes the app would fetch from the raw services for one home (no BFF). */
  rawBytes: number;
  rounds: Round[];
}

export interface SystemSummary {
  throughput: number | null;
  throughputPerRound: number[];
  closedP50Ms: number | null;
  closedP99Ms: number | null;
  serverCpu: number | null;
  generatorCoreBusy: number | null;
  openRate: number | null;
  openP50Ms: number | null;
  openP99Ms: number | null;
  sendLagP99Ms: number | null;
  /** Median over rounds of (this system's open-loop p50/p99 − the floor's, same rate, same round). */
  addedP50Ms: number | null;
  addedP99Ms: number | null;
  /** Those differences round by round, in the order the rounds ran (rounds without the floor left out). */
  addedP50PerRound: number[];
  addedP99PerRound: number[];
  /** The tail at half load (tail.ts), medians over rounds: the server's loop and GC, and the slowest 1% charged to causes. */
  tail: {
    serverLoopP99Ms: number | null;
    serverLoopMaxMs: number | null;
    serverGcMaxMs: number | null;
    majorGcs: number | null;
    rigLoopMaxMs: number | null;
    slowWith: { serverGc: number | null; serverStall: number | null; rigStall: number | null; none: number | null };
    p99OutsideRigStallsMs: number | null;
    /** Median over rounds of (this p99 outside the rig's stalls − the floor's). */
    addedP99OutsideRigStallsMs: number | null;
  };
  downstreamPerRequest: number | null;
  /** The catalog's share of them: what the shared title cache saves (0 on a warm BFF). */
  catalogPerRequest: number | null;
  /** Catalog requests of a burst of homes at once on a cold process (cold-burst.ts), and how many homes. */
  coldBurstCatalogCalls: number | null;
  coldBurstHomes: number | null;
  servicesUsed: number | null;
  responseBytes: number | null;
  peakRssMiB: number | null;
  /** Median over rounds of (this system's peak RSS / the floor's, same round). */
  peakRssOverFloor: number | null;
  peakRssOverFloorPerRound: number[];
  /** Summed over rounds and loops: anything but a complete home. */
  failures: number;
  /** Median wait for a complete home after autocannon cut its connections; null if some round never recovered. */
  recoveryMs: number | null;
}

export interface Ratio {
  comparison: Comparison;
  /** Median over rounds of `of`'s throughput / `against`'s. */
  median: number | null;
  perRound: number[];
}

export interface LatencySummary {
  setting: LatencySetting;
  rawBytes: number;
  systems: Partial<Record<SystemName, SystemSummary>>;
  /** Every comparison both of whose systems ran, in the order given. */
  ratios: Ratio[];
}

export function summarize(run: LatencyRun, systems: SystemName[], comparisons: readonly Comparison[]): LatencySummary {
  const of = (name: SystemName) => run.rounds.map((r) => r.systems[name]).filter((s): s is SystemRound => s !== undefined);
  /** `pick(name's round, the floor's round)` in each round where both ran; none for the floor itself (the median of none is null). */
  const perRoundAgainstFloor = (name: SystemName, pick: (own: SystemRound, floor: SystemRound) => number): number[] =>
    name === 'floor' ? [] : run.rounds.flatMap((r) => (r.systems[name] && r.systems.floor ? [pick(r.systems[name]!, r.systems.floor)] : []));
  const addedPerRound = (name: SystemName, pick: (o: OpenLoopResult) => number) => perRoundAgainstFloor(name, (own, floor) => pick(own.open) - pick(floor.open));

  const summaries: Partial<Record<SystemName, SystemSummary>> = {};
  for (const name of systems) {
    const rounds = of(name);
    const m = (pick: (s: SystemRound) => number | null) => median(rounds.map(pick));
    const addedP50PerRound = addedPerRound(name, (o) => o.p50Ms);
    const addedP99PerRound = addedPerRound(name, (o) => o.p99Ms);
    const peakRssOverFloorPerRound = perRoundAgainstFloor(name, (own, floor) => own.peakRssMiB / floor.peakRssMiB);
    summaries[name] = {
      throughput: m((s) => s.closed.throughput),
      throughputPerRound: rounds.map((s) => s.closed.throughput),
      closedP50Ms: m((s) => s.closed.latencyP50Ms),
      closedP99Ms: m((s) => s.closed.latencyP99Ms),
      serverCpu: m((s) => s.closed.serverCpu),
      generatorCoreBusy: m((s) => s.closed.generatorCoreBusy),
      openRate: m((s) => s.open.rate),
      openP50Ms: m((s) => s.open.p50Ms),
      openP99Ms: m((s) => s.open.p99Ms),
      sendLagP99Ms: m((s) => s.open.sendLagP99Ms),
      addedP50Ms: median(addedP50PerRound),
      addedP99Ms: median(addedP99PerRound),
      addedP50PerRound,
      addedP99PerRound,
      tail: {
        serverLoopP99Ms: m((s) => s.tail.serverLoopP99Ms),
        serverLoopMaxMs: m((s) => s.tail.serverLoopMaxMs),
        serverGcMaxMs: m((s) => s.tail.serverGcMaxMs),
        majorGcs: m((s) => s.tail.serverGc.major?.count ?? 0),
        rigLoopMaxMs: m((s) => Math.max(s.tail.mocksLoopMaxMs, s.tail.generatorLoopMaxMs)),
        slowWith: {
          serverGc: m((s) => s.tail.slowWith.serverGc),
          serverStall: m((s) => s.tail.slowWith.serverStall),
          rigStall: m((s) => s.tail.slowWith.rigStall),
          none: m((s) => s.tail.slowWith.none),
        },
        p99OutsideRigStallsMs: m((s) => s.tail.p99OutsideRigStallsMs),
        addedP99OutsideRigStallsMs: median(perRoundAgainstFloor(name, (own, floor) => own.tail.p99OutsideRigStallsMs - floor.tail.p99OutsideRigStallsMs)),
      },
      downstreamPerRequest: m((s) => s.downstream.perRequest),
      catalogPerRequest: m((s) => s.downstream.perService.catalog ?? 0),
      coldBurstCatalogCalls: median(rounds.map((s) => s.coldBurst?.catalogCalls ?? null)),
      coldBurstHomes: median(rounds.map((s) => s.coldBurst?.homes ?? null)),
      servicesUsed: m((s) => s.downstream.servicesUsed),
      responseBytes: m((s) => s.responseBytes),
      peakRssMiB: m((s) => s.peakRssMiB),
      peakRssOverFloor: median(peakRssOverFloorPerRound),
      peakRssOverFloorPerRound,
      failures: rounds.reduce((sum, s) => sum + s.closed.failures + s.open.failures, 0),
      recoveryMs: rounds.some((s) => s.closed.recoveryMs === null) ? null : m((s) => s.closed.recoveryMs),
    };
  }

  const ratios: Ratio[] = [];
  for (const comparison of comparisons) {
    if (!systems.includes(comparison.of) || !systems.includes(comparison.against)) continue;
    const perRound = run.rounds
      .map((r) => (r.systems[comparison.of] && r.systems[comparison.against] ? r.systems[comparison.of]!.closed.throughput / r.systems[comparison.against]!.closed.throughput : null))
      .filter((x): x is number => x !== null);
    ratios.push({ comparison, median: median(perRound), perRound });
  }
  return { setting: run.setting, rawBytes: run.rawBytes, systems: summaries, ratios };
}

/** The median ratio of the comparison `key`, if it ran. */
export const ratioOf = (summary: LatencySummary, key: string): number | null => summary.ratios.find((r) => r.comparison.key === key)?.median ?? null;

/** The comparison `key`'s ratio round by round (none if it did not run). */
export const ratiosPerRound = (summary: LatencySummary, key: string): number[] => summary.ratios.find((r) => r.comparison.key === key)?.perRound ?? [];

/** What a cost comparison's ratio means: 1 − ratio, in percent of a home. */
export const costPercent = (ratio: number | null): number | null => (ratio == null ? null : (1 - ratio) * 100);

export interface Target {
  figure: string;
  target: string;
  /** The median over rounds, for a figure taken round by round. */
  value: number | null;
  unit: string;
  /** Whether `value` meets the target. */
  met: boolean | null;
  /**
   * The figure in each round, for one taken round by round (a fixed count, such as downstream
   * calls, has none), and how many of them met the target: when the rounds disagree, the verdict
   * is one the machine's noise could turn.
   */
  perRound?: number[];
  roundsMet?: number;
}

/**
 * The targets, judged on the no-latency run. The headline is ours on equal footing
 * (concierge-uncached: the title cache off, six downstream calls per home as every peer); the
 * title cache is judged against a floor that caches by the same rule (floor-cached).
 */
export function targets(summary: LatencySummary): Target[] {
  const uncached = summary.systems['concierge-uncached'];
  const cached = summary.systems.concierge;
  const judged = (figure: string, target: string, value: number | null | undefined, unit: string, met: (value: number) => boolean, perRound?: number[]): Target => ({
    figure,
    target,
    value: value ?? null,
    unit,
    met: value == null ? null : met(value),
    ...(perRound && perRound.length > 0 ? { perRound, roundsMet: perRound.filter(met).length } : {}),
  });
  const atLeast = (figure: string, value: number | null | undefined, min: number, perRound?: number[]) => judged(figure, `≥ ${min.toFixed(1)}×`, value, '×', (v) => v >= min, perRound);
  const atMost = (figure: string, value: number | null | undefined, max: number, unit: string, perRound?: number[]) =>
    judged(figure, `≤ ${max}${unit === 'ms' ? ' ms' : unit}`, value, unit, (v) => v <= max, perRound);
  const throughput = (figure: string, key: string, min: number) => atLeast(figure, ratioOf(summary, key), min, ratiosPerRound(summary, key));
  const calls = (figure: string, target: string, s: SystemSummary | undefined, downstream: number, catalog: number) =>
    judged(figure, target, s?.downstreamPerRequest, '', (v) => v === downstream && s?.servicesUsed === downstream && s?.catalogPerRequest === catalog);
  const flagCostPerRound = ratiosPerRound(summary, 'concierge_flags_vs_concierge').map((ratio) => costPercent(ratio)!);
  return [
    throughput('MobileHome throughput, concierge-uncached / Mercurius', 'concierge_uncached_vs_mercurius', 1.2),
    throughput('MobileHome throughput, concierge-uncached / floor', 'concierge_uncached_vs_floor', 0.9),
    throughput('MobileHome throughput, concierge-uncached / Apollo', 'concierge_uncached_vs_apollo', 2.0),
    atMost('added p50 over the floor at half load (concierge-uncached)', uncached?.addedP50Ms, 2, 'ms', uncached?.addedP50PerRound),
    atMost('added p99 over the floor at half load (concierge-uncached)', uncached?.addedP99Ms, 5, 'ms', uncached?.addedP99PerRound),
    // Not a target of its own: the row above with the rig's own stalls set aside (tail.ts), to read it by.
    { figure: "the same, over the requests no stall of the mocks or the load generator fell inside", target: 'reported', value: uncached?.tail.addedP99OutsideRigStallsMs ?? null, unit: 'ms', met: null },
    atMost("peak RSS / the floor's (concierge-uncached)", uncached?.peakRssOverFloor, 1.3, '×', uncached?.peakRssOverFloorPerRound),
    throughput('MobileHome throughput with the title cache, concierge / floor-cached', 'concierge_vs_floor_cached', 0.9),
    judged('flag evaluation cost per MobileHome (1 − concierge-flags / concierge)', '< 3%', costPercent(ratioOf(summary, 'concierge_flags_vs_concierge')), '%', (v) => v < 3, flagCostPerRound),
    ...(summary.systems['concierge-cached'] && summary.systems.floor ? [throughput('a response-cache hit, concierge-cached / floor', 'response_cache_hit_vs_floor', 3.0)] : []),
    calls('downstream requests per home, concierge-uncached (as every peer)', '= 6: one per service, the catalog batch included', uncached, 6, 1),
    calls('downstream requests per home, concierge (warm title cache)', '= 5: one per service but the catalog', cached, 5, 0),
    calls('downstream requests per home, floor-cached (warm title cache)', '= 5: as concierge', summary.systems['floor-cached'], 5, 0),
    atMost(`catalog calls of ${cached?.coldBurstHomes ?? 'the'} homes at once on a cold process, all needing the same titles (concierge)`, cached?.coldBurstCatalogCalls, 1, ''),
  ];
}
