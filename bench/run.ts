/**
 * `npm run bench`: concierge's mobile BFF, behind its production perimeter, against the floor,
 * Mercurius and Apollo on MobileHome. Writes bench/RESULTS.md; the last line printed is one JSON
 * object with the throughput ratios (`key`s of COMPARISONS, bench/harness/systems.ts).
 * `npm run bench:smoke`: the same path in seconds, for CI; prints the JSON line, writes nothing.
 *
 * The default set, each system in every round:
 *   concierge-uncached  TITLE_CACHE_MB=0: six downstream calls per home, as every peer → the headline,
 *                       concierge_uncached_vs_mercurius, _vs_floor, _vs_apollo; its saturation sets the rate
 *   floor, mercurius, apollo  the peers (bench/peers/), nothing cached
 *   floor-cached        the floor with our title cache's rule  → concierge_vs_floor_cached
 *   concierge           as deployed, title cache on (five calls per warm home) → concierge_vs_uncached
 *   concierge-flags     FLAGS=on, top-picks-size pinned at control → concierge_flags_vs_concierge,
 *                       flag_evaluation_cost_pct (1 − that ratio)
 * `BENCH_SYSTEMS=concierge,floor` runs a subset (with concierge, and with concierge-uncached when a
 * system compared with it runs). Opt-in variants of our BFF, each printed as a ratio (concierge's
 * throughput over theirs, unless said) and never written to RESULTS.md:
 *   concierge-yoga   FAST_LANE=off                 → concierge_vs_yoga_path: what the fast lane is worth
 *   concierge-open   perimeter off, `{query}` sent → concierge_vs_open: what the perimeter costs (below 1)
 *   concierge-redis  rate limiter on Redis         → concierge_vs_redis: what the shared store costs (above 1)
 *   concierge-cached RESPONSE_CACHE=on             → response_cache_hit_vs_floor: a hit's throughput over the floor's
 *   concierge-unmetered  METRICS=off              → concierge_vs_unmetered: what the metrics cost (below 1)
 *   concierge-logged     LOG_LEVEL=info           → concierge_vs_logged: what an access line per request costs (above 1)
 *   concierge-traced-1   1% of requests traced    → concierge_vs_traced_1 (above 1), spans to an OTLP sink in this process
 *   concierge-traced-100 every request traced     → concierge_vs_traced_100
 * e.g. `BENCH_SYSTEMS=concierge,concierge-open,concierge-redis npm run bench`. The method is
 * described in the RESULTS.md it writes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closedLoop } from './harness/closed-loop.ts';
import { downstreamPerRequest } from './harness/downstream.ts';
import { assertSameHome, completeHome, mintToken, withoutExperiments } from './harness/home.ts';
import { LIVE_SCALE, liveMarkdown, liveScenario } from './harness/live-scenario.ts';
import { openLoop } from './harness/open-loop.ts';
import { backgroundBusy, peakRssMiB, pinSelf, startMocks, startServer, stop, type Mocks } from './harness/processes.ts';
import { answersHttp, coldBurst, type ColdBurst } from './harness/cold-burst.ts';
import { profileMarkdown, profileScenario } from './harness/profile-scenario.ts';
import { rawHomeBytes } from './harness/raw-bytes.ts';
import { machine, markdown, revision, targetsTable } from './harness/report.ts';
import { settingsFrom, type Settings } from './harness/settings.ts';
import { startSystem } from './harness/start-system.ts';
import { TAIL_PROBE_FLAGS, tailOf, whileRecording } from './harness/tail.ts';
import { round } from './harness/stats.ts';
import { costPercent, ratioOf, summarize, targets, type LatencyRun, type Round, type SystemRound } from './harness/summary.ts';
import { COMPARISONS, OTLP_SINK_VARIABLE, SYSTEM_NAMES, SYSTEMS, rateSetter, selectSystems, type System } from './harness/systems.ts';
import { startOtlpSink } from './support/otlp-sink.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const settings = settingsFrom(process.argv.slice(2), process.env);
const systems = selectSystems(ROOT);
const names = systems.map((s) => s.name);
const pinning = pinSelf();
const started = new Date();
const measuredRevision = revision(); // before the run: the code that was started is the code measured
const log = (line: string) => console.log(line);
// The mocks and every measured server run the tail probe (harness/tail.ts) and write its record here when asked.
const probeDir = mkdtempSync(join(tmpdir(), 'bench-tail-'));
process.env.TAIL_PROBE_DIR = probeDir;
process.once('exit', () => rmSync(probeDir, { recursive: true, force: true }));
// The traced systems export to a sink here, on the generator's core, as a collector would receive.
const sink = systems.some((s) => s.name.startsWith('concierge-traced')) ? await startOtlpSink() : undefined;
for (const system of systems) if (sink && system.name.startsWith('concierge-traced')) system.env = { ...system.env, [OTLP_SINK_VARIABLE]: sink.url };

log(`bench (${settings.mode}): ${systems.map((s) => s.name).join(', ')}; ${settings.rounds} round(s); ${pinning.description}`);
const idleBusy = await backgroundBusy();
if (idleBusy !== null && idleBusy > 0.1) {
  log(`WARNING: the CPUs were ${Math.round(idleBusy * 100)}% busy before the suite started: another workload is running, figures will be skewed`);
}

/**
 * One system, one round: start, check its data, count its downstream calls, saturate, hold at the
 * rate, read its peak RSS, stop. Every request carries the system's own body (systems.ts).
 */
async function measure(system: System, mocks: Mocks, token: string, reference: { name?: string; json?: unknown }, rate: number | undefined, withColdBurst: boolean): Promise<SystemRound> {
  const { body } = system;
  // On a process of its own, before it has answered any home: what 50 homes at once cost the catalog cold.
  const burst = withColdBurst ? await coldBurstOf(system, mocks, token) : undefined;
  const server = await startSystem(system, mocks.urls, pinning, token, { nodeFlags: TAIL_PROBE_FLAGS });
  try {
    const home = await completeHome(system.name, server.url, token, body);
    const json = system.experiments ? withoutExperiments(system.name, home.json, system.experiments) : home.json;
    if (reference.json === undefined) Object.assign(reference, { name: system.name, json }); // the rate setter, in this setting's first round
    assertSameHome(system.name, json, reference.json, reference.name);

    // Counted before any load, while nothing can have tripped a breaker or filled a cache under stress.
    const downstream = await downstreamPerRequest(mocks.urls, server.url, token, body, settings.downstreamSamples);
    const closed = await closedLoop({ url: server.url, token, body, serverPid: server.pid, generatorCore: pinning.generator, ...settings.closed });
    const recorded = await whileRecording(probeDir, { server: server.pid, mocks: mocks.child.pid! }, () =>
      openLoop({ url: server.url, token, body, rate: rate ?? Math.max(1, Math.round(closed.throughput / 2)), ...settings.open }),
    );
    const open = recorded.result;
    if (server.child.exitCode !== null || server.child.signalCode !== null) throw new Error(`${system.name} exited during the run`);
    const tail = tailOf(open, recorded.server, recorded.mocks, recorded.generator);
    const peak = peakRssMiB(server.pid);
    log(
      `  ${system.name.padEnd(18)} ${closed.throughput.toFixed(0).padStart(6)} homes/s (cpu ${closed.serverCpu.toFixed(2)})` +
        ` | @${open.rate}/s p50 ${open.p50Ms.toFixed(2)} ms p99 ${open.p99Ms.toFixed(2)} ms` +
        ` | ${round(downstream.perRequest)} downstream/home | ${home.bytes} B | ${peak.toFixed(0)} MiB` +
        (burst ? ` | ${burst.homes} cold homes at once: ${burst.catalogCalls} catalog calls` : '') +
        (closed.failures + open.failures > 0 ? ` | FAILURES ${closed.failures}+${open.failures}` : '') +
        (closed.recoveryMs === null || closed.recoveryMs > 1000 ? ` | recovered from cut connections ${closed.recoveryMs === null ? 'not within 15 s' : `after ${(closed.recoveryMs / 1000).toFixed(1)} s`}` : ''),
    );
    return { closed, open, downstream, responseBytes: home.bytes, peakRssMiB: peak, tail, ...(burst && { coldBurst: burst }) };
  } finally {
    await server.stop();
  }
}

/** A cold process's burst (harness/cold-burst.ts): started, sent COLD_BURST_HOMES homes at once, stopped. */
async function coldBurstOf(system: System, mocks: Mocks, token: string): Promise<ColdBurst> {
  const server = await startServer(system.name, system.entry, mocks.urls, pinning, answersHttp, { env: system.env, nodeFlags: system.nodeFlags });
  try {
    return await coldBurst(mocks.urls, server.url, token, system.body);
  } finally {
    await stop(server.child);
  }
}

async function runLatency(setting: Settings['latencies'][number]): Promise<LatencyRun> {
  log(`\n${setting.label}`);
  const mocks = await startMocks(pinning, setting, TAIL_PROBE_FLAGS);
  try {
    const token = await mintToken(mocks.urls.identity);
    const rawBytes = await rawHomeBytes(mocks.urls, 'mobile');
    const reference: { name?: string; json?: unknown } = {};
    const setter = systems.find((s) => s.name === rateSetter(names))!;
    const others = systems.filter((s) => s !== setter);
    const rounds: Round[] = [];
    for (let r = 0; r < settings.rounds; r++) {
      // The rate setter first (half its saturation is every system's open-loop rate), then the
      // others, rotated every round: rotation keeps neighbours together (systems.ts SYSTEM_NAMES).
      const shift = r % Math.max(1, others.length);
      const order = [setter, ...others.slice(shift), ...others.slice(0, shift)];
      log(` round ${r + 1}/${settings.rounds}`);
      const result: Round = { order: order.map((s) => s.name), rate: 0, systems: {} };
      for (const system of order) {
        const measured = await measure(system, mocks, token, reference, system === setter ? undefined : result.rate, r === 0);
        result.systems[system.name] = measured;
        if (system === setter) result.rate = measured.open.rate;
      }
      rounds.push(result);
    }
    return { setting, rawBytes, rounds };
  } finally {
    await stop(mocks.child);
  }
}

const runs: LatencyRun[] = [];
for (const setting of settings.latencies) runs.push(await runLatency(setting));

// The live-updates scenario (issue 25), its own section: at the issue's size in a full run, a
// few hundred sockets for a second or two in a smoke run, so it cannot rot either.
log('\nlive updates: WebSockets on one web replica');
const live = await liveScenario(pinning, settings.mode === 'full' ? LIVE_SCALE : { connections: 200, eventsPerSecond: 100, seconds: 2, idleSeconds: 1, warmupSeconds: 1 }, log);
log(liveMarkdown(live));

// Where a home's CPU goes, before this wave's engine work and now, beside the floor (issue 24):
// under the profiler, so after the timed runs; in a smoke run, seconds of this checkout only.
log("\nwhere a home's CPU goes: V8 CPU profiles at saturation");
const profiles = await profileScenario(ROOT, pinning, settings.mode === 'full' ? { seconds: 8, warmupSeconds: 5, rounds: 3, baseline: true } : { seconds: 1, warmupSeconds: 1, rounds: 1, baseline: false }, log);
log(profileMarkdown(profiles));

const summaries = runs.map((run) => summarize(run, names, COMPARISONS));
const atZero = summaries[0]!;
const goals = targets(atZero);
const minutes = (Date.now() - started.getTime()) / 60_000;

log(`\n${targetsTable(goals)}\n`);
// RESULTS.md holds the comparison the issue asks for: the default systems, no more and no fewer.
const defaultSet = SYSTEM_NAMES.filter((name) => !SYSTEMS[name].optIn);
const isDefaultSet = names.length === defaultSet.length && defaultSet.every((name) => names.includes(name));
if (settings.writeResults && !isDefaultSet) log(`not writing bench/RESULTS.md: BENCH_SYSTEMS chose ${names.join(', ')}, not the default set`);
// Rendered in a smoke run too, so the report cannot rot unseen until a full run's end.
const lifecycle = process.env.npm_lifecycle_event;
const overrides = Object.entries(process.env).filter(([k]) => k.startsWith('BENCH_')).map(([k, v]) => `${k}=${v} `).join('');
const command = `${overrides}${lifecycle ? `npm run ${lifecycle}` : `node --import tsx bench/run.ts ${process.argv.slice(2).join(' ')}`.trim()}`;
const text = markdown({ machine: machine(), date: started, command, revision: measuredRevision, pinning, idleBusy, settings, systems, runs, summaries, targets: goals, minutes });
if (!settings.writeResults) log(`bench/RESULTS.md not written (${settings.mode} run); its text would be ${text.length} characters`);
if (settings.writeResults && isDefaultSet) {
  writeFileSync(new URL('RESULTS.md', import.meta.url), `${text.trimEnd()}\n\n${profileMarkdown(profiles)}\n\n${liveMarkdown(live)}`);
  log(`wrote bench/RESULTS.md (${minutes.toFixed(1)} min)`);
}

const medians = (summary: (typeof summaries)[number]) => Object.fromEntries(summary.ratios.map((r) => [r.comparison.key, r.median == null ? null : round(r.median, 3)]));
const perSystem = (pick: (s: NonNullable<(typeof atZero.systems)[keyof typeof atZero.systems]>) => number | null) =>
  Object.fromEntries(names.map((n) => [n, pick(atZero.systems[n]!)]));
const headline = atZero.systems['concierge-uncached'];
const flagCost = costPercent(ratioOf(atZero, 'concierge_flags_vs_concierge'));
const at20 = summaries[1];
console.log(
  JSON.stringify({
    bench: 'mobile-home',
    mode: settings.mode,
    rounds: settings.rounds,
    ...medians(atZero),
    ...(flagCost !== null && { flag_evaluation_cost_pct: round(flagCost, 2) }),
    ...(sink && { otlp_sink: { batches: sink.batches(), bytes: sink.bytes() } }),
    // The latency and memory targets are about the headline system, on equal footing.
    ...(headline && {
      added_p50_ms_over_floor: headline.addedP50Ms == null ? null : round(headline.addedP50Ms, 3),
      added_p99_ms_over_floor: headline.addedP99Ms == null ? null : round(headline.addedP99Ms, 3),
      added_p99_ms_over_floor_outside_rig_stalls: headline.tail.addedP99OutsideRigStallsMs == null ? null : round(headline.tail.addedP99OutsideRigStallsMs, 3),
      peak_rss_vs_floor: headline.peakRssOverFloor == null ? null : round(headline.peakRssOverFloor, 3),
    }),
    downstream_per_home: perSystem((s) => s.downstreamPerRequest),
    catalog_calls_per_home: perSystem((s) => s.catalogPerRequest),
    cold_burst_catalog_calls: perSystem((s) => s.coldBurstCatalogCalls),
    throughput: perSystem((s) => round(s.throughput ?? Number.NaN, 1)),
    ...(at20 && { at_20ms: medians(at20) }),
    live: { connections: live.connections, rss_kib_per_connection: live.rssAddedPerConnectionKiB, idle_cpu_pct: live.idleCpuPercentOfOneCore, delay_p50_ms: live.delayMs.p50, delay_p99_ms: live.delayMs.p99, handed_off_within_50ms: live.serverHandedOffWithin.ms50 },
    pinning: pinning.description,
  }),
);
// The servers and mocks are stopped; nothing else should keep the loop alive, but do not wait on it.
process.exit(0);
