import type { BffConfig } from '../config.ts';
import { DEV_TV_CLIENT_SECRET, DEV_WEB_CLIENT_SECRET } from '../sign-in/index.ts';

/** The development secrets registered at identity (downstream-mocks/README.md): public, so development only. */
export const DEV_MOBILE_CLIENT_SECRET = 'concierge-mobile-dev-secret';
export const DEV_BFF_CLIENT_SECRET = 'concierge-dev-bff-dev-secret';

export interface ActingClient {
  clientId: string;
  clientSecret: string;
}

/**
 * The confidential client a BFF is at identity when it calls the services: the actor (`act`) of
 * every token it exchanges for a viewer, and the subject of its own (downstream/service-tokens.ts).
 * Web and TV are the clients they sign in as. The mobile app is a public client, which can keep
 * no secret, so the mobile BFF is a client of its own, `mobile-bff`. A BFF made by
 * `npm run new-client` has none until one is registered: in development it acts as `dev-bff`,
 * which identity lets exchange development tokens only; production refuses to start.
 * Under NODE_ENV=production each secret must be set (and published-secrets.ts refuses the public ones).
 */
export function actingClientOf(client: string, config: BffConfig): ActingClient {
  const known: Record<string, { clientId: string; secret: string | undefined; devSecret: string; variable: string }> = {
    web: { clientId: 'web', secret: config.webClientSecret, devSecret: DEV_WEB_CLIENT_SECRET, variable: 'WEB_CLIENT_SECRET' },
    tv: { clientId: 'tv', secret: config.tvClientSecret, devSecret: DEV_TV_CLIENT_SECRET, variable: 'TV_CLIENT_SECRET' },
    mobile: { clientId: 'mobile-bff', secret: config.mobileClientSecret, devSecret: DEV_MOBILE_CLIENT_SECRET, variable: 'MOBILE_CLIENT_SECRET' },
  };
  const entry = known[client];
  if (!entry) {
    if (config.production) throw new Error(`${client} has no client at identity to call the services as: register one and add it to server/acting-client.ts`);
    return { clientId: 'dev-bff', clientSecret: DEV_BFF_CLIENT_SECRET };
  }
  if (config.production && !entry.secret) throw new Error(`${entry.variable} must be set in production: the development secret is public`);
  return { clientId: entry.clientId, clientSecret: entry.secret ?? entry.devSecret };
}
