import { hkdfSync } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import * as oidc from 'openid-client';
import type { DownstreamName } from '../core/services.ts';
import type { Viewer } from '../core/viewer.ts';
import { createTokenCipher, type TokenCipher } from '../stores/sessions/token-cipher.ts';
import type { SharedEntries } from '../stores/shared-entries.ts';
import type { ServiceCredentials } from './call.ts';

/** RFC 8693. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** A service's audience, which is also its RFC 8707 resource indicator at identity. */
export const serviceAudienceOf = (service: DownstreamName) => `urn:concierge:service:${service}`;
/** The one scope a service's tokens carry. */
export const serviceScopeOf = (service: DownstreamName) => `concierge:${service}`;

/**
 * Services whose data is the same for every viewer, read with the BFF's own identity (client
 * credentials) rather than a viewer's exchanged token: the shared title cache keeps what one
 * request fetched for every later viewer, and revalidates it in the background after that request
 * is gone, so what it holds must never rest on one viewer's token (README: Downstream tokens).
 */
export const PUBLIC_SERVICES: ReadonlySet<DownstreamName> = new Set(['catalog']);

/** Why a service's token could not be had. `unavailable`: identity did not answer (or failed); else it refused. */
export class ServiceTokenError extends Error {
  constructor(
    message: string,
    readonly unavailable: boolean,
  ) {
    super(message);
  }
}

export interface ServiceTokensOptions {
  /** identity: its discovery gives the token endpoint. */
  issuer: string;
  /** The BFF's confidential client at identity, the actor of every exchanged token. */
  clientId: string;
  clientSecret: string;
  /** Development: identity may be plain http. */
  allowHttp: boolean;
  /** The second level replicas share (Redis), when `REDIS_URL` is set; in process only otherwise. */
  shared?: SharedEntries;
  /** The most one exchange may take, in seconds (openid-client's timeout). @default 2 */
  timeoutSeconds?: number;
  /** The in-process level's bound, in bytes of tokens kept. @default 32 MB */
  maxBytes?: number;
  now?: () => number;
}

interface Held {
  token: string;
  /** ms since the epoch */
  expiresAt: number;
  /** From here on a new one is asked for (the old one still serves if identity does not answer). */
  renewAt: number;
}

/** A token is renewed this long before it expires, or a quarter of its life before, if that is sooner. */
const RENEW_BEFORE_MS = 30_000;
const renewAtOf = (expiresAt: number, now: number) => expiresAt - Math.min(RENEW_BEFORE_MS, (expiresAt - now) / 4);

/**
 * The tokens a BFF calls the services with (issue 27: no service ever sees a client's token):
 * - for a viewer, the viewer's token exchanged at identity (RFC 8693), one per service: `aud` that
 *   service, its scope, the BFF as `act`; for public data (PUBLIC_SERVICES), the BFF's own token
 *   (client credentials), the same for every viewer;
 * - kept per viewer and service until shortly before they expire (renewAtOf), in process and, with
 *   `REDIS_URL`, in Redis, sealed (AES-256-GCM under a key derived from the client secret, the
 *   issuer and the key as associated data, so another identity's token is never used here), so a replica that never saw the viewer does not ask again and a dump of
 *   Redis holds no token;
 * - one exchange in flight per key in this process, however many requests want it;
 * - when identity does not answer, a kept token serves until it expires; a viewer with none gets
 *   ServiceTokenError(unavailable), which the request answers 503 IDENTITY_UNAVAILABLE.
 *
 * openid-client does the grants (the library the sign-in wing uses): discovery, client
 * authentication, the token endpoint's errors.
 */
export function createServiceTokens(options: ServiceTokensOptions) {
  const now = options.now ?? Date.now;
  const cipher: TokenCipher = createTokenCipher(Buffer.from(hkdfSync('sha256', options.clientSecret, options.clientId, 'concierge service tokens', 32)).toString('base64url'));
  const held = new LRUCache<string, Held>({ maxSize: options.maxBytes ?? 32 * 1024 * 1024, sizeCalculation: (entry, key) => entry.token.length + key.length + 64 });
  const inFlight = new Map<string, Promise<string>>();
  // What a kept token is sealed to: its key and the identity that issued it. A token another
  // identity issued (another environment on the same Redis, a development identity started anew
  // with new signing keys on another port) is refused by the services: it must not open here.
  const boundTo = (key: string) => `${options.issuer}\u0000${key}`;

  let configuration: Promise<oidc.Configuration> | undefined;
  const configured = () =>
    (configuration ??= oidc
      .discovery(new URL(options.issuer), options.clientId, { client_secret: options.clientSecret }, oidc.ClientSecretBasic(options.clientSecret), {
        execute: options.allowHttp ? [oidc.allowInsecureRequests] : [],
        timeout: options.timeoutSeconds ?? 2,
      })
      .catch((error: unknown) => {
        configuration = undefined; // not remembered: the next exchange tries again
        throw error;
      }));

  /** Asks identity: the viewer's token exchanged, or (no viewer) the BFF's own. */
  async function ask(service: DownstreamName, subjectToken: string | undefined): Promise<Held> {
    const parameters = { resource: serviceAudienceOf(service), scope: serviceScopeOf(service) };
    let response: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
    try {
      const config = await configured();
      response =
        subjectToken === undefined
          ? await oidc.clientCredentialsGrant(config, parameters)
          : await oidc.genericGrantRequest(config, TOKEN_EXCHANGE_GRANT, { ...parameters, subject_token: subjectToken, subject_token_type: ACCESS_TOKEN_TYPE });
    } catch (error) {
      // identity answered with an OAuth error below 500 (the token or the client refused): asking again will not help.
      if (error instanceof oidc.ResponseBodyError && error.status < 500) {
        throw new ServiceTokenError(`identity refused a token for ${service}: ${error.error}`, false);
      }
      throw new ServiceTokenError(`identity did not answer the exchange for ${service}`, true);
    }
    const at = now();
    const expiresAt = at + (response.expiresIn() ?? 60) * 1000;
    return { token: response.access_token, expiresAt, renewAt: renewAtOf(expiresAt, at) };
  }

  /** The shared level's entry, opened; undefined when absent, unreadable or expired. */
  async function fromShared(key: string): Promise<Held | undefined> {
    if (!options.shared) return undefined;
    const [text] = await options.shared.get([key]);
    if (text === undefined) return undefined;
    try {
      const { sealed, expiresAt, renewAt } = JSON.parse(text) as { sealed: string; expiresAt: number; renewAt: number };
      return expiresAt > now() ? { token: cipher.open(sealed, boundTo(key)), expiresAt, renewAt } : undefined;
    } catch {
      return undefined; // another key's or another identity's, or damaged: asked for again
    }
  }

  function keep(key: string, entry: Held): void {
    held.set(key, entry);
    const ttlMs = entry.expiresAt - now();
    if (options.shared && ttlMs > 0) void options.shared.set([{ key, text: JSON.stringify({ sealed: cipher.seal(entry.token, boundTo(key)), expiresAt: entry.expiresAt, renewAt: entry.renewAt }), ttlMs }]);
  }

  /** The token under `key`: kept and fresh, else one exchange (shared by every caller), else a kept one still valid. */
  function tokenOf(key: string, service: DownstreamName, subjectToken: string | undefined): string | Promise<string> {
    const kept = held.get(key);
    const at = now();
    if (kept && at < kept.renewAt) return kept.token;
    const pending = inFlight.get(key);
    if (pending) return pending;
    const next = (async () => {
      const shared = await fromShared(key);
      if (shared && now() < shared.renewAt) {
        held.set(key, shared);
        return shared.token;
      }
      try {
        const fresh = await ask(service, subjectToken);
        keep(key, fresh);
        return fresh.token;
      } catch (error) {
        // identity is down: what is kept serves until it expires.
        const fallback = [kept, shared].find((entry) => entry !== undefined && entry.expiresAt > now());
        if (fallback && error instanceof ServiceTokenError && error.unavailable) return fallback.token;
        throw error;
      }
    })().finally(() => inFlight.delete(key));
    inFlight.set(key, next);
    return next;
  }

  return {
    /** The tokens of one request's viewer, service by service. */
    forViewer(viewer: Viewer): ServiceCredentials {
      return {
        tokenFor: (service) => (PUBLIC_SERVICES.has(service) ? tokenOf(`:${service}`, service, undefined) : tokenOf(`${viewer.id}:${service}`, service, viewer.token)),
      };
    },
    /**
     * At start, in the background: discovery and the BFF's own tokens, so the first viewer's
     * home waits for its own exchanges only. A failure (identity not up yet) is forgotten: the
     * first call that needs them asks again.
     */
    warm(): void {
      for (const service of PUBLIC_SERVICES) void Promise.resolve(tokenOf(`:${service}`, service, undefined)).catch(() => undefined);
    },
  };
}

export type ServiceTokens = ReturnType<typeof createServiceTokens>;
