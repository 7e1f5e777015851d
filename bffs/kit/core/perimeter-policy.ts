import type { TrustedDocumentsMode } from './trusted-documents.ts';

/**
 * What one client's perimeter lets in. Each client has its own (bffs/<client>/policy.ts) beside
 * its resilience policy: the README's Perimeter table is these objects, row by row.
 */
export interface PerimeterPolicy {
  /** Request bodies over this many bytes get 413 before they are read. */
  maxBodyBytes: number;
  /** Operation limits, applied with graphql-armor's rules to every document (operation-limits.ts). */
  limits: OperationLimits;
  /** The largest page a list field serves (`first: 1 to 50`): what a page size sent as a variable is priced at. */
  maxPageSize: number;
  /** Budgets of operation cost (the `cost` limit's measure), per window. */
  rateLimits: {
    /** Per verified viewer: one user's app cannot starve the others. */
    viewer: Budget;
    /** Per client address, spent before the token is verified: a flood of bad tokens is cheap. */
    ip: Budget;
    /**
     * Requests to the sign-in routes (/auth/*) per client address, one point each: each one may
     * call the provider, so a flood of sign-ins or device codes is stopped here. Clients that
     * sign in elsewhere (mobile) have none.
     */
    signIn?: Budget;
  };
  /**
   * Requests in flight at once, per replica: each viewer's and each client address's fair share
   * of the bulkheads and the load shedder, which everyone shares (stages/in-flight.ts). The budgets
   * above count cost per minute, so they cannot stop a burst sent all at once. Past it, 429
   * TOO_MANY_IN_FLIGHT. A quarter of the bulkhead per viewer and half per address: one viewer (or
   * one address, carrier NAT included) leaves most of every bulkhead to the others.
   */
  inFlight: {
    viewer: number;
    ip: number;
  };
  /** Whether allowed browser origins may send credentials (the web app's cookies). */
  corsCredentials: boolean;
}

export interface OperationLimits {
  /** Deepest field nesting (armor's max-depth). */
  depth: number;
  /** Aliases in one document (armor's max-aliases). */
  aliases: number;
  /** Directives in one document (armor's max-directives). */
  directives: number;
  /** Lexical tokens in one document (armor's max-tokens): refused while parsing. */
  tokens: number;
  /** armor's cost-limit measure: 2 per object, 1 per scalar, x1.5 per level, x`first`. */
  cost: number;
}

export interface Budget {
  points: number;
  windowSeconds: number;
}

/**
 * A client's perimeter policy with the environment's overrides applied, resolved once
 * (server/settings.ts): what the perimeter and the wings read, never the config beside it.
 */
export interface ResolvedPerimeter extends Omit<PerimeterPolicy, 'limits' | 'rateLimits' | 'inFlight'> {
  /** The operation limits; none under `OPERATION_LIMITS=off`. */
  limits: OperationLimits | undefined;
  /** The budgets (`RATE_LIMIT_IP`, `RATE_LIMIT_VIEWER`, `RATE_LIMIT_SIGN_IN` over the policy's); none under `RATE_LIMITS=off`. */
  rateLimits: PerimeterPolicy['rateLimits'] | undefined;
  /** The in-flight caps (`IN_FLIGHT_IP`, `IN_FLIGHT_VIEWER` over the policy's); none under `RATE_LIMITS=off`. */
  inFlight: PerimeterPolicy['inFlight'] | undefined;
  /** `TRUSTED_DOCUMENTS`, else only trusted documents in production and any document in development. */
  trustedDocuments: TrustedDocumentsMode;
  /** `TRUSTED_PROXY_HOPS`: how many proxies' X-Forwarded-For entries name the client address. */
  trustedProxyHops: number;
}
