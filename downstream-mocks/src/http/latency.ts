/** Fixed latency plus uniform jitter, read from `<SERVICE>_LATENCY_MS` / `<SERVICE>_JITTER_MS`
 * (falling back to `MOCKS_LATENCY_MS` / `MOCKS_JITTER_MS`). */
export interface LatencySettings {
  fixedMs: number;
  jitterMs: number;
}

export function latencyFromEnv(serviceName: string, env: NodeJS.ProcessEnv = process.env): LatencySettings {
  const prefix = serviceName.toUpperCase().replace(/-/g, '_');
  const read = (key: string, fallbackKey: string) => {
    const raw = env[key] ?? env[fallbackKey];
    const value = raw === undefined ? 0 : Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${key} must be a non-negative number, got "${raw}"`);
    return value;
  };
  return {
    fixedMs: read(`${prefix}_LATENCY_MS`, 'MOCKS_LATENCY_MS'),
    jitterMs: read(`${prefix}_JITTER_MS`, 'MOCKS_JITTER_MS'),
  };
}

/** Jitter is symmetric: 20 ± 2 ms means anywhere from 18 to 22 ms. */
export function sampleDelay({ fixedMs, jitterMs }: LatencySettings, random: () => number = Math.random): number {
  if (jitterMs === 0) return fixedMs;
  return Math.max(0, fixedMs + (random() * 2 - 1) * jitterMs);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
