import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Seals a session's tokens before they reach a store, so a dump of Redis (or of the process's
 * memory map) holds nothing a thief can replay. AES-256-GCM: confidentiality and integrity in
 * one pass, with the session id as associated data, so a ciphertext copied into another
 * session's record does not open there.
 */
export interface TokenCipher {
  seal(plaintext: string, sessionId: string): string;
  /** The plaintext; throws when the ciphertext was tampered with, moved to another session, or sealed under another key. */
  open(sealed: string, sessionId: string): string;
}

/** The development key: the 32 ASCII bytes `concierge-dev-session-key-000000`, base64url. Public, so never for production. */
export const DEV_SESSION_ENCRYPTION_KEY = 'Y29uY2llcmdlLWRldi1zZXNzaW9uLWtleS0wMDAwMDA';

/** Tags the format, so a later key rotation or algorithm can tell its ciphertexts from these. */
const VERSION = 'v1';
/** 96 bits: GCM's native nonce size; random per seal, so one key can seal ~2^32 values safely. */
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function createTokenCipher(keyBase64url: string, name = 'the session encryption key'): TokenCipher {
  const key = decodeKey(keyBase64url, name);
  return {
    seal(plaintext, sessionId) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(sessionId, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },
    open(sealed, sessionId) {
      const [version, iv, body, tag] = sealed.split('.');
      if (version !== VERSION || iv === undefined || body === undefined || tag === undefined) throw new Error('not a sealed session value');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(sessionId, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      // final() throws on a wrong key, a wrong session id or any flipped bit.
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}

/**
 * The cipher from `SESSION_ENCRYPTION_KEY` (base64url of 32 random bytes:
 * `node -e "console.log(crypto.randomBytes(32).toString('base64url'))"`). Development falls back
 * to DEV_SESSION_ENCRYPTION_KEY; production refuses to start without a key of its own, because
 * a key everyone can read in this repository would make the encryption worthless.
 */
export function tokenCipherFromEnv(env: NodeJS.ProcessEnv): TokenCipher {
  const raw = env.SESSION_ENCRYPTION_KEY;
  const production = env.NODE_ENV === 'production';
  if (raw === undefined || raw === '') {
    if (production) throw new Error('SESSION_ENCRYPTION_KEY must be set in production (base64url of 32 random bytes); the development default is public');
    return createTokenCipher(DEV_SESSION_ENCRYPTION_KEY);
  }
  if (production && raw.replace(/=+$/, '') === DEV_SESSION_ENCRYPTION_KEY) throw new Error('SESSION_ENCRYPTION_KEY is the public development key; production needs its own');
  return createTokenCipher(raw, 'SESSION_ENCRYPTION_KEY');
}

function decodeKey(raw: string, name: string): Buffer {
  // Buffer.from skips characters outside the alphabet, so check the text first: 32 bytes are 43 characters.
  if (!/^[A-Za-z0-9_-]{43}=?$/.test(raw)) throw new Error(`${name} must be base64url of exactly 32 bytes (43 characters)`);
  return Buffer.from(raw, 'base64url');
}
