import { badRequest } from './errors.ts';

/**
 * Faults injected at run time through `PUT /__admin/faults`. Each kind may be limited to a
 * fraction of requests with its `*Rate` (0..1, default 1) and to routes whose template
 * contains `route`. Rates are paced, not drawn at random (see FaultPacer).
 */
export interface FaultSettings {
  /** Added to every matching response, on top of the environment's latency. */
  latencyMs?: number;
  /** Accept the request, never answer. */
  hang?: boolean;
  /** Answer with this status and an error body... */
  errorStatus?: number;
  /** ...for this fraction of requests. */
  errorRate?: number;
  /** Seconds to send in `Retry-After` with the injected error. */
  retryAfterSeconds?: number;
  /** Answer 200 with a body that is not JSON. */
  malformedJson?: boolean;
  malformedRate?: number;
  /** Destroy the socket without answering. */
  reset?: boolean;
  resetRate?: number;
  /** Only requests whose route template contains this text are faulted. */
  route?: string;
}

export type FaultAction =
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'error'; status: number; retryAfterSeconds?: number }
  | { kind: 'malformed' }
  | { kind: 'none' };

const KNOWN_KEYS = new Set([
  'latencyMs', 'hang', 'errorStatus', 'errorRate', 'retryAfterSeconds',
  'malformedJson', 'malformedRate', 'reset', 'resetRate', 'route',
]);

export function parseFaultSettings(body: unknown): FaultSettings {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('VALIDATION_FAILED', 'fault settings must be a JSON object');
  }
  const settings = body as Record<string, unknown>;
  for (const key of Object.keys(settings)) {
    if (!KNOWN_KEYS.has(key)) throw badRequest('VALIDATION_FAILED', `unknown fault setting "${key}"`);
  }
  const num = (key: string, min: number, max: number) => {
    const v = settings[key];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
      throw badRequest('VALIDATION_FAILED', `${key} must be a number from ${min} to ${max}`);
    }
  };
  const bool = (key: string) => {
    const v = settings[key];
    if (v !== undefined && typeof v !== 'boolean') throw badRequest('VALIDATION_FAILED', `${key} must be a boolean`);
  };
  num('latencyMs', 0, 600_000);
  num('errorStatus', 400, 599);
  num('errorRate', 0, 1);
  num('retryAfterSeconds', 0, 3600);
  num('malformedRate', 0, 1);
  num('resetRate', 0, 1);
  bool('hang');
  bool('malformedJson');
  bool('reset');
  if (settings.route !== undefined && typeof settings.route !== 'string') {
    throw badRequest('VALIDATION_FAILED', 'route must be a string');
  }
  return settings as FaultSettings;
}

export function appliesTo(faults: FaultSettings, routeKey: string): boolean {
  return faults.route === undefined || routeKey.includes(faults.route);
}

/**
 * Applies each kind's rate evenly and deterministically: after n matching requests exactly
 * floor(n × rate) have failed, spread out (0.5 fails every second request, starting with the
 * second; 0.2 every fifth). A random draw made "half the calls fail" tests pass or fail on luck:
 * a run of six failures in a row is common in a random stream, and it opens a breaker before any
 * retry could show. A new setting starts the pattern afresh.
 */
export class FaultPacer {
  private readonly owed = new Map<string, number>();

  due(kind: string, rate: number): boolean {
    const owed = (this.owed.get(kind) ?? 0) + rate;
    const fire = owed >= 1 - 1e-9; // 0.1 added ten times is 0.9999999999999999
    this.owed.set(kind, fire ? owed - 1 : owed);
    return fire;
  }
}

/** Decides, for one request, which fault (if any) it suffers. */
export function chooseFault(faults: FaultSettings, pacer: FaultPacer): FaultAction {
  if (faults.hang) return { kind: 'hang' };
  if (faults.reset && pacer.due('reset', faults.resetRate ?? 1)) return { kind: 'reset' };
  if (faults.errorStatus !== undefined && pacer.due('error', faults.errorRate ?? 1)) {
    return { kind: 'error', status: faults.errorStatus, retryAfterSeconds: faults.retryAfterSeconds };
  }
  if (faults.malformedJson && pacer.due('malformed', faults.malformedRate ?? 1)) return { kind: 'malformed' };
  return { kind: 'none' };
}
