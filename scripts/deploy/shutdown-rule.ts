/**
 * The shutdown timing rule: after SIGTERM a BFF answers /ready with 503 for SHUTDOWN_DELAY_MS
 * while it still serves, then stops taking requests and lets those in flight finish, each within
 * the client's deadline, then closes its downstream pools, Redis and trace exporter. Kubernetes
 * runs the preStop sleep before SIGTERM, inside the same grace period, and kills what is left
 * when the period ends. So the period must hold all of it, plus this margin for the closing.
 */
export const SHUTDOWN_MARGIN_SECONDS = 5;

/** config.ts's default: 5000 under NODE_ENV=production, else 0. */
export function shutdownDelayMs(env: Record<string, string | undefined>): number {
  if (env.SHUTDOWN_DELAY_MS !== undefined && env.SHUTDOWN_DELAY_MS !== '') return Number(env.SHUTDOWN_DELAY_MS);
  return env.NODE_ENV === 'production' ? 5_000 : 0;
}

export function requiredGraceSeconds({ preStopSeconds, delayMs, deadlineMs }: { preStopSeconds: number; delayMs: number; deadlineMs: number }): number {
  return preStopSeconds + delayMs / 1000 + deadlineMs / 1000 + SHUTDOWN_MARGIN_SECONDS;
}
