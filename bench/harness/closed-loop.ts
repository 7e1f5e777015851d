/**
 * Saturation throughput: a closed loop (each of `connections` sends its next request as soon as
 * the previous one is answered), so the server is always busy and the rate it sustains is its
 * ceiling. autocannon is right for this; it is wrong for latency at a given rate (see open-loop.ts).
 */
import autocannon from 'autocannon';
import { fetchHome, homeHeaders } from './home.ts';
import { coreTimes, cpuSeconds } from './processes.ts';

export interface ClosedLoopResult {
  /** Complete homes per second: 2xx answers without GraphQL errors, over the measured window. */
  throughput: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** Non-2xx, 2xx homes with `errors`, socket errors and timeouts: should all be 0. */
  failures: number;
  /** Server CPU over the window, in cores: near 1.0 means the server, not the rig, was the limit. */
  serverCpu: number;
  /** Busy share of the generator's core (shared with the mocks), when pinned. */
  generatorCoreBusy: number | null;
  /**
   * How long the server took to answer a complete home again after autocannon stopped (longest of
   * the warm-up's and the measured run's ends); null if it had not within RECOVERY_LIMIT_MS.
   */
  recoveryMs: number | null;
  /** The measured run on the monotonic clock, in µs (what V8 stamps profile samples with), and the homes it served. */
  window: { startUs: number; endUs: number; homes: number };
}

const RECOVERY_LIMIT_MS = 15_000;

/**
 * autocannon ends a run by destroying its sockets with up to `connections` requests in flight, as
 * clients that go away do. A server that counts those cancellations as downstream failures can trip
 * its breakers and refuse the next seconds of traffic. So no phase starts until the server answers a
 * complete home again, and the wait is reported: it is a finding, not something to hide.
 */
async function recover(url: string, token: string, body: string): Promise<number | null> {
  const started = performance.now();
  while (performance.now() - started < RECOVERY_LIMIT_MS) {
    const { status, text } = await fetchHome(url, token, body).catch(() => ({ status: 0, text: '' }));
    if (status === 200 && !text.includes('"errors"')) return performance.now() - started;
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

export async function closedLoop(options: {
  url: string;
  token: string;
  /** The request body, the system's own (systems.ts: `{documentId}` for ours, `{query}` for the peers). */
  body: string;
  serverPid: number;
  generatorCore: number | undefined;
  connections: number;
  seconds: number;
  warmupSeconds: number;
}): Promise<ClosedLoopResult> {
  const { url, token, body, serverPid, generatorCore, connections, seconds, warmupSeconds } = options;
  const base = { url, method: 'POST', headers: homeHeaders(token), body, connections, timeout: 10 };
  // Warm-up as its own run, so the CPU readings below cover the measured window only.
  let afterWarmup: number | null = 0;
  if (warmupSeconds > 0) {
    await autocannon({ ...base, duration: warmupSeconds });
    afterWarmup = await recover(url, token, body);
  }

  const cpuBefore = cpuSeconds(serverPid);
  const coreBefore = generatorCore === undefined ? undefined : coreTimes(generatorCore);
  const started = performance.now();
  const startUs = Number(process.hrtime.bigint() / 1000n);
  const run = autocannon({
    ...base,
    duration: seconds,
    // A partial home (200 with errors) is not a served home.
    verifyBody: (body) => !body.includes('"errors"'),
  });
  // autocannon counts mismatches whatever the status; only the 2xx ones are partial homes (a 503's
  // body has errors too). A mismatch is reported synchronously right after its own response.
  let lastStatus = 0;
  let partial = 0;
  run.on('response', (_client: unknown, status: number) => (lastStatus = status));
  run.on('reqMismatch', () => {
    if (lastStatus >= 200 && lastStatus < 300) partial++;
  });
  const result = await run;
  const endUs = Number(process.hrtime.bigint() / 1000n);
  const wallSeconds = (performance.now() - started) / 1000;
  const cpu = cpuSeconds(serverPid) - cpuBefore;
  const coreAfter = generatorCore === undefined ? undefined : coreTimes(generatorCore);
  const afterRun = await recover(url, token, body);

  const homes = result['2xx'] - partial;
  return {
    throughput: homes / result.duration,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    failures: result.non2xx + partial + result.errors,
    serverCpu: cpu / wallSeconds,
    generatorCoreBusy: coreBefore && coreAfter ? (coreAfter.busy - coreBefore.busy) / (coreAfter.total - coreBefore.total) : null,
    recoveryMs: afterWarmup === null || afterRun === null ? null : Math.max(afterWarmup, afterRun),
    window: { startUs, endUs, homes },
  };
}
