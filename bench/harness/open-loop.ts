/**
 * Latency at a fixed arrival rate: an open loop. Request i is due at t0 + i/rate whatever happened
 * to the ones before it, and its latency runs from that due time, not from when it was actually
 * written. A server that stalls therefore pays for every request that should have been sent during
 * the stall (no coordinated omission), and a generator running late is visible in `sendLagP99Ms`.
 * autocannon's -R cannot do this: it sends each second's quota in a burst and times from the send.
 */
import { Pool } from 'undici';
import { homeHeaders } from './home.ts';
import { percentile } from './stats.ts';

export interface OpenLoopResult {
  rate: number;
  /** Requests due in the measured window (after the warm-up). */
  requests: number;
  p50Ms: number;
  p99Ms: number;
  /** How late the generator wrote requests past their due time: its own error, included above. */
  sendLagP99Ms: number;
  /** Non-2xx, homes with `errors`, and requests that failed or did not finish in time. */
  failures: number;
  /** Each measured request: when it was due (epoch ms) and its latency from then (ms), for lining up with a server's stalls. */
  dueAtMs: Float64Array;
  latencyMs: Float64Array;
}

export async function openLoop(options: {
  url: string;
  token: string;
  /** The request body, the system's own (systems.ts). */
  body: string;
  rate: number;
  seconds: number;
  warmupSeconds: number;
  /** Sockets in the pool: enough that waiting for a free one is rare; if not, that wait is counted. */
  connections: number;
}): Promise<OpenLoopResult> {
  const { url, token, body: requestBody, rate, seconds, warmupSeconds, connections } = options;
  const { origin, pathname } = new URL(url);
  const pool = new Pool(origin, { connections, pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: 30_000, bodyTimeout: 30_000 });
  const headers = homeHeaders(token);
  const errorsMarker = Buffer.from('"errors"');

  // One schedule from warm-up to end, so the measured window starts in a steady state, with no gap.
  const warmupCount = Math.round(warmupSeconds * rate);
  const total = warmupCount + Math.round(seconds * rate);
  const latency = new Float64Array(total - warmupCount);
  const lag = new Float64Array(total - warmupCount);
  let failures = 0;
  const inFlight: Promise<void>[] = [];

  const send = async (i: number, due: number) => {
    const measured = i >= warmupCount;
    if (measured) lag[i - warmupCount] = performance.now() - due;
    let ok = false;
    try {
      const { statusCode, body } = await pool.request({ path: pathname, method: 'POST', headers, body: requestBody });
      const bytes = Buffer.from(await body.arrayBuffer());
      ok = statusCode === 200 && bytes.indexOf(errorsMarker) === -1;
    } catch {
      ok = false;
    }
    if (!measured) return;
    latency[i - warmupCount] = performance.now() - due;
    if (!ok) failures++;
  };

  const interval = 1000 / rate;
  const t0 = performance.now() + 5;
  await new Promise<void>((resolve) => {
    let next = 0;
    const tick = () => {
      // Send everything due by now (several if the timer fired late), then sleep until the next due
      // time. Timers have ~1 ms resolution; sleeping instead of spinning keeps the core free for the
      // mocks, and the lateness this costs is in the figures (from the due time) and in sendLag.
      const now = performance.now();
      while (next < total && t0 + next * interval <= now) {
        inFlight.push(send(next, t0 + next * interval));
        next++;
      }
      if (next < total) setTimeout(tick, Math.max(0, t0 + next * interval - performance.now()));
      else resolve();
    };
    setTimeout(tick, Math.max(0, t0 - performance.now()));
  });
  await Promise.all(inFlight);
  await pool.close();

  return {
    rate,
    requests: latency.length,
    p50Ms: percentile(latency, 0.5),
    p99Ms: percentile(latency, 0.99),
    sendLagP99Ms: percentile(lag, 0.99),
    failures,
    dueAtMs: Float64Array.from(latency, (_, i) => performance.timeOrigin + t0 + (warmupCount + i) * interval),
    latencyMs: latency,
  };
}
