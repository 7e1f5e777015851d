/**
 * How long and how often to measure. Full: the figures for RESULTS.md. Smoke (`--smoke`): a few
 * seconds per system, one round, no injected latency, so CI proves the suite still runs end to end
 * (servers start, answer the same data, every measurement completes) without pretending to measure.
 */
export interface LatencySetting {
  label: string;
  ms: number;
  jitterMs: number;
}

export interface Settings {
  mode: 'full' | 'smoke';
  rounds: number;
  latencies: LatencySetting[];
  closed: { connections: number; seconds: number; warmupSeconds: number };
  open: { seconds: number; warmupSeconds: number; connections: number };
  /** Homes sent one by one while the mocks count the downstream requests. */
  downstreamSamples: number;
  /** Only a full run's figures belong in bench/RESULTS.md. */
  writeResults: boolean;
}

const NO_LATENCY: LatencySetting = { label: 'no injected latency', ms: 0, jitterMs: 0 };
const WAN_LIKE: LatencySetting = { label: '20 ms ± 2 ms per downstream call', ms: 20, jitterMs: 2 };

export function settingsFrom(argv: string[], env: NodeJS.ProcessEnv): Settings {
  const smoke = argv.includes('--smoke');
  const base: Settings = smoke
    ? {
        mode: 'smoke',
        rounds: 1,
        latencies: [NO_LATENCY],
        // Seven systems in the default set: two seconds of each loop proves it runs, which is all a smoke run is for.
        closed: { connections: 32, seconds: 2, warmupSeconds: 1 },
        open: { seconds: 2, warmupSeconds: 1, connections: 256 },
        downstreamSamples: 5,
        writeResults: false,
      }
    : {
        mode: 'full',
        rounds: 3,
        latencies: [NO_LATENCY, WAN_LIKE],
        // Every system still gains throughput for ~5 s of load after start (JIT, pools, heap), so the
        // warm-up is that long; the open loop runs on the same, by then warm, process.
        closed: { connections: 32, seconds: 10, warmupSeconds: 5 },
        open: { seconds: 8, warmupSeconds: 2, connections: 256 },
        downstreamSamples: 20,
        writeResults: true,
      };
  // A few knobs for exploring; the defaults are what RESULTS.md documents.
  const int = (key: string, fallback: number) => {
    const raw = env[key];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${key} must be a positive integer, got "${raw}"`);
    return value;
  };
  return {
    ...base,
    rounds: int('BENCH_ROUNDS', base.rounds),
    closed: { ...base.closed, seconds: int('BENCH_SECONDS', base.closed.seconds), connections: int('BENCH_CONNECTIONS', base.closed.connections) },
    open: { ...base.open, seconds: int('BENCH_OPEN_SECONDS', base.open.seconds) },
  };
}
