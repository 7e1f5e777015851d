import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { createTokenCipher, DEV_SESSION_ENCRYPTION_KEY, tokenCipherFromEnv } from '../../bffs/kit/stores/sessions/token-cipher.ts';

const key = () => randomBytes(32).toString('base64url');
const ID = randomBytes(32).toString('base64url');

describe('token cipher', () => {
  test('round-trips, with a fresh IV each time, and hides the plaintext', () => {
    const cipher = createTokenCipher(key());
    const a = cipher.seal('refresh-token-value', ID);
    const b = cipher.seal('refresh-token-value', ID);
    expect(a).not.toBe(b);
    expect(a).not.toContain('refresh-token-value');
    expect(cipher.open(a, ID)).toBe('refresh-token-value');
    expect(cipher.open(b, ID)).toBe('refresh-token-value');
  });

  test('does not open under another key, another session id, or with a flipped bit', () => {
    const k = key();
    const sealed = createTokenCipher(k).seal('secret', ID);
    expect(() => createTokenCipher(key()).open(sealed, ID)).toThrow();
    expect(() => createTokenCipher(k).open(sealed, randomBytes(32).toString('base64url'))).toThrow();
    const [version, iv, body, tag] = sealed.split('.') as [string, string, string, string];
    const flipped = Buffer.from(body, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    expect(() => createTokenCipher(k).open([version, iv, flipped.toString('base64url'), tag].join('.'), ID)).toThrow();
    expect(() => createTokenCipher(k).open('plain text', ID)).toThrow(/not a sealed/);
  });

  test('takes only a 32-byte base64url key', () => {
    expect(() => createTokenCipher(randomBytes(16).toString('base64url'))).toThrow(/32 bytes/);
    expect(() => createTokenCipher(`${key().slice(0, 42)}!`)).toThrow(/32 bytes/);
    expect(() => createTokenCipher(`${key()}=`)).not.toThrow();
  });
});

describe('tokenCipherFromEnv', () => {
  const sealedWithDevKey = createTokenCipher(DEV_SESSION_ENCRYPTION_KEY).seal('x', ID);

  test('uses the documented development key when SESSION_ENCRYPTION_KEY is unset outside production', () => {
    expect(tokenCipherFromEnv({}).open(sealedWithDevKey, ID)).toBe('x');
    expect(tokenCipherFromEnv({ NODE_ENV: 'development', SESSION_ENCRYPTION_KEY: '' }).open(sealedWithDevKey, ID)).toBe('x');
  });

  test('uses SESSION_ENCRYPTION_KEY when set', () => {
    const k = key();
    const sealed = createTokenCipher(k).seal('y', ID);
    expect(tokenCipherFromEnv({ NODE_ENV: 'production', SESSION_ENCRYPTION_KEY: k }).open(sealed, ID)).toBe('y');
  });

  test('refuses production without a key of its own, and any key that is not 32 bytes', () => {
    expect(() => tokenCipherFromEnv({ NODE_ENV: 'production' })).toThrow(/SESSION_ENCRYPTION_KEY must be set in production/);
    expect(() => tokenCipherFromEnv({ NODE_ENV: 'production', SESSION_ENCRYPTION_KEY: DEV_SESSION_ENCRYPTION_KEY })).toThrow(/public development key/);
    expect(() => tokenCipherFromEnv({ SESSION_ENCRYPTION_KEY: 'too-short' })).toThrow(/SESSION_ENCRYPTION_KEY must be base64url of exactly 32 bytes/);
    expect(() => tokenCipherFromEnv({ SESSION_ENCRYPTION_KEY: randomBytes(48).toString('base64url') })).toThrow(/32 bytes/);
  });
});
