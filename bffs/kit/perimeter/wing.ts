import type { Plugin } from 'graphql-yoga';
import type { Logger } from 'pino';
import type { BffConfig } from '../config.ts';
import type { ResolvedPerimeter } from '../core/perimeter-policy.ts';
import type { RedisClient } from '../stores/redis.ts';
import type { CorsPolicy } from './cors.ts';
import type { ScreenStage, Stage } from './pipeline.ts';
import type { VerifyViewer } from './viewer.ts';

/**
 * A feature plugged into a BFF, in fastify's manner: it has a name, says what it needs (its
 * factory takes a `Pick` of `WingNeeds`), and owns its perimeter stages, its routes and its
 * shutdown. The assembly (server/create-bff.ts) hands the stages to the perimeter, the routes to
 * yoga and `close()` to the BFF's; the perimeter runs the stages without knowing whose they are.
 * Sign-in (sign-in/index.ts) is one.
 */
export interface Wing {
  /** Who it is, in logs and errors. */
  readonly name: string;
  /** Run before every other stage on each GraphQL request, on its headers alone, before its body is read (sign-in's CSRF check for a cookie client). */
  readonly firstStages: readonly ScreenStage[];
  /**
   * Run after the viewer is known and its budgets spent, in the wings' order: what shapes the
   * answer (the locale, the flag variants) goes on the passage's `variation` (core/variation.ts),
   * which the response cache, the ETag, Vary, the context and the answer's extensions take
   * without knowing whose it is. Such a stage never refuses a request.
   */
  readonly variationStages?: readonly Stage[];
  /** Finds the viewer in place of the bearer-token stage (stages/authentication.ts); at most one wing brings one. */
  readonly authenticate?: Stage;
  /** The paths its routes serve: shed under load like /graphql. */
  readonly paths: readonly string[];
  /** Its routes as yoga plugins, in the order they run (its gate first). They are not GraphQL, so yoga's alone. */
  readonly routes: readonly Plugin[];
  /** Stops what it runs in the background; the BFF's `close()` calls it once. */
  close(): Promise<void>;
}

/** What the assembly offers every wing: each takes only the part it names. */
export interface WingNeeds {
  /** `web`, `tv`: a wing's keys, sessions and provider client are this client's. */
  client: string;
  config: BffConfig;
  /** The client's perimeter policy, resolved (server/settings.ts): a wing's route budget is one of its rate limits. */
  policy: ResolvedPerimeter;
  /** The client's CORS policy (cors.ts), which a CSRF check reads the allowed origins from. */
  cors: CorsPolicy;
  /** The bearer-token verifier, for a wing that still takes a bearer token beside its own credential. */
  verifyViewer: VerifyViewer;
  /** The Redis every replica shares (REDIS_URL), when there is one. */
  redis?: RedisClient;
  logger: Logger;
  /** The BFF's Prometheus registry's counters (observability/metrics.ts); none under `METRICS=off`. */
  counter?: (name: string, help: string, labelNames: string[]) => { inc(labels: Record<string, string>, value?: number): void };
}
