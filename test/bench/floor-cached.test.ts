import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DOWNSTREAM_DEFAULTS, urlVariableOf, type DownstreamName } from '../../bffs/kit/config.ts';
import { QUERY_HOME_BODY, homeHeaders } from '../../bench/harness/home.ts';
import { freePort } from '../../bench/support/host.ts';
import { TEST_MOBILE_CLIENT_SECRET, startTestMocks, type TestMocks } from '../support/mocks.ts';

/**
 * floor-cached, the limit concierge's title cache is measured against: the benchmark's floor
 * (bench/peers/floor.ts) with TITLE_CACHE_MB above 0 keeps titles by the rule of the BFF's shared
 * title cache (test/bffs/title-cache.test.ts shows the BFF's side). Each server is its own process,
 * started as the benchmark starts it; the catalog mock lets titles be kept MAX_AGE_S seconds and
 * served stale STALE_S more, so the test waits for real time to pass. Catalog calls are read from
 * the mock's counters.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAX_AGE_S = 2;
const STALE_S = 2;
const VIEWERS = ['u_1', 'u_7', 'u_11'] as const;

interface Running {
  url: string;
  child: ChildProcess;
}

async function startFloor(mocks: TestMocks, titleCacheMb: number): Promise<Running> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'silent', PORT: String(port), TITLE_CACHE_MB: String(titleCacheMb), MOBILE_CLIENT_SECRET: TEST_MOBILE_CLIENT_SECRET };
  for (const name of Object.keys(DOWNSTREAM_DEFAULTS) as DownstreamName[]) env[urlVariableOf(name)] = mocks.urls[name];
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/peers/floor.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk) => (output += chunk));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the floor did not start in time:\n${output}`)), 25_000);
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      if (output.includes('listening on')) clearTimeout(timer), resolve();
    });
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`the floor exited with ${code}:\n${output}`))));
  });
  return { url: `http://127.0.0.1:${port}/graphql`, child };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 8_000);
    child.once('exit', () => (clearTimeout(kill), resolve()));
    child.kill('SIGTERM');
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let mocks: TestMocks;
let floor: Running;
let cached: Running;
const tokens = new Map<string, string>();

beforeAll(async () => {
  mocks = await startTestMocks({ CATALOG_MAX_AGE_SECONDS: String(MAX_AGE_S), CATALOG_STALE_WHILE_REVALIDATE_SECONDS: String(STALE_S) });
  for (const sub of VIEWERS) tokens.set(sub, await mocks.token(sub, { aud: 'mobile' }));
  [floor, cached] = await Promise.all([startFloor(mocks, 0), startFloor(mocks, 32)]);
}, 30_000);

afterAll(async () => {
  await Promise.all([floor, cached].filter(Boolean).map((s) => stop(s.child)));
  await mocks?.close();
});

async function home(server: Running, sub: string = 'u_1'): Promise<{ status: number; text: string }> {
  const res = await fetch(server.url, { method: 'POST', headers: homeHeaders(tokens.get(sub)!), body: QUERY_HOME_BODY });
  return { status: res.status, text: await res.text() };
}

/** The catalog's routes called, and its 304s (`details`), while `run` runs. */
const catalogDuring = (run: () => Promise<unknown>) => mocks.callsDuring('catalog', run);

const titlesShown = (text: string) => new Set(JSON.parse(text).data.home.rows.flatMap((row: { items: { contentId: string }[] }) => row.items.map((item) => item.contentId))).size;

describe('floor-cached: the floor with the rule of the title cache', () => {
  // First, while its cache is cold: concurrent misses of a title are one fetch.
  test('ten concurrent homes on a cold cache send one catalog batch, each home whole', async () => {
    await mocks.setFaults('catalog', { latencyMs: 200 });
    let answers: { status: number; text: string }[] = [];
    const { routes } = await catalogDuring(async () => (answers = await Promise.all(Array.from({ length: 10 }, () => home(cached)))));
    await mocks.clearFaults();
    expect(routes).toEqual({ 'POST /titles/batch': 1 });
    expect(new Set(answers.map((a) => `${a.status} ${a.text}`)).size).toBe(1);
    expect(answers[0]!.status).toBe(200);
  });

  test.each(VIEWERS)('answers %s what the floor answers, byte for byte, cold and warm', async (sub) => {
    const expected = await home(floor, sub);
    expect(expected.status).toBe(200);
    expect(JSON.parse(expected.text).errors).toBeUndefined();
    for (const answer of [await home(cached, sub), await home(cached, sub)]) expect(answer).toEqual(expected);
  });

  test("a warm home asks the catalog nothing: five downstream calls, where the floor's home makes six", async () => {
    await home(cached);
    const counted = async (server: Running) => {
      await mocks.resetCounters();
      expect((await home(server)).status).toBe(200);
      const services = ['users', 'notifications', 'continue-watching', 'my-list', 'recommendations', 'catalog'] as const;
      return Object.fromEntries(await Promise.all(services.map(async (s) => [s, (await mocks.counters(s)).total] as const)));
    };
    expect(await counted(cached)).toEqual({ users: 1, notifications: 1, 'continue-watching': 1, 'my-list': 1, recommendations: 1, catalog: 0 });
    expect(await counted(floor)).toEqual({ users: 1, notifications: 1, 'continue-watching': 1, 'my-list': 1, recommendations: 1, catalog: 1 });
  });

  test('past max-age a title is served at once and revalidated with If-None-Match (304); past the stale window it is asked for again', async () => {
    await sleep((MAX_AGE_S + STALE_S) * 1000 + 200); // every title the other tests kept is gone
    let first = { status: 0, text: '' };
    expect((await catalogDuring(async () => (first = await home(cached, 'u_11')))).routes).toEqual({ 'POST /titles/batch': 1 });
    const shown = titlesShown(first.text);
    expect(shown).toBeGreaterThan(10);

    await sleep(MAX_AGE_S * 1000 + 200);
    await mocks.resetCounters();
    const stale = await home(cached, 'u_11');
    await expect.poll(async () => (await mocks.counters('catalog')).details?.['GET /titles/{id} 304'] ?? 0, { timeout: 5_000, interval: 50 }).toBe(shown);
    expect(stale).toEqual(first);
    expect((await mocks.counters('catalog')).routes).toEqual({ 'GET /titles/{id}': shown });
    // The 304s made them fresh for another max-age.
    expect((await catalogDuring(() => home(cached, 'u_11'))).routes).toEqual({});

    await sleep((MAX_AGE_S + STALE_S) * 1000 + 200);
    expect((await catalogDuring(() => home(cached, 'u_11'))).routes).toEqual({ 'POST /titles/batch': 1 });
  }, 30_000);
});
