/**
 * Ready means tokens can be verified: identity's JWKS answers. A positive answer is kept for a
 * few seconds so an orchestrator's probes never become load on identity.
 */
export function identityReadiness(identityUrl: string, { cacheMs = 5_000, timeoutMs = 1_000 } = {}) {
  let readyUntil = 0;
  return async () => {
    if (Date.now() < readyUntil) return true;
    try {
      const res = await fetch(`${identityUrl}/.well-known/jwks.json`, { signal: AbortSignal.timeout(timeoutMs) });
      await res.arrayBuffer();
      if (!res.ok) return false;
      readyUntil = Date.now() + cacheMs;
      return true;
    } catch {
      return false;
    }
  };
}

/** What `/ready` answers, and the switch `serve()` turns on SIGTERM. */
export interface Readiness {
  /** yoga's `useReadinessCheck` check: false (503) while draining, else identity's readiness. */
  check(): boolean | Promise<boolean>;
  /** From now on `/ready` answers 503, whatever identity says; requests are still served. */
  drain(): void;
  readonly draining: boolean;
}

/**
 * Draining is read first, with no I/O: the balancer must see 503 on its very next probe after
 * SIGTERM, not after a cached positive answer or a JWKS fetch has run out.
 */
export function createReadiness(identityUrl: string): Readiness {
  const identityReady = identityReadiness(identityUrl);
  let draining = false;
  return {
    check: () => (draining ? false : identityReady()),
    drain: () => void (draining = true),
    get draining() {
      return draining;
    },
  };
}
