import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOWNSTREAM_DEFAULTS, urlVariableOf, type DownstreamName } from '../../bffs/kit/config.ts';
import { ROW_LIMIT } from '../../bffs/mobile/home-sources.ts';
import type { ServiceName } from '../../downstream-mocks/src/registry.ts';
import { ROW_LIMIT as PEER_ROW_LIMIT } from '../../bench/peers/shared.ts';
import { QUERY_HOME_BODY, TRUSTED_HOME_BODY } from '../../bench/harness/home.ts';
import { TEST_MOBILE_CLIENT_SECRET, startTestMocks, type TestMocks } from '../support/mocks.ts';
import { freePort } from '../../bench/support/host.ts';

/**
 * The benchmark peers (bench/peers/) answer MobileHome exactly as the mobile BFF does: the same
 * bytes, the same 401 without a token, and the same downstream requests per home (one per
 * service). Every server runs as its own process, started the way the benchmark starts it
 * (NODE_ENV=production) and sent the body the benchmark sends it (bench/harness/home.ts): the
 * mobile BFF, which runs trusted documents only, MobileHome's documentId as the app's SDK sends
 * it; the peers the query text.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** u_1 has every row; u_7 has no continue-watching, u_11 an empty my-list. */
const VIEWERS = ['u_1', 'u_7', 'u_11'] as const;

/**
 * What a peer builds by hand, and so what a change of the mobile home needs in it: each peer's
 * own way of building the screen, as its file does it.
 */
const OVER_THE_MAPPERS = (file: string) =>
  `${file} serves schemas/mobile.graphql with its own resolvers over the mobile BFF's mappers (bffs/mobile/mappers/, through bench/peers/shared.ts): ` +
  `a field a mapper sets needs nothing in it; a field with its own resolver in bffs/mobile/resolvers/ needs the same resolver in its \`resolvers\`, and a new row its plan in planRows of bench/peers/shared.ts.`;

const SERVERS = [
  { name: 'mobile BFF', entry: 'bffs/mobile/main.ts', ready: /mobile BFF on http:\/\/[\d.]+:(\d+)\/graphql/, body: TRUSTED_HOME_BODY, keptInStep: '' },
  {
    name: 'floor',
    entry: 'bench/peers/floor.ts',
    ready: /listening on http:\/\/127\.0\.0\.1:(\d+)/,
    body: QUERY_HOME_BODY,
    keptInStep:
      'bench/peers/floor.ts writes the answer by hand, every field in the order MobileHome.graphql selects it (itemJson, rowJson and the home object): ' +
      'add a new field there, at the place the operation selects it (README: Adding a field, step 6); a new row needs its plan in planRows of bench/peers/shared.ts.',
  },
  { name: 'mercurius', entry: 'bench/peers/mercurius.ts', ready: /listening on http:\/\/127\.0\.0\.1:(\d+)/, body: QUERY_HOME_BODY, keptInStep: OVER_THE_MAPPERS('bench/peers/mercurius.ts') },
  { name: 'apollo', entry: 'bench/peers/apollo.ts', ready: /listening on http:\/\/127\.0\.0\.1:(\d+)/, body: QUERY_HOME_BODY, keptInStep: OVER_THE_MAPPERS('bench/peers/apollo.ts') },
] as const;
const PEERS = SERVERS.slice(1).map((s) => s.name);

/**
 * What a failure says, so that whoever changed MobileHome knows where to go: the peers are the
 * benchmark's competitors, written by hand on purpose, and must show the same screen.
 */
function peerDiffers(name: string): string {
  const { entry, keptInStep } = SERVERS.find((s) => s.name === name)!;
  return [
    `${name} (${entry}) no longer answers MobileHome as the mobile BFF does.`,
    keptInStep,
    'The benchmark peers are written by hand on purpose: each builds the same screen the way its own stack is meant to be used, so `npm run bench` compares engines on identical answers.',
    'Then run `npx vitest run test/bench/peers.test.ts`.',
  ].join('\n');
}

/** One home costs one request per service, identity (token checks) aside. */
const ONE_HOME: Record<string, Record<string, number>> = {
  users: { 'GET /users/{id}': 1 },
  catalog: { 'POST /titles/batch': 1 },
  recommendations: { 'GET /recommendations/{userId}': 1 },
  'continue-watching': { 'GET /continue-watching/{userId}': 1 },
  'my-list': { 'GET /my-list/{userId}': 1 },
  billing: {},
  reviews: {},
  playback: {},
  notifications: { 'GET /notifications/{userId}/unread-count': 1 },
  search: {},
};

interface Running {
  name: string;
  url: string;
  /** MobileHome as this server is sent it. */
  body: string;
  child: ChildProcess;
  output: () => string;
}

async function start(server: (typeof SERVERS)[number], mocks: TestMocks): Promise<Running> {
  const port = await freePort();
  // RESPONSE_CACHE=off and TITLE_CACHE_MB=0: the peers keep no answers and no titles across requests, so each home here is one batch on
  // every server (test/bffs/title-cache.test.ts covers the BFF's cache).
  // The mobile BFF and the peers exchange tokens at identity as client mobile-bff, with the test mocks' secret.
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'silent', PORT: String(port), TITLE_CACHE_MB: '0', RESPONSE_CACHE: 'off', FLAGS: 'off', MOBILE_CLIENT_SECRET: TEST_MOBILE_CLIENT_SECRET };
  for (const name of Object.keys(DOWNSTREAM_DEFAULTS) as DownstreamName[]) env[urlVariableOf(name)] = mocks.urls[name];
  const child = spawn(process.execPath, ['--import', 'tsx', server.entry], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stderr!.on('data', (chunk) => (output += chunk));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${server.name} did not start in time:\n${output}`)), 25_000);
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = server.ready.exec(output);
      if (match) {
        clearTimeout(timer);
        expect(Number(match[1])).toBe(port);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${server.name} exited with ${code} before listening:\n${output}`));
    });
  });
  return { name: server.name, url: `http://127.0.0.1:${port}/graphql`, body: server.body, child, output: () => output };
}

function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 8_000);
    child.once('exit', (code) => {
      clearTimeout(kill);
      resolve(code);
    });
    child.kill('SIGTERM');
  });
}

/** One MobileHome from `server`, with the body it is sent. */
async function home(server: Running, token?: string): Promise<{ status: number; text: string }> {
  // Version 1.0.0's home (three rows) is the one the peers implement; the working copy's document
  // naming 1.0.0 is served as 1.0.0 (README: Releasing a client), with whatever fields it selects.
  // In English, which the peers answer in whatever the viewer's profile says, and with flags off (env above): the peers run no experiment.
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-client-version': '1.0.0', 'accept-language': 'en-US' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(server.url, { method: 'POST', headers, body: server.body });
  return { status: res.status, text: await res.text() };
}

describe('benchmark peers answer MobileHome like the mobile BFF', () => {
  let mocks: TestMocks;
  let servers: Running[] = [];
  const tokens = new Map<string, string>();
  const byName = (name: string) => servers.find((s) => s.name === name)!;

  beforeAll(async () => {
    mocks = await startTestMocks();
    const [started] = await Promise.all([
      Promise.allSettled(SERVERS.map((server) => start(server, mocks))),
      // The mobile BFF runs as deployed (production): it takes only tokens for its own audience.
      ...[...VIEWERS, 'u_2'].map(async (sub) => tokens.set(sub, await mocks.token(sub, { aud: 'mobile' }))),
    ]);
    servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    // Warm up: JWKS fetched, pools connected, mercurius' JIT compiled.
    await Promise.all(servers.map((s) => home(s, tokens.get('u_1'))));
  }, 30_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => stop(s.child)));
    await mocks?.close();
  });

  /**
   * Every server's home for `sub`, asked at once. isNew and shouldRefreshPushToken read each
   * server's real clock, so it asks again should a day or a token age roll over between answers.
   */
  async function homesAtOnce(sub: string, same: (text: string) => unknown = (text) => text) {
    let answers: { status: number; text: string }[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      answers = await Promise.all(servers.map((s) => home(s, tokens.get(sub))));
      const first = JSON.stringify(same(answers[0]!.text));
      if (answers.every((a) => JSON.stringify(same(a.text)) === first)) break;
    }
    return answers;
  }

  it.each(VIEWERS)('the same body, byte for byte, for %s', async (sub) => {
    const [ours, ...peers] = await homesAtOnce(sub);
    expect(ours!.status).toBe(200);
    const expected = JSON.parse(ours!.text);
    expect(expected.errors).toBeUndefined();
    expect(expected.data.home.rows.length).toBeGreaterThan(0);
    peers.forEach((peer, i) => {
      const name = servers[i + 1]!.name;
      expect(peer.status, peerDiffers(name)).toBe(200);
      expect(JSON.parse(peer.text), peerDiffers(name)).toEqual(expected);
      expect(peer.text === ours!.text, `${peerDiffers(name)}\n(The JSON is equal but not byte for byte: check the order of fields.)`).toBe(true);
    });
  });

  it("the peers cut rows at the mobile BFF's row limit", () => {
    expect(PEER_ROW_LIMIT).toBe(ROW_LIMIT);
  });

  it('the empty rows are left out (u_7 has no continue-watching, u_11 no my-list)', async () => {
    const rowsOf = async (sub: string) => JSON.parse((await home(byName('mobile BFF'), tokens.get(sub))).text).data.home.rows.map((r: { id: string }) => r.id);
    expect(await rowsOf('u_1')).toEqual(['continue-watching', 'my-list', 'top-picks']);
    expect(await rowsOf('u_7')).toEqual(['my-list', 'top-picks']);
    expect(await rowsOf('u_11')).toEqual(['continue-watching', 'top-picks']);
  });

  it.each(PEERS)('%s answers 401 without a token or with a bad one, like the mobile BFF', async (name) => {
    for (const server of [byName('mobile BFF'), byName(name)]) {
      expect((await home(server)).status).toBe(401);
      expect((await home(server, 'not.a.token')).status).toBe(401);
      const forged = `${tokens.get('u_1')!.slice(0, -4)}AAAA`;
      expect((await home(server, forged)).status).toBe(401);
    }
  });

  it.each(VIEWERS)('one request per downstream route per home, for %s, from every server', async (sub) => {
    const services = (Object.keys(mocks.urls) as ServiceName[]).filter((s) => s !== 'identity');
    for (const server of servers) {
      await mocks.resetCounters();
      const answer = await home(server, tokens.get(sub));
      expect(answer.status).toBe(200);
      const counts = Object.fromEntries(await Promise.all(services.map(async (s) => [s, (await mocks.counters(s)).routes] as const)));
      expect({ server: server.name, counts }).toEqual({ server: server.name, counts: ONE_HOME });
    }
  });

  it('degrades like the mobile BFF: a failed count or row is null, with an error at its path', async () => {
    await mocks.setFaults('notifications', { errorStatus: 500 });
    await mocks.setFaults('recommendations', { errorStatus: 500 });
    try {
      // A viewer no server has answered yet: the BFF has no last good count to serve stale
      // (stale-if-error, which the peers do not do), so every server answers null.
      const answers = await homesAtOnce('u_2', (text) => JSON.parse(text).data);
      const [ours, ...peers] = answers.map(({ status, text }) => ({ status, body: JSON.parse(text) }));
      const paths = (body: { errors?: { path?: (string | number)[] }[] }) => (body.errors ?? []).map((e) => e.path?.join('.')).sort();
      expect(ours!.status).toBe(200);
      expect(paths(ours!.body)).toEqual(['home.rows.2', 'home.unreadNotificationCount']);
      expect(ours!.body.data.home.unreadNotificationCount).toBeNull();
      expect(ours!.body.data.home.rows.map((r: { id: string } | null) => r?.id ?? null)).toEqual(['continue-watching', 'my-list', null]);
      peers.forEach((peer, i) => {
        const name = servers[i + 1]!.name;
        expect({ name, status: peer.status, data: peer.body.data, paths: paths(peer.body) }, peerDiffers(name)).toEqual({
          name,
          status: 200,
          data: ours!.body.data,
          paths: paths(ours!.body),
        });
      });
    } finally {
      await mocks.clearFaults();
    }
  });

  it('every server stops on SIGTERM', async () => {
    const codes = await Promise.all(servers.map(async (s) => [s.name, await stop(s.child)] as const));
    expect(Object.fromEntries(codes)).toEqual(Object.fromEntries(SERVERS.map((s) => [s.name, 0])));
  });
});
