import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import type { BffConfig } from '../../bffs/kit/config.ts';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import { createRepeatedErrors } from '../../bffs/kit/execution/repeated-errors.ts';
import { bareMobileBff, logSink } from '../support/bare-bff.ts';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { untilKeys } from '../support/until-keys.ts';

/**
 * What a developer reads when a resolver throws on every request: the error once, with its
 * stack, then a count; production still logs every one (each request's id is what a report
 * names). And development's logs are pino-pretty's lines, production's JSON.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const REQUESTS = 20;

interface Logged {
  level: number;
  msg?: string;
  repeated?: number;
  err?: { message?: string; stack?: string };
}

describe('a resolver that throws on every request', () => {
  let mocks: TestMocks;
  let token: string;
  beforeAll(async () => {
    mocks = await startTestMocks();
    token = await mocks.token('u_1', { aud: 'mobile' });
  });
  afterAll(() => mocks?.close());

  function buildBff(config: Partial<BffConfig>): { bff: Bff; logged: Logged[] } {
    const resolvers = {
      Query: {
        broken: () => {
          throw new Error('the recommendations mapper is not ready');
        },
        fine: () => 'fine',
      },
    };
    return bareMobileBff<Logged>({ mocks, typeDefs: 'type Query { broken: String, fine: String! }', resolvers, config, logLevel: 'info' });
  }

  async function hammer(bff: Bff): Promise<void> {
    for (let i = 0; i < REQUESTS; i++) {
      const res = await untilKeys(() => bff.fetch('http://bff/graphql', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: '{ broken fine }' }) }));
      const body = (await res.json()) as { data: unknown; errors: { extensions: { code: string } }[] };
      expect(body.data).toEqual({ broken: null, fine: 'fine' });
      expect(body.errors.map((e) => e.extensions.code)).toEqual(['INTERNAL_SERVER_ERROR']);
    }
  }

  const aboutTheBug = (entry: Logged) => entry.level >= 50 && JSON.stringify(entry).includes('the recommendations mapper is not ready');

  test('development: logged once with its stack, then one line with how often it came back', async () => {
    const { bff, logged } = buildBff({ production: false });
    await hammer(bff);
    const during = logged.filter(aboutTheBug);
    expect(during).toHaveLength(1);
    expect(during[0]!.err?.stack).toContain('repeated-errors.test.ts');
    await bff.close(); // says what it counted
    const after = logged.filter(aboutTheBug);
    expect(after).toHaveLength(2);
    expect(after[1]).toMatchObject({ repeated: REQUESTS - 1, msg: `the recommendations mapper is not ready (repeated ${REQUESTS - 1} times in the last 10 s)` });
    expect(after[1]!.err).toBeUndefined(); // no second stack
  });

  test('production: every occurrence is logged, each in its request', async () => {
    const { bff, logged } = buildBff({ production: true, trustedDocuments: 'arbitrary' });
    try {
      await hammer(bff);
      expect(logged.filter(aboutTheBug)).toHaveLength(REQUESTS);
    } finally {
      await bff.close();
    }
  });
});

describe('the repeat window', () => {
  afterEach(() => vi.useRealTimers());

  test('after the window: the count, and the next occurrence in full again; another error is its own', () => {
    vi.useFakeTimers();
    const { stream, logged } = logSink<Logged>();
    const log = pino({ level: 'info' }, stream);
    const repeats = createRepeatedErrors({ windowMs: 10_000 });
    const report = (message: string) => repeats.report(log, message, message, () => log.error({ err: new Error(message) }, message));

    expect([report('a'), report('a'), report('b'), report('a')]).toEqual([true, false, true, false]);
    expect(logged.map((l) => l.msg)).toEqual(['a', 'b']);
    vi.advanceTimersByTime(10_000);
    expect(logged.map((l) => l.msg)).toEqual(['a', 'b', 'a (repeated 2 times in the last 10 s)']);
    // b never came back: nothing to say about it.
    expect(report('a')).toBe(true);
    expect(logged.map((l) => l.msg).at(-1)).toBe('a');
    expect(logged.at(-1)!.err).toBeDefined();
  });
});

describe('the log format', () => {
  const run = promisify(execFile);
  const script = (production: boolean) =>
    `import { createLogger } from './bffs/kit/server/logger.ts'; const log = createLogger('mobile', 'info', { production: ${production} }); log.error(new Error('boom in a resolver'), 'a resolver failed'); log.flush();`;

  test('development: pino-pretty, a readable line with the stack under it; production: one JSON line', async () => {
    const [dev, prod] = await Promise.all([
      run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(false)], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' } }),
      run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script(true)], { cwd: ROOT }),
    ]);
    expect(dev.stdout).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] ERROR \(bff-mobile\): a resolver failed\n/);
    expect(dev.stdout).toMatch(/\n\s+at /); // the stack, one frame a line
    expect(dev.stdout).not.toContain('{"level"');
    const lines = prod.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 50, name: 'bff-mobile', msg: 'a resolver failed', err: { message: 'boom in a resolver' } });
  }, 30_000);
});
