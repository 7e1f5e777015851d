import type { BffConfig } from '../config.ts';
import type { CachingPolicy } from '../caching/policy.ts';
import type { PerimeterPolicy, ResolvedPerimeter } from '../core/perimeter-policy.ts';
import type { ResiliencePolicy } from '../resilience/policy.ts';

/**
 * What one BFF runs on: its client's policies (bffs/<client>/policy.ts) with the environment's
 * overrides (config.ts) applied, resolved here once and nowhere else. `bff.settings` is this
 * object, so what a replica runs on can be printed whole (`JSON.stringify(bff.settings)`).
 */
export interface Settings {
  client: string;
  production: boolean;
  /** The deadline (`DEADLINE_MS`), downstream connections (`DOWNSTREAM_CONNECTIONS`), retries, breakers, bulkheads, shedding. */
  resilience: ResiliencePolicy;
  perimeter: ResolvedPerimeter;
  caching: CachingPolicy;
}

export interface ClientPolicies {
  policy: ResiliencePolicy;
  perimeter: PerimeterPolicy;
  caching: CachingPolicy;
}

export function resolveSettings(client: string, config: BffConfig, { policy, perimeter, caching }: ClientPolicies): Settings {
  const budgetsOn = config.rateLimits !== false;
  return {
    client,
    production: config.production,
    resilience: { ...policy, deadlineMs: config.deadlineMs ?? policy.deadlineMs, connections: config.connections ?? policy.connections },
    perimeter: {
      ...perimeter,
      limits: config.operationLimits === false ? undefined : perimeter.limits,
      rateLimits: budgetsOn
        ? {
            ip: config.ipBudget ?? perimeter.rateLimits.ip,
            viewer: config.viewerBudget ?? perimeter.rateLimits.viewer,
            ...(config.signInBudget ?? perimeter.rateLimits.signIn ? { signIn: config.signInBudget ?? perimeter.rateLimits.signIn } : {}),
          }
        : undefined,
      // Development without budgets lifts the in-flight caps too: one developer's GraphiQL and scripts are all one viewer.
      inFlight: budgetsOn ? { ip: config.ipInFlight ?? perimeter.inFlight.ip, viewer: config.viewerInFlight ?? perimeter.inFlight.viewer } : undefined,
      trustedDocuments: config.trustedDocuments ?? (config.production ? 'only' : 'arbitrary'),
      trustedProxyHops: config.trustedProxyHops ?? 0,
    },
    caching,
  };
}
