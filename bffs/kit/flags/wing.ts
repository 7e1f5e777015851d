import { OpenFeature, ProviderEvents, type Client, type EvaluationContextValue, type EvaluationDetails, type Provider } from '@openfeature/server-sdk';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { RequestHeaders } from '../core/headers.ts';
import type { Passage, Stage } from '../perimeter/pipeline.ts';
import type { Wing, WingNeeds } from '../perimeter/wing.ts';
import { FlagdFileProvider } from './file-provider.ts';
import { EvaluationMemo, type EvaluationMemoOptions } from './memo.ts';

export type FlagValue = boolean | string | number;

/** One flag a client reads: its value when nothing else decides, and the operations whose answers it shapes. */
export interface FlagDeclaration {
  default: FlagValue;
  /** Evaluated only for these operations (by name): another answer is not shaped by it, and is not split by it in any cache. */
  operations: readonly string[];
}

export type FlagDeclarations = Readonly<Record<string, FlagDeclaration>>;

/** The repository's definitions (flags/flags.json), what `FLAGS_FILE` replaces. */
export const DEFAULT_FLAGS_FILE = fileURLToPath(new URL('../../../flags/flags.json', import.meta.url));

/** The request header an edge (CDN, balancer) sets to the viewer's country, for targeting: CloudFront's `CloudFront-Viewer-Country`, Cloudflare's `CF-IPCountry`, renamed. */
export const COUNTRY_HEADER = 'x-viewer-country';

export interface FlagsWingOptions extends Pick<WingNeeds, 'client' | 'logger' | 'counter'> {
  declarations: FlagDeclarations;
  /** The flagd-format definitions file (FLAGS_FILE). */
  path: string;
  /** What a client adds to the targeting context from the request (TV: its device's capabilities). */
  targeting?: (headers: RequestHeaders) => Record<string, EvaluationContextValue>;
  /** How evaluations are kept per targeting context (memo.ts). */
  memo?: EvaluationMemoOptions;
}

/** The variants in a resolver's context, by flag key: read with `flagValue`. */
export interface FlaggedContext {
  flags?: Readonly<Record<string, FlagValue>>;
}

/** The flag's value for this request, or `fallback` when flags are off (`FLAGS=off`) or it was not evaluated. */
export function flagValue<T extends FlagValue>(context: FlaggedContext, key: string, fallback: T): T {
  const value = context.flags?.[key];
  return typeof value === typeof fallback ? (value as T) : fallback;
}

let instances = 0;

/**
 * Feature flags and experiments as a wing, through the OpenFeature server SDK: one variation
 * stage, no route. Each BFF has its own OpenFeature domain and provider, by default the
 * in-process flagd file provider (file-provider.ts); `provider` swaps in any OpenFeature provider
 * (a flagd daemon's, a vendor's).
 *
 * For an operation a declared flag shapes, the stage evaluates it for the viewer, with the
 * targeting context: `targetingKey` the viewer (so `fractional` rollouts are sticky per viewer),
 * `client`, `appVersion`, `locale` (when Accept-Language chose it), `country` (COUNTRY_HEADER),
 * and what the client adds (TV: `capabilities`). Each evaluated flag is exposed:
 * - in the answer's `extensions.experiments` (`{"row-order": "trending-first"}`);
 * - on the access line (`flags`, and `flag_errors` with the reason a default was served);
 * - counted by flag, variant and reason (`concierge_feature_flag_evaluations_total`, the client
 *   is the registry's label);
 * - on the request's span, as OpenTelemetry's `feature_flag.evaluation` events;
 * - in the response cache's key, the ETag and the resolvers' context (core/variation.ts), so no
 *   answer computed under one variant is served under another.
 * A flag never fails a request: an unknown flag or a provider error serves the declared default.
 *
 * The variants an operation's flags evaluated to are kept per targeting context (memo.ts) and
 * cleared whenever the provider reports a change of configuration or state: a viewer's next home
 * is exposed exactly as the first (answer, access line, metric, span), but the provider is asked
 * again only when something it decides on changed. OpenFeature hooks run on the asking, not on
 * the reuse.
 */
export function createFlagsWing(options: FlagsWingOptions, provider?: Provider): Wing {
  const { client, declarations, logger, counter, targeting } = options;
  const broken = counter?.('concierge_feature_flag_definitions_errors_total', 'Flag definition files that could not be loaded (unreadable or not valid flagd); the last good flags stayed', []);
  const evaluations = counter?.('concierge_feature_flag_evaluations_total', 'Flag evaluations exposed in answers, by flag, variant ("default" when none) and reason (OpenFeature\'s: STATIC, TARGETING_MATCH, SPLIT, DEFAULT, ERROR)', ['flag', 'variant', 'reason']);
  const fileProvider = provider ? undefined : new FlagdFileProvider({ path: options.path, logger, onBrokenFile: () => broken?.inc({}) });
  const domain = `concierge:${client}:${++instances}`;
  OpenFeature.setProvider(domain, (provider ?? fileProvider)!);
  const features = OpenFeature.getClient(domain);
  const memo = new EvaluationMemo<Evaluated[]>(options.memo);
  // An evaluation that began before a change must not be kept after it: each change starts a new generation.
  let generation = 0;
  const forget = () => {
    generation++;
    memo.clear();
  };
  const providerEvents = [ProviderEvents.ConfigurationChanged, ProviderEvents.Ready, ProviderEvents.Stale, ProviderEvents.Error];
  for (const event of providerEvents) features.addHandler(event, forget);

  const byOperation = new Map<string, [string, FlagDeclaration][]>();
  for (const [key, declaration] of Object.entries(declarations)) {
    for (const operation of declaration.operations) {
      let flags = byOperation.get(operation);
      if (!flags) byOperation.set(operation, (flags = []));
      flags.push([key, declaration]);
    }
  }

  const stage: Stage = (passage) => {
    const operation = passage.operation?.name ?? '';
    const flags = byOperation.get(operation);
    if (!flags) return undefined;
    const context = contextOf(passage, client, targeting);
    const key = `${operation}\u0000${JSON.stringify(context)}`;
    const kept = memo.get(key);
    if (kept) return expose(kept, passage, evaluations);
    const asked = generation;
    return evaluate(features, flags, context, logger).then((evaluated) => {
      if (asked === generation && evaluated.every((one) => !one.errorCode)) memo.set(key, evaluated);
      expose(evaluated, passage, evaluations);
    });
  };

  return {
    name: 'flags',
    firstStages: [],
    variationStages: [stage],
    paths: [],
    routes: [],
    close: async () => {
      for (const event of providerEvents) features.removeHandler(event, forget);
      await fileProvider?.onClose();
    },
  };
}

interface Evaluated {
  key: string;
  value: FlagValue;
  variant: string;
  reason: string;
  errorCode?: string;
}

/** The targeting context of a request: what the definitions may decide on, and nothing else (it keys the memo). */
function contextOf({ request, viewer, clientVersion, variation }: Passage, client: string, targeting: FlagsWingOptions['targeting']): Record<string, EvaluationContextValue> {
  const context: Record<string, EvaluationContextValue> = { targetingKey: viewer!.id, client };
  const version = clientVersion?.version;
  if (typeof version === 'string') context.appVersion = version;
  if (variation.facts.locale) context.locale = variation.facts.locale;
  const country = request.headers.get(COUNTRY_HEADER);
  if (country) context.country = country.slice(0, 8).toUpperCase();
  try {
    if (targeting) Object.assign(context, targeting(request.headers));
  } catch {
    // a header the client cannot read is refused by the client's own code, not by a flag
  }
  return context;
}

/** Every flag of the operation, in parallel; whatever goes wrong, each gets its declared default. */
async function evaluate(features: Client, flags: [string, FlagDeclaration][], context: Record<string, EvaluationContextValue>, logger: Logger): Promise<Evaluated[]> {
  return Promise.all(
    flags.map(async ([key, { default: fallback }]): Promise<Evaluated> => {
      try {
        const details = (await detailsOf(features, key, fallback, context)) as EvaluationDetails<FlagValue>;
        const value = typeof details.value === typeof fallback ? details.value : fallback;
        return { key, value, variant: details.variant ?? 'default', reason: details.reason ?? 'UNKNOWN', ...(details.errorCode ? { errorCode: details.errorCode } : {}) };
      } catch (error) {
        logger.warn({ err: error, flag: key }, 'flags: evaluation failed; the default is served');
        return { key, value: fallback, variant: 'default', reason: 'ERROR', errorCode: 'GENERAL' };
      }
    }),
  );
}

function detailsOf(features: Client, key: string, fallback: FlagValue, context: Record<string, EvaluationContextValue>) {
  if (typeof fallback === 'boolean') return features.getBooleanDetails(key, fallback, context);
  if (typeof fallback === 'number') return features.getNumberDetails(key, fallback, context);
  return features.getStringDetails(key, fallback, context);
}

function expose(evaluated: Evaluated[], { variation, request }: Passage, evaluations: ReturnType<NonNullable<WingNeeds['counter']>> | undefined): void {
  const values: Record<string, FlagValue> = {};
  const experiments: Record<string, string> = {};
  let errors: Record<string, string> | undefined;
  for (const { key, value, variant, reason, errorCode } of evaluated) {
    values[key] = value;
    experiments[key] = variant;
    // The value, not only the variant's name: a definitions edit that changes what a variant holds is another answer.
    variation.keys.push(`flag:${key}=${variant}:${JSON.stringify(value)}`);
    evaluations?.inc({ flag: key, variant, reason });
    if (errorCode) (errors ??= {})[key] = `${reason}:${errorCode}`;
    request.observation?.span?.addEvent('feature_flag.evaluation', {
      'feature_flag.key': key,
      'feature_flag.result.variant': variant,
      'feature_flag.result.value': String(value),
      'feature_flag.result.reason': reason.toLowerCase(),
      'feature_flag.provider.name': 'flagd',
      ...(errorCode ? { 'error.type': errorCode.toLowerCase() } : {}),
    });
  }
  variation.context.flags = values;
  variation.extensions.experiments = experiments;
  variation.vary.push('X-Viewer-Country');
  request.observation?.annotate('flags', experiments);
  if (errors) request.observation?.annotate('flag_errors', errors);
}
