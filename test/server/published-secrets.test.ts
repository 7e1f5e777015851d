/**
 * A production BFF refuses to start with a secret anyone can read: every secret value assigned
 * anywhere in this repository (compose's fallbacks, the mocks' development secrets, the
 * manifests' placeholders, test fixtures), found by reading the files now, not from a list, so a
 * value committed later fails here until the runtime refuses it too.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { describe, expect, test } from 'vitest';
import { configFromEnv, DOWNSTREAM_DEFAULTS, urlVariableOf, type DownstreamName } from '../../bffs/kit/config.ts';
import { isPublishedSecret, publishedSecretVariables } from '../../bffs/kit/published-secrets.ts';
import { createMobileBff } from '../../bffs/mobile/bff.ts';
import { createTvBff } from '../../bffs/tv/bff.ts';
import { createWebBff } from '../../bffs/web/bff.ts';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SECRET_VARIABLES = ['WEB_CLIENT_SECRET', 'TV_CLIENT_SECRET', 'MOBILE_CLIENT_SECRET', 'SESSION_ENCRYPTION_KEY'] as const;
type SecretVariable = (typeof SECRET_VARIABLES)[number] | 'REDIS_URL';

/** Every committed (or new, not ignored) text file of the repository. */
function repositoryFiles(): string[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
  return listed.filter((path) => !/(^|\/)(node_modules|\.tmp)\//.test(path) && !path.endsWith('package-lock.json') && /\.(ts|mts|js|json|ya?ml|md|cfg|env|sh)$|(^|\/)(Dockerfile|run)$/.test(path));
}

/** A literal, not an expression or a reference (`${…}` without a default, `env.X`, `<secret>`). */
const literal = (value: string) => value.length >= 6 && !/[<>$(){}\s]|^(process\.|env\.|secrets\.|config\.|sessionKeys\.)/.test(value) && !/^(DEV_)?[A-Z_]*(SECRET|KEY|URL)$/.test(value);

/** Each secret value assigned in the repository, with where, for the failure message. */
function publishedValues(): { variable: SecretVariable; value: string; where: string }[] {
  const found: { variable: SecretVariable; value: string; where: string }[] = [];
  const names = SECRET_VARIABLES.join('|');
  const patterns: [RegExp, (m: RegExpExecArray) => [SecretVariable, string]][] = [
    // YAML, env files and shells: `NAME: value`, `NAME=value`, `${NAME:-value}`, `NAME: "value"`.
    [new RegExp(`\\b(${names})\\b["']?\\s*[:=]\\s*(?:\\$\\{\\1:?-([^}]*)\\}|["']?([^\\s"'#,}]+))`, 'g'), (m) => [m[1] as SecretVariable, m[2] ?? m[3]!]],
    // `${NAME:-value}` anywhere.
    [new RegExp(`\\$\\{(${names}):?-([^}]+)\\}`, 'g'), (m) => [m[1] as SecretVariable, m[2]!]],
    // The README's Configuration table: | `NAME` | `default` |.
    [new RegExp(`\\| \`(${names})\` \\| \`([^\`]+)\``, 'g'), (m) => [m[1] as SecretVariable, m[2]!]],
    // TypeScript: a constant or a property that holds one (DEV_…_SECRET = '…', clientSecret: '…').
    [/\b(?:DEV_\w*(?:SECRET|KEY)\w*|\w*(?:[cC]lientSecret|client_secret|sessionEncryptionKey|SessionKey))\s*[:=]\s*(?:env\.\w+\s*\|\|\s*)?['"`]([^'"`]+)['"`]/g, (m) => [/KEY|Key/.test(m[0].split(/[:=]/)[0]!) ? 'SESSION_ENCRYPTION_KEY' : 'WEB_CLIENT_SECRET', m[1]!]],
    // An object of secrets by client (the mocks' DEV_CLIENT_SECRETS = { web: '…', tv: '…' }).
    [/SECRETS\s*=\s*\{([^}]*)\}/g, (m) => ['WEB_CLIENT_SECRET', m[1]!]],
    // A Redis URL with a password (after the user and a colon, before the at sign).
    [/\brediss?:\/\/[^:@\s/'"]*:([^@\s/'"]+)@/g, (m) => ['REDIS_URL', m[1]!]],
  ];
  for (const path of repositoryFiles()) {
    let text: string;
    try {
      text = readFileSync(join(ROOT, path), 'utf8');
    } catch {
      continue;
    }
    const code = /\.(ts|mts|js)$/.test(path);
    for (const [pattern, pick] of patterns) {
      for (const match of text.matchAll(pattern)) {
        // In code an unquoted value is an identifier (`TV_CLIENT_SECRET: tvClientSecret`), not a value.
        if (code && pattern === patterns[0]![0] && match[3] !== undefined && !/[:=]\s*["']/.test(match[0])) continue;
        const [variable, raw] = pick(match as RegExpExecArray);
        // An object of secrets holds several quoted values.
        const values = /['"]/.test(raw) ? [...raw.matchAll(/['"]([^'"]+)['"]/g)].map((m) => m[1]!) : [raw];
        for (const value of values) if (literal(value)) found.push({ variable, value, where: `${path}: ${match[0].slice(0, 80)}` });
      }
    }
  }
  return found;
}

function productionConfig(extra: NodeJS.ProcessEnv) {
  const env: NodeJS.ProcessEnv = { NODE_ENV: 'production', PORT: '0', LOG_LEVEL: 'silent', ...extra };
  for (const name of Object.keys(DOWNSTREAM_DEFAULTS) as DownstreamName[]) env[urlVariableOf(name)] = DOWNSTREAM_DEFAULTS[name];
  return configFromEnv(env, 0);
}

const ownSecrets = () => ({ WEB_CLIENT_SECRET: randomBytes(24).toString('base64url'), TV_CLIENT_SECRET: randomBytes(24).toString('base64url'), MOBILE_CLIENT_SECRET: randomBytes(24).toString('base64url'), SESSION_ENCRYPTION_KEY: randomBytes(32).toString('base64url') });

describe('secrets published in the repository', () => {
  const found = publishedValues();

  test('are found where the findings saw them: compose, the mocks, the manifests, the development key', () => {
    const values = new Set(found.map(({ value }) => value));
    for (const known of ['concierge-web-dev-secret', 'concierge-tv-dev-secret', 'concierge-mobile-dev-secret', 'REPLACE_ME', 'Y29uY2llcmdlLWRldi1zZXNzaW9uLWtleS0wMDAwMDA']) expect(values, known).toContain(known);
    // The test can still see a value nobody listed: it reads the files, it does not trust the list.
    expect(found.filter(({ value }) => !isPublishedSecret(value)).map(({ where }) => where)).toEqual([]);
  });

  test.each(SECRET_VARIABLES)('each one in %s stops a production start, with a message that names the variable and not the value', async (variable) => {
    for (const { value, where } of found) {
      const config = productionConfig({ ...ownSecrets(), [variable]: value });
      let message = '';
      try {
        // Any client: the BFF refuses before it builds anything.
        await createMobileBff(config, { logger: pino({ level: 'silent' }) }).close();
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message, where).toContain(variable);
      expect(message, where).not.toContain(value);
    }
  });

  test("a REDIS_URL whose password is published (the manifests' REPLACE_ME) stops a production start; one without a password is no secret", () => {
    expect(() => createMobileBff(productionConfig({ REDIS_URL: 'rediss://:REPLACE_ME@redis.example.internal:6379' }), { logger: pino({ level: 'silent' }) })).toThrow(/^REDIS_URL holds a value published/);
    expect(publishedSecretVariables(productionConfig({ REDIS_URL: 'redis://redis:6379' }))).toEqual([]);
    expect(publishedSecretVariables(productionConfig({ REDIS_URL: `rediss://:${randomBytes(16).toString('hex')}@redis:6379` }))).toEqual([]);
  });

  test('secrets of its own start web and TV; development keeps its public defaults', async () => {
    const web = createWebBff(productionConfig(ownSecrets()), { logger: pino({ level: 'silent' }) });
    const tv = createTvBff(productionConfig(ownSecrets()), { logger: pino({ level: 'silent' }) });
    await Promise.all([web.close(), tv.close()]);
    const development = configFromEnv({ WEB_CLIENT_SECRET: 'concierge-web-dev-secret', LOG_LEVEL: 'silent' }, 0);
    const dev = createWebBff(development, { logger: pino({ level: 'silent' }) });
    await dev.close();
  });

  test("compose's web service as committed does not start in production: the process exits, naming the variable only", async () => {
    const env = { ...process.env, ...productionConfigEnv(), WEB_CLIENT_SECRET: 'concierge-web-dev-secret', SESSION_ENCRYPTION_KEY: randomBytes(32).toString('base64url') };
    const child = spawn(process.execPath, ['--import', 'tsx', 'bffs/web/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(output).toContain('WEB_CLIENT_SECRET holds a value published');
    expect(output).not.toContain('concierge-web-dev-secret');
  }, 30_000);
});

function productionConfigEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { NODE_ENV: 'production', PORT: '0', ADMIN_PORT: 'off', LOG_LEVEL: 'silent' };
  for (const name of Object.keys(DOWNSTREAM_DEFAULTS) as DownstreamName[]) env[urlVariableOf(name)] = DOWNSTREAM_DEFAULTS[name];
  return env;
}
