import type { RouteDefinition } from '../../http/router.ts';
import type { ServiceDeps } from '../context.ts';
import { findAccountFor } from './accounts.ts';
import { clientsFromEnv } from './clients.ts';
import { devTokenRoute } from './dev-token.ts';
import { interactionRoutes } from './interactions.ts';
import { generateSigningKey } from './keys.ts';
import type { OpenIdProvider } from './provider.ts';
import { providerRoutes } from './provider-routes.ts';

const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 5 * 60;
const DEFAULT_DEVICE_POLL_INTERVAL_SECONDS = 5;
/** Service tokens (exchanged for a viewer, or a BFF's own) live 5 minutes at most: see token-exchange.ts. */
const DEFAULT_SERVICE_TOKEN_TTL_SECONDS = 5 * 60;
/** Wrong codes at the device page, per address: 5 per 15 minutes (RFC 8628 §5.1 asks for a limit). */
const DEFAULT_USER_CODE_BUDGET = { attempts: 5, windowSeconds: 15 * 60 };

/**
 * The identity service: an OpenID Connect provider (oidc-provider) behind the mock's own router,
 * its login and consent pages, and, outside production, `POST /dev/token`.
 *
 * The provider is built on its first request, not here: its issuer is identity's own URL, which
 * is known only once the server listens (tests use ephemeral ports). That also keeps
 * oidc-provider and Koa out of every process that starts the mocks without signing anyone in.
 */
export async function identityRoutes({ env, seed, identityUrl }: ServiceDeps): Promise<RouteDefinition[]> {
  const key = await generateSigningKey();
  const production = env.NODE_ENV === 'production';
  const accessTokenTtlSeconds = positiveInteger(env, 'ACCESS_TOKEN_TTL_SECONDS', DEFAULT_ACCESS_TOKEN_TTL_SECONDS);
  const devicePollIntervalSeconds = positiveInteger(env, 'DEVICE_POLL_INTERVAL_SECONDS', DEFAULT_DEVICE_POLL_INTERVAL_SECONDS);
  const userCodeBudget = budget(env, 'DEVICE_USER_CODE_ATTEMPTS', DEFAULT_USER_CODE_BUDGET);
  const serviceTokenTtlSeconds = positiveInteger(env, 'SERVICE_TOKEN_TTL_SECONDS', DEFAULT_SERVICE_TOKEN_TTL_SECONDS);
  const clients = clientsFromEnv(env);

  let provider: Promise<OpenIdProvider> | undefined;
  const source = () =>
    (provider ??= import('./provider.ts').then(({ createProvider }) =>
      createProvider({ issuer: identityUrl(), signingJwk: key.privateJwk, clients, findAccount: findAccountFor(seed), accessTokenTtlSeconds, devicePollIntervalSeconds, userCodeBudget, serviceTokenTtlSeconds, exchangeDevelopmentTokens: !production }),
    ));

  const routes = [...providerRoutes(source), ...interactionRoutes(source, { production })];
  if (!production) routes.push(devTokenRoute(key, identityUrl));
  return routes;
}

/** `<attempts>/<seconds>`; a settings error stops the mocks at start-up with the variable's name. */
function budget(env: NodeJS.ProcessEnv, name: string, fallback: { attempts: number; windowSeconds: number }) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const match = /^([1-9]\d*)\/([1-9]\d*)$/.exec(raw);
  if (!match) throw new Error(`${name} must be <attempts>/<seconds>, such as 5/900, got "${raw}"`);
  return { attempts: Number(match[1]), windowSeconds: Number(match[2]) };
}

/** A settings error stops the mocks at start-up with the variable's name, not at the first sign-in. */
function positiveInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer of seconds, got "${raw}"`);
  return value;
}
