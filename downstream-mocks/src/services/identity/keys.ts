import { exportJWK, generateKeyPair, type JWK } from 'jose';

export const SIGNING_ALG = 'RS256';
export const SIGNING_KID = 'concierge-dev-1';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  /** The private JWK, as oidc-provider's `jwks` configuration takes it. */
  privateJwk: JWK;
}

/**
 * One RS256 key pair, made at start-up, signs everything identity issues: the provider's ID,
 * access and logout tokens and `/dev/token`'s. So there is one JWKS with one key, and tokens
 * live only as long as the mocks do.
 */
export async function generateSigningKey(): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const privateJwk: JWK = { ...(await exportJWK(privateKey)), kid: SIGNING_KID, alg: SIGNING_ALG, use: 'sig' };
  return { kid: SIGNING_KID, privateKey, privateJwk };
}
