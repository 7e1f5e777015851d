/**
 * The systems under test, in one place. Each is a server started as `node --import tsx <entry>`
 * with PORT and `<SERVICE>_URL` for every downstream service, answering `POST /graphql` with
 * MobileHome's data the same way ours does, to the body its own client would send (`body`).
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { DEFAULT_TITLE_CACHE_MB } from '../../bffs/kit/caching/title-cache.ts';
import { QUERY_HOME_BODY, TRUSTED_HOME_BODY } from './home.ts';

export interface System {
  name: SystemName;
  /** Relative to the repository root. */
  entry: string;
  description: string;
  /**
   * The MobileHome request body (home.ts): our BFF is sent the trusted-document id, as the mobile
   * SDK sends it; the peers, which know no trusted documents, the query text.
   */
  body: string;
  /** Added to the server's environment. */
  env?: Record<string, string>;
  /** The Redis its rate limiter spends in (also in `env` as REDIS_URL): checked before timing, cleaned after. */
  redisUrl?: string;
  /** Only run when BENCH_SYSTEMS names it. */
  optIn?: boolean;
  /** After the deployment's node flags (the last of a repeated V8 flag wins). */
  nodeFlags?: readonly string[];
  /**
   * The flags its answer exposes in `extensions.experiments`, each at the variant its definitions
   * pin: checked before timing (the flags were evaluated, at the variant that keeps the answer
   * everyone else's), then left out of the comparison with the other systems' answers.
   */
  experiments?: Readonly<Record<string, string>>;
}

/**
 * In the order of RESULTS.md's tables: the headline first (ours on equal footing, then the peers),
 * then the title-cache pair and what flags cost, then the opt-in variants. In a round every system
 * but the first is rotated (run.ts), which keeps neighbours together except where it wraps:
 * concierge sits between floor-cached and concierge-flags, the two measured against it.
 */
export const SYSTEM_NAMES = [
  'concierge-uncached', 'floor', 'mercurius', 'apollo',
  'floor-cached', 'concierge', 'concierge-flags',
  'concierge-yoga', 'concierge-open', 'concierge-redis', 'concierge-cached',
  'concierge-unmetered', 'concierge-logged', 'concierge-traced-1', 'concierge-traced-100',
  'concierge-other', 'concierge-uncached-other',
] as const;
export type SystemName = (typeof SYSTEM_NAMES)[number];

/**
 * Throughput ratios, `of` over `against`, each taken within a round and then the median over
 * rounds (summary.ts). A comparison is reported when both of its systems ran. `key` names it in
 * the JSON line run.ts prints last.
 */
export interface Comparison {
  key: string;
  of: SystemName;
  against: SystemName;
  /** What the ratio says, for RESULTS.md. */
  measures: string;
  /** The row's name in RESULTS.md, before `of / against`. */
  label?: string;
  /** A cost: `of` is `against` with one thing more, and 1 − the ratio is what that thing costs, in percent of a home. */
  cost?: true;
}

export const COMPARISONS: readonly Comparison[] = [
  // The headline: our engine with everything deployed but the title cache, six downstream calls per home as every peer.
  { key: 'concierge_uncached_vs_mercurius', of: 'concierge-uncached', against: 'mercurius', measures: 'the headline: our BFF against Mercurius on equal footing (title cache off, six calls per home each)' },
  { key: 'concierge_uncached_vs_floor', of: 'concierge-uncached', against: 'floor', measures: 'our BFF against the hand-written floor on equal footing' },
  { key: 'concierge_uncached_vs_apollo', of: 'concierge-uncached', against: 'apollo', measures: 'our BFF against Apollo Server on equal footing' },
  // The cached figure against a limit that caches by the same rule: five calls per warm home each.
  { key: 'concierge_vs_floor_cached', of: 'concierge', against: 'floor-cached', measures: 'our BFF with its title cache against the floor with the same title-cache rule (five calls per warm home each)' },
  { key: 'concierge_vs_uncached', of: 'concierge', against: 'concierge-uncached', measures: 'what the shared title cache is worth (above 1)' },
  { key: 'concierge_flags_vs_concierge', of: 'concierge-flags', against: 'concierge', label: 'flag evaluation cost', measures: 'MobileHome with FLAGS=on (top-picks-size evaluated, pinned at control) against FLAGS=off, both with the title cache', cost: true },
  // Opt-in variants, each against concierge as deployed.
  { key: 'concierge_vs_yoga_path', of: 'concierge', against: 'concierge-yoga', measures: 'what the fast lane is worth (above 1)' },
  { key: 'concierge_vs_open', of: 'concierge', against: 'concierge-open', measures: 'what the perimeter costs (below 1)' },
  { key: 'concierge_vs_redis', of: 'concierge', against: 'concierge-redis', measures: 'what a limiter on Redis costs (above 1)' },
  { key: 'response_cache_hit_vs_floor', of: 'concierge-cached', against: 'floor', measures: "a response-cache hit's throughput over the floor's" },
  { key: 'concierge_vs_unmetered', of: 'concierge', against: 'concierge-unmetered', measures: 'what the metrics cost (below 1)' },
  { key: 'concierge_vs_logged', of: 'concierge', against: 'concierge-logged', measures: 'what an access line per request costs (above 1)' },
  { key: 'concierge_vs_traced_1', of: 'concierge', against: 'concierge-traced-1', measures: 'what tracing 1% of requests costs (above 1)' },
  { key: 'concierge_vs_traced_100', of: 'concierge', against: 'concierge-traced-100', measures: 'what tracing every request costs (above 1)' },
  { key: 'concierge_vs_other', of: 'concierge', against: 'concierge-other', measures: 'this checkout against BENCH_OTHER_TREE' },
  { key: 'concierge_uncached_vs_other', of: 'concierge-uncached', against: 'concierge-uncached-other', measures: 'this checkout against BENCH_OTHER_TREE, title cache off' },
];

/**
 * The system whose saturation sets a round's open-loop rate (half of it, for every system), and
 * which therefore runs first: concierge-uncached when it runs. The latency targets are about it
 * ("added p99 over the floor at half load"), so half load is half of what it sustains on equal
 * footing; concierge's title cache would set a rate the uncached peers run nearer their own
 * saturation, which inflates their tails and flatters ours. Without it (an opt-in run of
 * concierge's variants), concierge.
 */
export function rateSetter(names: readonly SystemName[]): SystemName {
  return names.includes('concierge-uncached') ? 'concierge-uncached' : 'concierge';
}

/** A rate-limit budget (`<points>/<seconds>`) no measured load exhausts: MobileHome costs 56 points. */
export const ADMIT_ALL_BUDGET = '1000000000/60';
/** An in-flight cap no measured load reaches: the open loop keeps at most 256 requests out. */
export const ADMIT_ALL_IN_FLIGHT = '100000';

/**
 * Our BFF as deployed: NODE_ENV=production's perimeter, every part on (trusted documents only,
 * operation limits, CORS, rate limiting per viewer and per address in the memory store). Set
 * explicitly, so a knob left in the shell cannot switch part of it off. The budgets are raised so
 * one viewer from one address at saturation is admitted (the defaults, 6000 points a minute per
 * viewer, would answer 429 within a second) while the limiter still spends on every request.
 */
export const PERIMETER_ENV: Readonly<Record<string, string>> = {
  TRUSTED_DOCUMENTS: 'only',
  OPERATION_LIMITS: 'on',
  RATE_LIMITS: 'on',
  RATE_LIMIT_VIEWER: ADMIT_ALL_BUDGET,
  RATE_LIMIT_IP: ADMIT_ALL_BUDGET,
  // One viewer from one address sends every request (256 connections in the open loop): the
  // in-flight caps would refuse most of them, while the stage still counts each one in and out.
  IN_FLIGHT_VIEWER: ADMIT_ALL_IN_FLIGHT,
  IN_FLIGHT_IP: ADMIT_ALL_IN_FLIGHT,
  REDIS_URL: '', // the memory store
  // The generator is one address holding up to 256 sockets, as a balancer would: no per-address
  // cap, and the keep-alive a balancer gets (the direct defaults are for clients, server/socket-limits.ts).
  MAX_CONNECTIONS_PER_ADDRESS: '100000',
  KEEP_ALIVE_TIMEOUT_MS: '65000',
  FAST_LANE: 'on',
  // Metrics on, as deployed (concierge-unmetered measures what they cost); access lines off, as
  // for every peer (concierge-logged measures them); tracing off (concierge-traced-*).
  METRICS: 'on',
  ADMIN_PORT: 'off',
  // The bench sends one viewer's home again and again: with the response cache every request
  // after the first would be a hit, against peers that compute each one. concierge-cached measures it.
  RESPONSE_CACHE: 'off',
  // Flags off: the peers implement no experiment, and every answer is compared with concierge's.
  // What flag evaluation costs is concierge-flags: FLAGS=on, with a definitions file that holds
  // top-picks-size at control (FLAGS_CONTROL_FILE), against this one.
  FLAGS: 'off',
  // The shared title cache as deployed, set here so a TITLE_CACHE_MB left in the shell cannot turn
  // it off; concierge-uncached sets 0.
  TITLE_CACHE_MB: String(DEFAULT_TITLE_CACHE_MB),
};

/**
 * flags/flags.json with every split of top-picks-size given to its control variant (weight 100
 * against 0): the fractional rule is still evaluated for every home, as in the real experiment
 * (the viewer hashed into a bucket), but every viewer lands in control, 20 top picks, the answer
 * everyone else gives. Relative to the repository root, where every server runs.
 */
export const FLAGS_CONTROL_FILE = 'bench/harness/flags-control.json';

/** Where the traced systems export (run.ts starts the sink and sets it). */
export const OTLP_SINK_VARIABLE = 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT';

/** The Redis concierge-redis's limiter spends in (`.ci/run` makes sure one answers there). */
export const BENCH_REDIS_URL = 'redis://127.0.0.1:6379';

/** concierge-other and concierge-uncached-other: the checkout BENCH_OTHER_TREE names (this one when only the flags differ), under BENCH_OTHER_NODE_FLAGS. */
const OTHER_ENTRY = join(relative(process.cwd(), process.env.BENCH_OTHER_TREE ?? (process.env.BENCH_OTHER_NODE_FLAGS ? '.' : 'BENCH_OTHER_TREE-is-not-set')), 'bffs/mobile/main.ts');
const OTHER_NODE_FLAGS = process.env.BENCH_OTHER_NODE_FLAGS?.split(/\s+/).filter(Boolean);
const OTHER_DESCRIPTION = `(${process.env.BENCH_OTHER_TREE ?? 'this one'})${process.env.BENCH_OTHER_NODE_FLAGS ? ` with node ${process.env.BENCH_OTHER_NODE_FLAGS}` : ''}`;

export const SYSTEMS: Record<SystemName, System> = {
  // The headline: ours as deployed but for the title cache, so it makes the six downstream calls
  // per home every peer makes, the catalog batch included.
  'concierge-uncached': {
    name: 'concierge-uncached',
    entry: 'bffs/mobile/main.ts',
    description: 'ours with TITLE_CACHE_MB=0, the headline: the same six downstream calls per home as every peer, production perimeter and metrics on',
    body: TRUSTED_HOME_BODY,
    env: { ...PERIMETER_ENV, TITLE_CACHE_MB: '0' },
  },
  concierge: {
    name: 'concierge',
    entry: 'bffs/mobile/main.ts',
    description: 'ours as deployed: the graphql-yoga mobile BFF, plain POSTs on its fast lane, behind its production perimeter, its shared title cache on (five calls per warm home)',
    body: TRUSTED_HOME_BODY,
    env: { ...PERIMETER_ENV },
  },
  floor: {
    name: 'floor',
    entry: 'bench/peers/floor.ts',
    description: 'hand-written node:http + undici, no GraphQL engine: the cost floor',
    body: QUERY_HOME_BODY,
    env: { TITLE_CACHE_MB: '0' },
  },
  'floor-cached': {
    name: 'floor-cached',
    entry: 'bench/peers/floor.ts',
    description: "the floor with the rule of our shared title cache (bench/peers/title-cache.ts) and its bound: concierge's limit",
    body: QUERY_HOME_BODY,
    env: { TITLE_CACHE_MB: PERIMETER_ENV.TITLE_CACHE_MB! },
  },
  // What flag evaluation costs, like with like: concierge as deployed (title cache on) with flags on.
  'concierge-flags': {
    name: 'concierge-flags',
    entry: 'bffs/mobile/main.ts',
    description: 'ours with FLAGS=on: top-picks-size evaluated for every home (its fractional split, pinned at control) and exposed',
    body: TRUSTED_HOME_BODY,
    env: { ...PERIMETER_ENV, FLAGS: 'on', FLAGS_FILE: FLAGS_CONTROL_FILE },
    experiments: { 'top-picks-size': 'control' },
  },
  mercurius: { name: 'mercurius', entry: 'bench/peers/mercurius.ts', description: 'Fastify + Mercurius', body: QUERY_HOME_BODY },
  apollo: { name: 'apollo', entry: 'bench/peers/apollo.ts', description: 'Apollo Server', body: QUERY_HOME_BODY },
  // Before and after a change, in one run with rounds alternated (the machine's speed drifts
  // between minutes, so two runs cannot be compared): the mobile BFF of another checkout, e.g.
  // `git worktree add ../before <commit> && (cd ../before && npm install)`, then
  // BENCH_OTHER_TREE=../before BENCH_SYSTEMS=concierge,concierge-other,floor npm run bench:cpu
  // Or this checkout under other node flags: BENCH_OTHER_NODE_FLAGS='--max-semi-space-size=8'
  // BENCH_SYSTEMS=concierge,concierge-other npm run bench:cpu (BENCH_OTHER_TREE then defaults to here).
  'concierge-other': {
    name: 'concierge-other',
    entry: OTHER_ENTRY,
    description: `ours, from the checkout BENCH_OTHER_TREE names ${OTHER_DESCRIPTION}, as deployed`,
    body: TRUSTED_HOME_BODY,
    env: { ...PERIMETER_ENV },
    optIn: true,
    nodeFlags: OTHER_NODE_FLAGS,
  },
  // The same on equal footing (title cache off), against concierge-uncached: what a change did to the headline.
  'concierge-uncached-other': {
    name: 'concierge-uncached-other',
    entry: OTHER_ENTRY,
    description: `ours with TITLE_CACHE_MB=0, from the checkout BENCH_OTHER_TREE names ${OTHER_DESCRIPTION}`,
    body: TRUSTED_HOME_BODY,
    env: { ...PERIMETER_ENV, TITLE_CACHE_MB: '0' },
    optIn: true,
    nodeFlags: OTHER_NODE_FLAGS,
  },
  // What the fast lane is worth: the same BFF with every request on yoga's full path.
  'concierge-yoga': {
    name: 'concierge-yoga',
    entry: 'bffs/mobile/main.ts',
    description: "ours with FAST_LANE=off: every request on yoga's full path",
    body: TRUSTED_HOME_BODY,
    env: { ...PERIMETER_ENV, FAST_LANE: 'off' },
    optIn: true,
  },
  // What the perimeter costs: the same BFF with trusted documents, operation limits and rate
  // limiting off, sent the query text (CORS has no switch; it stays).
  'concierge-open': {
    name: 'concierge-open',
    entry: 'bffs/mobile/main.ts',
    description: 'ours with TRUSTED_DOCUMENTS=arbitrary OPERATION_LIMITS=off RATE_LIMITS=off, sent the query text',
    body: QUERY_HOME_BODY,
    env: { ...PERIMETER_ENV, TRUSTED_DOCUMENTS: 'arbitrary', OPERATION_LIMITS: 'off', RATE_LIMITS: 'off' },
    optIn: true,
  },
  // What a shared limiter costs: the same BFF spending its budgets in Redis (one Lua INCRBY per budget per request).
  'concierge-redis': {
    name: 'concierge-redis',
    entry: 'bffs/mobile/main.ts',
    description: `ours with REDIS_URL=${BENCH_REDIS_URL}: the rate limiter on Redis`,
    body: TRUSTED_HOME_BODY,
    env: { ...PERIMETER_ENV, REDIS_URL: BENCH_REDIS_URL },
    redisUrl: BENCH_REDIS_URL,
    optIn: true,
  },
  // What a response-cache hit is worth: the same BFF answering the viewer's home from its cache
  // (in process) after the first request, perimeter and all.
  'concierge-cached': {
    name: 'concierge-cached',
    entry: 'bffs/mobile/main.ts',
    description: 'ours with RESPONSE_CACHE=on: every home after the first is a response-cache hit',
    body: TRUSTED_HOME_BODY,
    env: { ...PERIMETER_ENV, RESPONSE_CACHE: 'on' },
    optIn: true,
  },
  // What observability costs, each part alone: the ratio concierge / this one.
  'concierge-unmetered': {
    name: 'concierge-unmetered',
    entry: 'bffs/mobile/main.ts',
    description: 'ours with METRICS=off: no Prometheus series recorded',
    body: TRUSTED_HOME_BODY,
    env: { ...PERIMETER_ENV, METRICS: 'off' },
    optIn: true,
  },
  'concierge-logged': {
    name: 'concierge-logged',
    entry: 'bffs/mobile/main.ts',
    description: 'ours with LOG_LEVEL=info: one access line per request (to /dev/null, through pino\'s asynchronous destination)',
    body: TRUSTED_HOME_BODY,
    env: { ...PERIMETER_ENV, LOG_LEVEL: 'info' },
    optIn: true,
  },
  'concierge-traced-1': {
    name: 'concierge-traced-1',
    entry: 'bffs/mobile/main.ts',
    description: 'ours tracing 1% of requests (OTEL_TRACES_SAMPLER=traceidratio, ARG 0.01) to an OTLP/HTTP sink',
    body: TRUSTED_HOME_BODY,
    env: { ...PERIMETER_ENV, OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.01' },
    optIn: true,
  },
  'concierge-traced-100': {
    name: 'concierge-traced-100',
    entry: 'bffs/mobile/main.ts',
    description: 'ours tracing every request (OTEL_TRACES_SAMPLER=always_on) to an OTLP/HTTP sink',
    body: TRUSTED_HOME_BODY,
    env: { ...PERIMETER_ENV, OTEL_TRACES_EXPORTER: 'otlp', OTEL_TRACES_SAMPLER: 'always_on' },
    optIn: true,
  },
};

/**
 * The systems to run: the default set (every system but the opt-in ones), or the comma-separated
 * `BENCH_SYSTEMS`, always with concierge (every variant's ratio is taken against it) and with
 * concierge-uncached whenever a system compared with it runs (the peers' ratios are taken against
 * it, and it sets the rate). A missing entry file is an error, never a silent skip: a suite that
 * quietly compares fewer systems would report ratios nobody asked for.
 */
export function selectSystems(root: string, env: NodeJS.ProcessEnv = process.env): System[] {
  const requested = env.BENCH_SYSTEMS
    ? env.BENCH_SYSTEMS.split(',').map((s) => s.trim()).filter(Boolean)
    : SYSTEM_NAMES.filter((name) => !SYSTEMS[name].optIn);
  for (const name of requested) {
    if (!(SYSTEM_NAMES as readonly string[]).includes(name)) throw new Error(`BENCH_SYSTEMS: unknown system "${name}" (known: ${SYSTEM_NAMES.join(', ')})`);
  }
  const uncachedNeeded = COMPARISONS.some((c) => c.of === 'concierge-uncached' && c.against !== 'concierge' && requested.includes(c.against));
  const names = SYSTEM_NAMES.filter((name) => name === 'concierge' || requested.includes(name) || (name === 'concierge-uncached' && uncachedNeeded));
  const systems = names.map((name) => SYSTEMS[name]);
  const missing = systems.filter((system) => !existsSync(join(root, system.entry)));
  if (missing.length > 0) {
    const list = missing.map((s) => `  ${s.name}: ${s.entry} does not exist`).join('\n');
    throw new Error(`cannot benchmark, a system's server is missing:\n${list}\n(choose systems with BENCH_SYSTEMS=concierge,floor,... to run without them)`);
  }
  return systems;
}
