/** bench/RESULTS.md: the machine, the method, and every figure of a full run, as markdown. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { costPercent, type LatencyRun, type LatencySummary, type Target } from './summary.ts';
import type { Settings } from './settings.ts';
import { COLD_BURST_HOMES } from './cold-burst.ts';
import { ADMIT_ALL_BUDGET, ADMIT_ALL_IN_FLIGHT, FLAGS_CONTROL_FILE, SYSTEMS, type System, type SystemName } from './systems.ts';
import { SERVER_NODE_FLAGS, type Pinning } from './processes.ts';
import { STALL_MS, TAIL_PROBE_FLAGS } from './tail.ts';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  kernel: string;
}

export function machine(): Machine {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.+)$`, 'm').exec(info)?.[1]?.trim();
    // A VM may report a bare "AMD EPYC": family and model at least tell the generation.
    cpu = `${field('model name') ?? cpu} (family ${field('cpu family') ?? '?'}, model ${field('model') ?? '?'})`;
    if (/\bhypervisor\b/.test(field('flags') ?? '')) cpu += ', virtual machine';
  } catch {
    // not Linux: os.cpus() is the best there is
  }
  return { cpu, cores: cpus().length, memoryGiB: totalmem() / 2 ** 30, node: process.version, kernel: release() };
}

/** The commit measured, and whether the working tree differed from it (the figures then belong to neither). */
export function revision(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const changed = git('status', '--porcelain').split('\n').filter((line) => line && !line.endsWith('bench/RESULTS.md')).length;
    return `${git('rev-parse', '--short', 'HEAD')}${changed ? ` plus ${changed} uncommitted change${changed === 1 ? '' : 's'}` : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

const fmt = (value: number | null | undefined, digits = 1) => (value == null || !Number.isFinite(value) ? '–' : value.toFixed(digits));
const signed = (value: number | null | undefined, digits = 2) => (value == null ? '–' : `${value >= 0 ? '+' : ''}${value.toFixed(digits)}`);
const signedIf = (sign: boolean, value: number) => (sign ? signed(value) : fmt(value, 2));
/** A markdown table; figures are right-aligned, prose (the first column, every column with `text` true, the columns from `text` on) left. */
const table = (head: string[], rows: string[][], text: boolean | number = false) =>
  [
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 || text === true || (typeof text === 'number' && i >= text) ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

export function targetsTable(list: Target[]): string {
  return table(
    ['figure (no injected latency)', 'target', 'measured (median)', 'per round', 'met'],
    list.map((t) => [t.figure, t.target, t.value == null ? '–' : figureOf(t, t.value), t.perRound?.map((v) => figureOf(t, v)).join(', ') ?? '–', verdictOf(t)]),
  );
}

const figureOf = (t: Target, value: number) => `${signedIf(t.unit === 'ms', value)}${t.unit === 'ms' ? ' ms' : t.unit}`;

/**
 * Whether the median meets the target, and, when the rounds disagree, how many met it: a verdict
 * the machine's noise could turn says so, rather than a plain yes or no.
 */
export function verdictOf(t: Target): string {
  if (t.met == null) return t.target === 'reported' ? '–' : 'not measured';
  const rounds = t.perRound?.length ?? 0;
  const met = t.roundsMet ?? 0;
  if (rounds < 2 || met === (t.met ? rounds : 0)) return t.met ? 'yes' : '**no**';
  return t.met ? `yes, in ${met} of ${rounds} rounds` : `**no**, though ${met} of ${rounds} rounds met it`;
}

function figures(summary: LatencySummary, names: SystemName[]): string {
  const rows = names.map((name) => ({ name, s: summary.systems[name]! }));
  const speed = table(
    ['system', 'saturation (homes/s)', 'per round', 'closed-loop p50 / p99 (ms)', 'server CPU (cores)', 'open-loop rate (/s)', 'p50 (ms)', 'p99 (ms)', 'added p50 over floor (ms)', 'added p99 over floor (ms)', 'failures', 'recovery after cut connections (s)'],
    rows.map(({ name, s }) => [
      name,
      fmt(s.throughput, 0),
      s.throughputPerRound.map((t) => t.toFixed(0)).join(', '),
      `${fmt(s.closedP50Ms, 0)} / ${fmt(s.closedP99Ms, 0)}`,
      fmt(s.serverCpu, 2),
      fmt(s.openRate, 0),
      fmt(s.openP50Ms, 2),
      fmt(s.openP99Ms, 2),
      signed(s.addedP50Ms),
      signed(s.addedP99Ms),
      String(s.failures),
      s.recoveryMs === null ? '> 15' : fmt(s.recoveryMs / 1000, 1),
    ]),
  );
  const cost = table(
    ['system', 'downstream requests / home', 'catalog calls / home', `catalog calls of ${COLD_BURST_HOMES} homes at once, cold`, 'services used', 'response bytes / home', 'raw service bytes / home (no BFF)', 'raw / response', 'peak RSS (MiB)', "peak RSS / the floor's"],
    rows.map(({ name, s }) => [
      name,
      fmt(s.downstreamPerRequest, 2),
      fmt(s.catalogPerRequest, 2),
      fmt(s.coldBurstCatalogCalls, 0),
      fmt(s.servicesUsed, 0),
      fmt(s.responseBytes, 0),
      String(summary.rawBytes),
      s.responseBytes ? `${(summary.rawBytes / s.responseBytes).toFixed(1)}×` : '–',
      fmt(s.peakRssMiB, 1),
      s.peakRssOverFloor == null ? '–' : `${fmt(s.peakRssOverFloor, 2)}×`,
    ]),
  );
  const ratios = table(
    ['throughput ratio', 'median', 'per round', 'what it measures'],
    summary.ratios.map(({ comparison: c, median, perRound }) => [
      `${c.label ? `${c.label}: ` : ''}${c.of} / ${c.against}`,
      `${fmt(median, 3)}×${c.cost ? ` (costs ${fmt(costPercent(median), 1)}% of a home)` : ''}`,
      perRound.map((x) => x.toFixed(3)).join(', '),
      c.measures,
    ]),
    3,
  );
  const share = (value: number | null) => (value == null ? '–' : `${Math.round(value * 100)}%`);
  const tail = table(
    ['system', 'open-loop p99 (ms)', 'server loop delay p99 / longest (ms)', 'longest GC pause (ms)', 'old-generation collections', "rig's longest stall (ms)", 'slowest 1%: a server GC pause inside', 'a server loop stall inside', 'a rig stall inside', 'none of these', "p99 outside the rig's stalls (ms)", 'added over the floor (ms)'],
    rows.map(({ name, s }) => [
      name,
      fmt(s.openP99Ms, 2),
      `${fmt(s.tail.serverLoopP99Ms, 1)} / ${fmt(s.tail.serverLoopMaxMs, 1)}`,
      fmt(s.tail.serverGcMaxMs, 1),
      fmt(s.tail.majorGcs, 0),
      fmt(s.tail.rigLoopMaxMs, 1),
      share(s.tail.slowWith.serverGc),
      share(s.tail.slowWith.serverStall),
      share(s.tail.slowWith.rigStall),
      share(s.tail.slowWith.none),
      fmt(s.tail.p99OutsideRigStallsMs, 2),
      signed(s.tail.addedP99OutsideRigStallsMs),
    ]),
  );
  const lag = Math.max(...rows.map(({ s }) => s.sendLagP99Ms ?? 0));
  const core = rows.map(({ s }) => s.generatorCoreBusy).filter((x): x is number => x !== null);
  return [
    speed,
    '',
    cost,
    '',
    ratios,
    '',
    'Where the half-load tail comes from (every figure the median over rounds; the method below):',
    '',
    tail,
    '',
    `Generator health: requests were written at most ${lag.toFixed(2)} ms (p99) after their due time` +
      (core.length ? `; the generator's core (shared with the mocks) was ${Math.round(Math.min(...core) * 100)}–${Math.round(Math.max(...core) * 100)}% busy during the saturation runs.` : '.'),
  ].join('\n');
}

/** How a body sends MobileHome, for the method table. */
const sentAs = (body: string) => ('documentId' in (JSON.parse(body) as object) ? '`{documentId}`' : '`{query}`');
const envOf = (system: System) =>
  Object.entries(system.env ?? {})
    .filter(([, value]) => value !== '')
    .map(([key, value]) => `\`${key}=${value}\``)
    .join(' ') || '–';

export function markdown(input: {
  machine: Machine;
  date: Date;
  command: string;
  revision: string;
  pinning: Pinning;
  /** Share of the CPUs busy before the suite started (another workload), if it could be read. */
  idleBusy: number | null;
  settings: Settings;
  systems: System[];
  runs: LatencyRun[];
  summaries: LatencySummary[];
  targets: Target[];
  minutes: number;
}): string {
  const { machine: m, settings: s } = input;
  const names = input.systems.map((x) => x.name);
  const orders = input.runs[0]?.rounds.map((r, i) => `round ${i + 1}: ${r.order.join(' → ')}`).join('; ') ?? '';
  const first = input.runs[0]?.rounds[0]?.order[0] ?? 'concierge-uncached';
  return [
    '# Benchmark results',
    '',
    `Written by \`${input.command}\` (bench/run.ts) on ${input.date.toISOString()}, in ${input.minutes.toFixed(1)} min, at revision ${input.revision}. Regenerate rather than edit.`,
    '',
    '## Machine',
    '',
    table(['cpu', 'cores', 'memory', 'node', 'kernel'], [[m.cpu, String(m.cores), `${m.memoryGiB.toFixed(1)} GiB`, m.node, m.kernel]], true),
    '',
    `Pinning: ${input.pinning.description}.`,
    '',
    input.idleBusy === null
      ? 'Background load before the run: not measured.'
      : `Background load before the run: ${Math.round(input.idleBusy * 100)}% of the CPUs busy over 1 s with the suite idle` +
        (input.idleBusy > 0.1 ? ' — **another workload was running; treat these figures as skewed**.' : ' (quiet).'),
    '',
    '## Against the targets',
    '',
    targetsTable(input.targets),
    '',
    "Each figure taken round by round is judged on its median over the rounds. Where the rounds disagree, the verdict says how many met the target: the machine's noise could have turned it.",
    '',
    ...input.summaries.flatMap((summary) => [`## Figures: ${summary.setting.label}`, '', figures(summary, names), '']),
    '## Method',
    '',
    table(
      ['system', 'server', 'sent', 'environment', ''],
      input.systems.map((x) => [x.name, `\`${x.entry}\``, sentAs(x.body), envOf(x), SYSTEMS[x.name].description]),
      true,
    ),
    '',
    `- **Request**: MobileHome (\`bffs/mobile/operations/MobileHome.graphql\`), \`POST /graphql\` as viewer u_1, each system sent the body its client sends: ours (every \`concierge*\`) its trusted-document id, \`{"documentId":"sha256:…"}\`, as the mobile app's SDK sends it (bffs/mobile/sdk); the peers, which know no trusted documents, the same document as query text, \`{"query":…}\` (the suite checks the id names that very document). Before any timing, every system's answer is deep-equal-compared with ${first}'s (every round); a difference stops the run.`,
    `- **Perimeter**: ours runs with the production perimeter on, as deployed: trusted documents only, operation limits, CORS, and rate limiting active (memory store), budgets raised so the measured load is admitted (\`RATE_LIMIT_VIEWER=${ADMIT_ALL_BUDGET} RATE_LIMIT_IP=${ADMIT_ALL_BUDGET}\`: one viewer from one address at saturation would exhaust the default budgets within a second, while every request still spends MobileHome's cost from both), and the in-flight caps likewise (\`IN_FLIGHT_VIEWER=${ADMIT_ALL_IN_FLIGHT} IN_FLIGHT_IP=${ADMIT_ALL_IN_FLIGHT}\`: its 256 connections are one viewer's; every request is still counted in and out); its metrics are recorded. The peers have no perimeter. What the perimeter costs, and a limiter on Redis, are the opt-in systems concierge-open and concierge-redis (\`BENCH_SYSTEMS\`, bench/run.ts), reported as ratios, not here.`,
    `- **Title cache, and the headline**: our BFF keeps the catalog's titles across requests (its shared title cache, bffs/kit/caching/title-cache.ts), so a warm one makes five downstream calls per home where every peer makes six, the catalog batch included. The headline is therefore concierge-uncached, ours with \`TITLE_CACHE_MB=0\`, against the peers: the same six calls each, nothing cached by anyone. concierge, ours as deployed with the title cache, is measured against floor-cached: the floor with the same rule (bench/peers/title-cache.ts: kept as long as the catalog's Cache-Control lets a shared cache, unknown ids 30 s at most, served stale within stale-while-revalidate while revalidated with If-None-Match, concurrent misses of a title fetched once, an LRU of the titles' JSON bounded by the same \`TITLE_CACHE_MB\`), five calls per warm home each. The targets table checks both counts.`,
    `- **Flags**: every other system runs with \`FLAGS=off\` (the peers run no experiment). concierge-flags is concierge with \`FLAGS=on\` and \`FLAGS_FILE=${FLAGS_CONTROL_FILE}\`: flags/flags.json with top-picks-size's fractional split given wholly to control (100 against 0), so the split is still evaluated for every home (the viewer hashed into a bucket, the evaluation counted and exposed) while every answer keeps 20 top picks; the suite checks it exposes \`{"top-picks-size":"control"}\` in \`extensions.experiments\`, then compares the rest of its answer with everyone's. Both run with the title cache, as deployed, so the ratio is like with like; the flag evaluation cost is 1 − that ratio.`,
    `- **Rounds**: ${s.rounds}, systems alternating within each (${orders}). ${first} goes first because half of its saturation throughput is the round's open-loop rate; the others rotate so none always runs right after it; rotation keeps neighbours together except where it wraps, and concierge sits between floor-cached and concierge-flags, the two measured against it. Every figure is the median over rounds; every ratio and difference is taken within a round first, then the median is reported.`,
    `- **Processes**: a fresh server process per system per round, and only one alive at a time. Each round is then an independent sample (cold start, JIT and heap growth included in its warm-up, not inherited), idle servers cannot steal the server core, and peak RSS (VmHWM from /proc/<pid>/status, read just before SIGTERM) belongs to exactly one round's load. The mocks are one process per latency setting, shared by every system.`,
    `- **Saturation**: closed loop, autocannon, ${s.closed.connections} connections, ${s.closed.warmupSeconds} s warm-up then ${s.closed.seconds} s measured; throughput counts 2xx homes without GraphQL \`errors\`. Server CPU is the server process's user+system time over the window: near 1.0 means the server's core was the limit.`,
    `- **Recovery after cut connections**: autocannon ends every run by destroying its sockets with up to ${s.closed.connections} requests in flight. After the warm-up and after the measured run, the suite waits until the server answers a complete home again before the next phase (polling every 100 ms, at most 15 s), so one phase's ending cannot decide the next phase's figures; the longer of the two waits is reported. A healthy server needs one round trip; seconds mean the server treated clients going away as downstream failures.`,
    `- **Latency at a fixed rate**: open loop written for this suite (bench/harness/open-loop.ts): request i is sent at t0 + i/rate on an undici Pool of ${s.open.connections} sockets, and timed from its *scheduled* instant, so stalls are paid for by every request due during them (no coordinated omission). ${s.open.warmupSeconds} s warm-up then ${s.open.seconds} s measured, at half of ${first}'s saturation throughput in the same round, for every system: the system the latency targets are about, on equal footing (concierge's title cache would set a rate the uncached peers run nearer their own saturation). "Added" is the difference from the floor's p50/p99 in the same round. The generator shares its core with the mocks, so its timers can fire a few ms late (see "Generator health"); that lateness is inside every system's figures alike, and mostly cancels in the "added" differences.`,
    `- **The tail**: the mocks and every measured server run a probe (\`${TAIL_PROBE_FLAGS.join(' ')}\`), and so does the load generator: a 5 ms timer that records how late it fires (the event-loop delay) and every GC pause, with wall-clock timestamps (bench/harness/tail.ts). After the open loop each request at or above its p99 is lined up with them: a pause of the server's collector, a stall of the server's loop of ${STALL_MS} ms or more, or a stall of the mocks' or the generator's loop (they share one core: the rig's) fell inside it, or none of these (a request may have several). The p99 is also taken over the requests no rig stall fell inside, and its difference from the floor's in the same round, to read the target's row by; the target is judged on the plain p99. \`npm run bench:tail\` runs this part alone.`,
    `- **Downstream requests per home**: every mock's counters reset, ${s.downstreamSamples} homes sent one at a time, counter totals summed (identity excluded: JWKS is fetched once per process) and divided.`,
    `- **A cold burst**: in the first round, before its measured process, each system is started once more on a process of its own and, as soon as it answers HTTP (no home asked of it, so nothing cached), sent ${COLD_BURST_HOMES} MobileHomes of the same viewer at once: every home needs the same titles at the same moment. The catalog's counter gives the calls the whole burst made: one per home for a system that shares nothing across requests, about one for one that shares a title's in-flight fetch among the requests that miss it (ours: bffs/kit/caching/title-cache.ts; floor-cached by the same rule). Every home must come back whole.`,
    `- **Bytes**: the response body of one home, next to the bytes the app would fetch from the raw services for the same screen (bench/harness/raw-bytes.ts, shared with \`npm run bench:home\`).`,
    `- **Latency settings**: ${s.latencies.map((l) => `${l.label} (MOCKS_LATENCY_MS=${l.ms} MOCKS_JITTER_MS=${l.jitterMs})`).join('; ')}.`,
    `- Every server runs with NODE_ENV=production and LOG_LEVEL=warn, as deployed, and with the same node flags, the ones our BFFs are deployed with: \`${SERVER_NODE_FLAGS.join(' ')}\` (bffs/kit/server/node-flags.ts), so no system wins on V8 tuning.`,
    '',
  ].join('\n');
}
