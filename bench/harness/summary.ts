/**
 * From per-round measurements to the reported figures: medians over rounds, and every comparison
 * taken pair by pair within a round first (the two systems ran minutes apart on the same mocks),
 * then the median of those per-round figures. That keeps drift between rounds (thermal, noisy
 * neighbours) out of the ratios.
 */
import type { ClosedLoopResult } from './closed-loop.ts';
import type { DownstreamResult } from './downstream.ts';
import type { OpenLoopResult } from './open-loop.ts';
import type { LatencySetting } from './settings.ts';
import { median } from './stats.ts';
import type { SystemName } from './systems.ts';

export interface SystemRound {
  closed: ClosedLoopResult;
  open: OpenLoopResult;
  downstream: DownstreamResult;
  responseBytes: number;
  peakRssMiB: number;
}

export interface Round {
  /** The order the systems ran in (concierge first: its saturation sets the round's rate). */
  order: SystemName[];
  /** Open-loop arrival rate of the round: half of concierge's saturation throughput. */
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
  downstreamPerRequest: number | null;
  /** The catalog's share of them: what the shared title cache saves (0 on a warm BFF). */
  catalogPerRequest: number | null;
  servicesUsed: number | null;
  responseBytes: number | null;
  peakRssMiB: number | null;
  /** Summed over rounds and loops: anything but a complete home. */
  failures: number;
  /** Median wait for a complete home after autocannon cut its connections; null if some round never recovered. */
  recoveryMs: number | null;
}

export interface Ratio {
  median: number | null;
  perRound: number[];
}

export interface LatencySummary {
  setting: LatencySetting;
  rawBytes: number;
  systems: Partial<Record<SystemName, SystemSummary>>;
  /** concierge throughput / peer throughput. */
  ratios: Partial<Record<Exclude<SystemName, 'concierge'>, Ratio>>;
}

export function summarize(run: LatencyRun, systems: SystemName[]): LatencySummary {
  const of = (name: SystemName) => run.rounds.map((r) => r.systems[name]).filter((s): s is SystemRound => s !== undefined);
  const added = (name: SystemName, pick: (o: OpenLoopResult) => number) =>
    median(run.rounds.map((r) => (r.systems[name] && r.systems.floor ? pick(r.systems[name]!.open) - pick(r.systems.floor.open) : null)));

  const summaries: Partial<Record<SystemName, SystemSummary>> = {};
  for (const name of systems) {
    const rounds = of(name);
    const m = (pick: (s: SystemRound) => number | null) => median(rounds.map(pick));
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
      addedP50Ms: name === 'floor' ? null : added(name, (o) => o.p50Ms),
      addedP99Ms: name === 'floor' ? null : added(name, (o) => o.p99Ms),
      downstreamPerRequest: m((s) => s.downstream.perRequest),
      catalogPerRequest: m((s) => s.downstream.perService.catalog ?? 0),
      servicesUsed: m((s) => s.downstream.servicesUsed),
      responseBytes: m((s) => s.responseBytes),
      peakRssMiB: m((s) => s.peakRssMiB),
      failures: rounds.reduce((sum, s) => sum + s.closed.failures + s.open.failures, 0),
      recoveryMs: rounds.some((s) => s.closed.recoveryMs === null) ? null : m((s) => s.closed.recoveryMs),
    };
  }

  const ratios: LatencySummary['ratios'] = {};
  for (const peer of systems) {
    if (peer === 'concierge') continue;
    const perRound = run.rounds
      .map((r) => (r.systems.concierge && r.systems[peer] ? r.systems.concierge.closed.throughput / r.systems[peer]!.closed.throughput : null))
      .filter((x): x is number => x !== null);
    ratios[peer] = { median: median(perRound), perRound };
  }
  return { setting: run.setting, rawBytes: run.rawBytes, systems: summaries, ratios };
}

export interface Target {
  figure: string;
  target: string;
  value: number | null;
  unit: string;
  met: boolean | null;
}

const ratioOf = (a: number | null | undefined, b: number | null | undefined) => (a == null || b == null || b === 0 ? null : a / b);

/** The targets, judged on the no-latency run. */
export function targets(summary: LatencySummary): Target[] {
  const c = summary.systems.concierge;
  const atLeast = (figure: string, value: number | null | undefined, min: number): Target => ({
    figure,
    target: `≥ ${min.toFixed(1)}×`,
    value: value ?? null,
    unit: '×',
    met: value == null ? null : value >= min,
  });
  const downstream = c?.downstreamPerRequest ?? null;
  return [
    atLeast('MobileHome throughput, concierge / Mercurius', summary.ratios.mercurius?.median, 1.0),
    atLeast('MobileHome throughput, concierge / Apollo', summary.ratios.apollo?.median, 2.0),
    // The floor caches nothing; concierge keeps titles across requests (the shared title cache).
    atLeast('MobileHome throughput on a warm title cache, concierge / floor', summary.ratios.floor?.median, 1.3),
    ...(summary.systems['concierge-cached'] && summary.systems.floor
      ? [atLeast('a response-cache hit, concierge-cached / floor', ratioOf(summary.systems['concierge-cached'].throughput, summary.systems.floor.throughput), 3.0)]
      : []),
    {
      figure: 'added p50 over the floor at half our saturation rate',
      target: '≤ 2 ms',
      value: c?.addedP50Ms ?? null,
      unit: 'ms',
      met: c?.addedP50Ms == null ? null : c.addedP50Ms <= 2,
    },
    {
      figure: 'downstream requests per home (concierge, warm title cache)',
      target: '= 5: one per service but the catalog',
      value: downstream,
      unit: '',
      met: downstream == null ? null : downstream === 5 && c?.servicesUsed === 5 && c?.catalogPerRequest === 0,
    },
    {
      figure: 'catalog calls per home (concierge, warm title cache)',
      target: 'reported',
      value: c?.catalogPerRequest ?? null,
      unit: '',
      met: null,
    },
  ];
}
