import type { RawHandler, RouteDefinition } from '../../http/router.ts';
import type { OpenIdProvider } from './provider.ts';

export type ProviderSource = () => Promise<OpenIdProvider>;

/**
 * The paths oidc-provider answers, each registered as a raw route of the identity service, so
 * they are counted, delayed and faulted like every mock route and the OpenAPI document can list
 * them. The provider does its own routing, body parsing and answers behind them.
 */
const OPERATIONS: [RouteDefinition['method'], string][] = [
  ['GET', '/.well-known/openid-configuration'],
  ['GET', '/.well-known/jwks.json'],
  ['GET', '/auth'],
  // Where the login and consent pages hand the browser back to the authorization.
  ['GET', '/auth/{uid}'],
  ['POST', '/token'],
  ['POST', '/token/revocation'],
  ['POST', '/device/auth'],
  ['GET', '/device'],
  ['POST', '/device'],
  ['GET', '/device/{uid}'],
  ['GET', '/session/end'],
  ['POST', '/session/end/confirm'],
  ['GET', '/session/end/success'],
];

export function providerRoutes(source: ProviderSource): RouteDefinition[] {
  const raw: RawHandler = async (req, res, { countDetail }) => (await source()).handle(req, res, countDetail);
  return OPERATIONS.map(([method, path]) => ({ method, path, public: true, raw }));
}
