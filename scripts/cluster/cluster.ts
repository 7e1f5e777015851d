/**
 * The cluster as processes: the mocks, a Redis of its own, N replicas of each BFF (each
 * `bffs/<client>/main.ts` in its own node, as deployed) and HAProxy in front. `npm run cluster`,
 * `npm run cluster:proof` and test/cluster/cluster.test.ts all start it through `startCluster`.
 *
 * Every replica runs as production does (NODE_ENV=production): trusted documents by id only,
 * sessions required on web and TV, secrets set. The mocks stay in development mode, because the
 * proof mints mobile tokens at identity's `POST /dev/token` and signs in with the development
 * password; they are the services around the system under test, not part of it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClientName } from '../../bffs/clients.ts';
import { DEFAULT_KEEP_ALIVE_TIMEOUT_MS, urlVariableOf, type DownstreamName } from '../../bffs/kit/config.ts';
import { nodeFlagsOf } from '../../bffs/kit/server/node-flags.ts';
import { waitForMocksUrls, type MocksUrls } from '../../bench/support/mocks-urls.ts';
import { track } from './children.ts';
import { DETECTION_MS, startHaproxy, type RunningHaproxy } from './haproxy.ts';
import { portsOf, type Layout, type ReplicaPorts } from './layout.ts';
import { ownRedis, type OwnRedis } from './redis.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * After SIGTERM a replica answers 503 on /ready for this long while it still serves: longer
 * than HAProxy takes to see it (DETECTION_MS, 1.75 s at the latest), with margin, and short
 * enough that a rolling restart of six replicas takes a minute, not three (production's
 * default is 5 s, for balancers that check less often).
 */
export const SHUTDOWN_DELAY_MS = 2_500;
if (SHUTDOWN_DELAY_MS <= DETECTION_MS) throw new Error(`SHUTDOWN_DELAY_MS (${SHUTDOWN_DELAY_MS}) must exceed HAProxy's detection time (${DETECTION_MS} ms)`);

/** What a replica inherits from this process: nothing that configures a BFF. */
const INHERITED = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'LC_ALL', 'TZ', 'SYSTEMROOT'];

export interface ClusterOptions {
  layout: Layout;
  /** Variables for every replica of one client, over the cluster's own. */
  env?: Partial<Record<ClientName, Record<string, string>>>;
  /** Variables for every replica, over the cluster's own. */
  commonEnv?: Record<string, string>;
  /** Variables for the mocks (latency, seed…). */
  mocksEnv?: Record<string, string>;
  /** Also print the replicas', HAProxy's and the mocks' warnings here, each line prefixed. */
  echo?: (line: string) => void;
  /** Remove the temp directory on stop (the test); `npm run cluster` keeps its logs. */
  cleanup?: boolean;
}

export interface ExitReport {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** From the signal to the exit. */
  ms: number;
}

export interface Replica extends ReplicaPorts {
  readonly origin: string;
  /** This replica's variables (the cluster's, the client's and its own ports). */
  readonly env: Record<string, string>;
  readonly logPath: string;
  pid(): number | undefined;
  running(): boolean;
  /** Spawns it (again), with `env` over its own from now on; resolves once its `/ready` answers 200. */
  start(env?: Record<string, string>): Promise<void>;
  /** SIGTERM, and waits for the exit (SIGKILL after `timeoutMs`). */
  terminate(timeoutMs?: number): Promise<ExitReport>;
  /** SIGKILL, and waits for the exit. */
  kill(): Promise<ExitReport>;
}

export interface Cluster {
  dir: string;
  layout: Layout;
  /** HAProxy's frontends: what clients call. */
  front: Partial<Record<ClientName, string>>;
  mocks: { urls: MocksUrls; pid: number };
  redis: OwnRedis;
  haproxy: RunningHaproxy;
  replicas: Replica[];
  replica(id: string): Replica;
  /** The secrets the replicas and identity share (generated per start). */
  secrets: { webClientSecret: string; tvClientSecret: string; mobileClientSecret: string };
  stop(): Promise<void>;
}


const exitOf = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve<[number | null, NodeJS.Signals | null]>([child.exitCode, child.signalCode])
    : new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));

async function assertPortsFree(ports: number[]): Promise<void> {
  const taken: number[] = [];
  for (const port of ports) {
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (!free) taken.push(port);
  }
  if (taken.length) throw new Error(`ports already in use: ${taken.join(', ')} (another cluster or npm start? CLUSTER_PORT_OFFSET=100 shifts every port)`);
}

async function waitForReady(origin: string, child: ChildProcess, logTail: () => string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${origin}: exited (${child.exitCode ?? child.signalCode}) before /ready answered:\n${logTail()}`);
    try {
      const res = await fetch(`${origin}/ready`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${origin}: /ready did not answer 200 within ${timeoutMs} ms:\n${logTail()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  const { layout, echo } = options;
  await assertPortsFree(portsOf(layout));
  const dir = mkdtempSync(join(tmpdir(), 'concierge-cluster-'));
  const secrets = { webClientSecret: randomBytes(24).toString('base64url'), tvClientSecret: randomBytes(24).toString('base64url'), mobileClientSecret: randomBytes(24).toString('base64url') };
  const sessionKeys = { web: randomBytes(32).toString('base64url'), tv: randomBytes(32).toString('base64url') };
  const inherited = Object.fromEntries(INHERITED.flatMap((key) => (process.env[key] === undefined ? [] : [[key, process.env[key]!]])));
  const started: { stop(): Promise<void> }[] = [];

  try {
    // Redis first: every replica connects at start.
    const redis = ownRedis(dir, layout.redisPort);
    await redis.start();
    started.push({ stop: () => redis.kill() });

    // The mocks: identity knows the web client's redirect URIs at HAProxy's web port, and the
    // clients' secrets the replicas are given.
    const webFront = layout.front.web === undefined ? undefined : `http://127.0.0.1:${layout.front.web}`;
    const mocksEnv: Record<string, string> = {
      ...inherited,
      MOCKS_PORTS: layout.mocks.ports,
      ...(layout.mocks.ports === 'fixed' ? { MOCKS_PORT_OFFSET: String(layout.mocks.offset) } : {}),
      WEB_CLIENT_SECRET: secrets.webClientSecret,
      TV_CLIENT_SECRET: secrets.tvClientSecret,
      MOBILE_CLIENT_SECRET: secrets.mobileClientSecret,
      ...(webFront
        ? { WEB_REDIRECT_URIS: `${webFront}/auth/callback`, WEB_POST_LOGOUT_REDIRECT_URIS: `${webFront}/auth/signed-out`, WEB_BACKCHANNEL_LOGOUT_URI: `${webFront}/auth/backchannel-logout` }
        : {}),
      // The services publish their events to the cluster's Redis, which every web replica reads.
      REDIS_URL: redis.url,
      ...options.mocksEnv,
    };
    const mocksLog = createWriteStream(join(dir, 'mocks.log'), { flags: 'a' });
    const mocksChild = track(spawn(process.execPath, ['--import', 'tsx', 'bench/support/mocks-process.ts'], { cwd: ROOT, env: mocksEnv, stdio: ['pipe', 'pipe', 'pipe'] }));
    mocksChild.stderr!.pipe(mocksLog);
    const urls = await waitForMocksUrls(mocksChild);
    mocksChild.stdout!.pipe(mocksLog);
    started.push({
      async stop() {
        mocksChild.kill('SIGTERM');
        await exitOf(mocksChild);
        mocksLog.end();
      },
    });

    const downstream = Object.fromEntries((Object.keys(urls) as DownstreamName[]).map((name) => [urlVariableOf(name), urls[name]]));
    const clientEnv: Partial<Record<ClientName, Record<string, string>>> = {
      web: {
        WEB_CLIENT_SECRET: secrets.webClientSecret,
        SESSION_ENCRYPTION_KEY: sessionKeys.web,
        ...(webFront ? { WEB_PUBLIC_URL: webFront, WEB_ORIGINS: webFront } : {}),
      },
      tv: { TV_CLIENT_SECRET: secrets.tvClientSecret, SESSION_ENCRYPTION_KEY: sessionKeys.tv },
      // The mobile BFF exchanges the app's tokens at identity as client mobile-bff.
      mobile: { MOBILE_CLIENT_SECRET: secrets.mobileClientSecret },
    };

    const replicas = layout.replicas.map((ports) => makeReplica(ports, dir, echo, {
      ...inherited,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      REDIS_URL: redis.url,
      DEPLOY_ID: 'cluster',
      // One HAProxy in front: the address budget is the address HAProxy saw.
      TRUSTED_PROXY_HOPS: '1',
      SHUTDOWN_DELAY_MS: String(SHUTDOWN_DELAY_MS),
      ...downstream,
      ...clientEnv[ports.client],
      ...options.commonEnv,
      ...options.env?.[ports.client],
    }));
    started.push({ stop: async () => void (await Promise.all(replicas.map((replica) => replica.terminate(10_000)))) });
    await Promise.all(replicas.map((replica) => replica.start()));

    // HAProxy's idle timeouts to the servers are checked against the replicas' own.
    const keepAlive = options.commonEnv?.KEEP_ALIVE_TIMEOUT_MS ?? Object.values(options.env ?? {}).find((env) => env?.KEEP_ALIVE_TIMEOUT_MS)?.KEEP_ALIVE_TIMEOUT_MS;
    const haproxy = await startHaproxy(dir, { layout, keepAliveTimeoutMs: keepAlive === undefined ? DEFAULT_KEEP_ALIVE_TIMEOUT_MS : Number(keepAlive) });
    started.push({ stop: () => haproxy.stop() });
    await Promise.all(replicas.map((replica) => haproxy.waitFor(replica.id, 'UP')));

    const front = Object.fromEntries(Object.entries(layout.front).map(([client, port]) => [client, `http://127.0.0.1:${port}`])) as Partial<Record<ClientName, string>>;
    let stopped = false;
    return {
      dir,
      layout,
      front,
      mocks: { urls, pid: mocksChild.pid! },
      redis,
      haproxy,
      replicas,
      replica(id) {
        const found = replicas.find((replica) => replica.id === id);
        if (!found) throw new Error(`no replica ${id}`);
        return found;
      },
      secrets,
      async stop() {
        if (stopped) return;
        stopped = true;
        await stopAll(started);
        if (options.cleanup) rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopAll(started);
    throw error;
  }
}

/** Last started, first stopped: HAProxy, the replicas, the mocks, Redis. */
async function stopAll(started: { stop(): Promise<void> }[]): Promise<void> {
  for (const item of started.reverse()) await item.stop().catch(() => undefined);
}

function makeReplica(ports: ReplicaPorts, dir: string, echo: ((line: string) => void) | undefined, baseEnv: Record<string, string>): Replica {
  const origin = `http://127.0.0.1:${ports.port}`;
  const logPath = join(dir, `${ports.id}.log`);
  const log: WriteStream = createWriteStream(logPath, { flags: 'a' });
  let env: Record<string, string> = { ...baseEnv, PORT: String(ports.port), ADMIN_PORT: String(ports.adminPort) };
  let child: ChildProcess | undefined;
  let tail = '';

  const running = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  const signal = async (name: NodeJS.Signals, timeoutMs: number): Promise<ExitReport> => {
    const current = child;
    if (!current || !running()) return { code: current?.exitCode ?? null, signal: current?.signalCode ?? null, ms: 0 };
    const at = Date.now();
    current.kill(name);
    const timer = setTimeout(() => current.kill('SIGKILL'), timeoutMs);
    const [code, sig] = await exitOf(current);
    clearTimeout(timer);
    return { code, signal: sig, ms: Date.now() - at };
  };

  return {
    ...ports,
    origin,
    get env() {
      return env;
    },
    logPath,
    pid: () => (running() ? child!.pid : undefined),
    running,
    async start(extra = {}) {
      if (running()) throw new Error(`${ports.id} is already running (pid ${child!.pid})`);
      env = { ...env, ...extra };
      tail = '';
      const spawned = track(spawn(process.execPath, [...nodeFlagsOf(ports.client), '--import', 'tsx', `bffs/${ports.client}/main.ts`], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }));
      child = spawned;
      log.write(`--- ${new Date().toISOString()} ${ports.id} started, pid ${spawned.pid}\n`);
      const relay = (chunk: Buffer) => {
        const text = chunk.toString();
        tail = (tail + text).slice(-4000);
        log.write(text);
        if (echo) for (const line of text.split('\n')) if (line.trim()) echo(`[${ports.id}] ${line}`);
      };
      spawned.stdout!.on('data', relay);
      spawned.stderr!.on('data', relay);
      spawned.once('exit', (code, sig) => log.write(`--- ${new Date().toISOString()} ${ports.id} pid ${spawned.pid} exited (${sig ?? code})\n`));
      await waitForReady(origin, spawned, () => tail);
    },
    terminate: (timeoutMs = 30_000) => signal('SIGTERM', timeoutMs),
    kill: () => signal('SIGKILL', 5_000),
  };
}
