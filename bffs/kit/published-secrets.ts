import type { BffConfig } from './config.ts';

/**
 * Secret values that are published, in this repository or by the mocks, so anyone can use them:
 * the development client secrets registered at identity (downstream-mocks), the development
 * session key, and what compose.yaml and the tests once used. A production BFF refuses to start
 * with any of them. test/config/published-secrets.test.ts reads every secret value assigned
 * anywhere in the repository and requires each one to be refused, so a value committed later
 * fails CI until it is listed here (or is a placeholder).
 */
export const PUBLISHED_SECRETS: readonly string[] = [
  'concierge-web-dev-secret',
  'concierge-tv-dev-secret',
  'concierge-mobile-dev-secret',
  'concierge-dev-bff-dev-secret',
  // The development session key (stores/sessions/token-cipher.ts): `concierge-dev-session-key-000000`.
  'Y29uY2llcmdlLWRldi1zZXNzaW9uLWtleS0wMDAwMDA',
  'compose-local-only-key-0123456789abcdefghij',
  'a-production-secret',
  'cHJvZHVjdGlvbi1zZXNzaW9uLWtleS0wMDAwMDAwMDA',
  // Test fixtures (test/deploy, test/stores).
  'hunter2',
  'too-short',
];

/** What placeholders and development values look like, wherever they come from. */
const PLACEHOLDER = /REPLACE[_-]?ME|CHANGE[_-]?ME|dev-secret|dev-session|local-only|example|placeholder/i;

/** The settings that hold a secret, by the variable that sets each (README: Configuration). */
const SECRET_SETTINGS = {
  webClientSecret: 'WEB_CLIENT_SECRET',
  tvClientSecret: 'TV_CLIENT_SECRET',
  mobileClientSecret: 'MOBILE_CLIENT_SECRET',
  sessionEncryptionKey: 'SESSION_ENCRYPTION_KEY',
  redisUrl: 'REDIS_URL',
} as const satisfies Partial<Record<keyof BffConfig, string>>;

const normalized = (value: string) => value.trim().replace(/=+$/, '');
const published = new Set(PUBLISHED_SECRETS.map(normalized));

/** True when `value` is published or a placeholder: never a production secret. */
export function isPublishedSecret(value: string): boolean {
  return published.has(normalized(value)) || PLACEHOLDER.test(value);
}

/** The secret part of a setting: a Redis URL's password (a URL without one holds no secret). */
function secretOf(setting: keyof typeof SECRET_SETTINGS, value: string): string | undefined {
  if (setting !== 'redisUrl') return value;
  try {
    const password = decodeURIComponent(new URL(value).password);
    return password === '' ? undefined : password;
  } catch {
    return undefined; // not a URL: node-redis says so when it connects
  }
}

/** The variables (names only, never values) whose value is published. */
export function publishedSecretVariables(config: BffConfig): string[] {
  const found: string[] = [];
  for (const [setting, variable] of Object.entries(SECRET_SETTINGS) as [keyof typeof SECRET_SETTINGS, string][]) {
    const value = config[setting];
    if (typeof value !== 'string' || value === '') continue;
    const secret = secretOf(setting, value);
    if (secret !== undefined && isPublishedSecret(secret)) found.push(variable);
  }
  return found;
}

/**
 * Production refuses to start with a published secret: the message names each variable and
 * never its value (start-up errors end up in logs).
 */
export function refusePublishedSecrets(config: BffConfig): void {
  if (!config.production) return;
  const variables = publishedSecretVariables(config);
  if (variables.length === 0) return;
  throw new Error(
    `${variables.join(', ')} ${variables.length === 1 ? 'holds a value' : 'hold values'} published in the Concierge repository or a placeholder: ` +
      'production needs secrets of its own (README: Running in production). ' +
      'A session key: node -e "console.log(crypto.randomBytes(32).toString(\'base64url\'))"',
  );
}
