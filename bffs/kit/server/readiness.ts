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
