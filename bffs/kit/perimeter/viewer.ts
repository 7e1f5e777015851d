import { createRemoteJWKSet, jwtVerify, errors as joseErrors } from 'jose';
import { concierge } from '../errors.ts';
import type { Viewer } from '../core/viewer.ts';

/** identity's development audience (`POST /dev/token`). */
export const TOKEN_AUDIENCE = 'concierge';

/** The audience of the provider's access tokens for one BFF. */
export const audienceOf = (client: string) => `concierge-${client}`;

/** What a BFF takes: its own audience, and in development the development one. */
export const audiencesFor = (client: string, production: boolean): string[] => (production ? [audienceOf(client)] : [audienceOf(client), TOKEN_AUDIENCE]);

export interface ViewerVerifierOptions {
  /** identity's origin; it is also the expected `iss`. */
  identityUrl: string;
  /**
   * The `aud` values taken: this BFF's own (`concierge-<client>`, what the provider issues for
   * it), so a token issued for another BFF is refused; in development also identity's
   * development audience (`concierge`, what `POST /dev/token` mints by default and which does
   * not exist in production).
   */
  audiences?: readonly string[];
  /** Verified tokens kept until they expire, so the signature check stays off the hot path. */
  cacheSize?: number;
}

/** A key fetch is on the request's path (first token, key rotation): short, like a downstream call. */
const JWKS_TIMEOUT_MS = 1_000;

export function createViewerVerifier({ identityUrl, audiences = [TOKEN_AUDIENCE], cacheSize = 10_000 }: ViewerVerifierOptions) {
  const audience = [...audiences];
  const jwks = createRemoteJWKSet(new URL(`${identityUrl}/.well-known/jwks.json`), { cooldownDuration: 30_000, timeoutDuration: JWKS_TIMEOUT_MS });
  const verified = new Map<string, { viewer: Viewer; expiresAtMs: number }>();

  async function verifySignature(token: string): Promise<Viewer> {
    try {
      const { payload } = await jwtVerify(token, jwks, { issuer: identityUrl, audience });
      if (typeof payload.sub !== 'string' || payload.sub === '') throw new joseErrors.JWTClaimValidationFailed('no subject', payload);
      const viewer = { id: payload.sub, token };
      if (verified.size >= cacheSize) verified.clear();
      verified.set(token, { viewer, expiresAtMs: (payload.exp ?? 0) * 1000 });
      return viewer;
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw invalid('TOKEN_EXPIRED', 'The token has expired.');
      // The keys could not be fetched (identity down, slow or answering garbage): that says nothing
      // about the token, so the client must not throw it away as invalid.
      if (error instanceof joseErrors.JWKSTimeout || error instanceof joseErrors.JWKSInvalid || !(error instanceof joseErrors.JOSEError)) {
        throw concierge('IDENTITY_UNAVAILABLE', 'The token could not be checked: identity is unavailable; retry later.', {}, { headers: { 'retry-after': '2' } });
      }
      throw invalid('INVALID_TOKEN', 'The token could not be verified.');
    }
  }

  /** The viewer; synchronous when the token was verified before (the hot path costs no promise). */
  function verifyViewer(authorization: string | null): Viewer | Promise<Viewer> {
    if (!authorization) throw concierge('UNAUTHENTICATED', 'Send a bearer token in the Authorization header.', {}, { headers: { 'www-authenticate': CHALLENGE } });
    const token = tokenOf(authorization);
    if (token === undefined) throw invalid('INVALID_TOKEN', 'The Authorization header must be "Bearer <jwt>".');

    const hit = verified.get(token);
    if (hit && hit.expiresAtMs > Date.now()) return hit.viewer;
    return verifySignature(token);
  }

  /**
   * The viewer of a token this verifier has verified before and that has not expired, else
   * undefined; it never throws and never fetches. What the in-flight screening keys a viewer's
   * slot by before the body is read (perimeter/index.ts): a token never seen is verified later,
   * in its turn, after the address's cap and budget.
   */
  function knownViewer(authorization: string | null): Viewer | undefined {
    if (!authorization) return undefined;
    const token = tokenOf(authorization);
    const hit = token === undefined ? undefined : verified.get(token);
    return hit && hit.expiresAtMs > Date.now() ? hit.viewer : undefined;
  }

  return Object.assign(verifyViewer, { known: knownViewer });
}

/** The JWT of `Authorization: Bearer <jwt>`, or undefined. */
function tokenOf(authorization: string): string | undefined {
  return /^Bearer\s+([\w-]+\.[\w-]+\.[\w-]+)$/i.exec(authorization.trim())?.[1];
}

/** RFC 6750's challenge, as the downstream services send it. */
const CHALLENGE = 'Bearer realm="concierge"';

function invalid(code: 'INVALID_TOKEN' | 'TOKEN_EXPIRED', message: string) {
  return concierge(code, message, {}, { headers: { 'www-authenticate': `${CHALLENGE}, error="invalid_token", error_description="${message.replace(/"/g, "'")}"` } });
}

export type VerifyViewer = ReturnType<typeof createViewerVerifier>;
