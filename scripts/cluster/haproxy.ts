/**
 * Debian's HAProxy in front of the replicas: the configuration (written into the cluster's temp
 * directory), the process, and its stats socket.
 *
 * Every setting below is chosen for a reason the proof depends on; docs/cluster.md explains them
 * in prose. In short:
 * - health checks on `/ready` every 500 ms, down after 2 failures: a replica that got SIGTERM
 *   answers 503 on /ready for SHUTDOWN_DELAY_MS (2.5 s here) while it still serves, and HAProxy
 *   takes it out of rotation within about a second, before it closes its listener;
 * - keep-alive to the servers (`http-reuse safe`); HAProxy purges idle server connections every
 *   2 s (`pool-purge-delay`: half of the surplus each time; 40 idle went to 0 in 14 s here),
 *   far below the BFF's own idle timeout (KEEP_ALIVE_TIMEOUT_MS, 65 s), so the pool shrinks
 *   before the BFF would close anything. HAProxy 2.6 keeps the last idle connection to each
 *   server, though, until the server closes it (measured: at 65 s): docs/cluster.md says why that
 *   is harmless in practice and what would remove it;
 * - retries only where they are safe: a connection that failed (nothing was sent) is retried on
 *   another server (`retries 2`, `option redispatch 1`); a request that reached a server and got
 *   no answer is retried only for GET and HEAD (`empty-response` with `disable-l7-retry` for every
 *   other method), because GraphQL over GET can never be a mutation (405 METHOD_NOT_ALLOWED),
 *   while a POST may be `addToMyList`, and sending it twice is the client's call, not ours.
 */
import { DEFAULT_SOCKET_LIMITS } from '../../bffs/kit/server/socket-lane.ts';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import type { ClientName } from '../../bffs/clients.ts';
import { DEFAULT_KEEP_ALIVE_TIMEOUT_MS } from '../../bffs/kit/config.ts';
import { HAPROXY as DEBIAN_HAPROXY } from '../prerequisites/debian-tools.ts';
import { track } from './children.ts';
import type { Layout, ReplicaPorts } from './layout.ts';

/** Debian's binary; CLUSTER_HAPROXY points elsewhere (another build, or a missing one to see the test fail). */
export const HAPROXY = process.env.CLUSTER_HAPROXY || DEBIAN_HAPROXY;

/** The timings of the configuration, in milliseconds, so the proof and the docs can quote them. */
export const HAPROXY_TIMINGS = {
  /** Health checks: every `inter` while up, `fastinter` while changing state. */
  checkInterMs: 500,
  checkFastInterMs: 250,
  checkDownInterMs: 500,
  fall: 2,
  rise: 2,
  /** A check that has not answered in this long failed. */
  checkTimeoutMs: 1_000,
  /** Loopback or one LAN hop: a connect slower than this is a server that is not there. */
  connectMs: 1_000,
  /** The longest a BFF takes is its deadline (web 3 s); sign-in routes make a few provider calls. */
  serverMs: 15_000,
  clientMs: 30_000,
  httpRequestMs: 5_000,
  /** Client-side idle keep-alive (the load generator's sockets). */
  clientKeepAliveMs: 10_000,
  /** Server-side idle connections: half of them closed every this long. */
  poolPurgeDelayMs: 2_000,
  queueMs: 2_000,
  retries: 2,
  /**
   * A WebSocket, once upgraded, is a tunnel: idle this long (no frame either way) it is cut.
   * Three of the BFF's keep-alive pings (LIVE_KEEP_ALIVE_MS, 20 s) fit in it, so a live socket
   * never goes quiet for that long.
   */
  tunnelMs: 65_000,
} as const;

/**
 * How long after SIGTERM HAProxy has stopped sending new requests to a replica, at the latest:
 * the check in progress plus `fall` failed checks, `fastinter` apart after the first.
 */
export const DETECTION_MS = HAPROXY_TIMINGS.checkInterMs + HAPROXY_TIMINGS.checkTimeoutMs + (HAPROXY_TIMINGS.fall - 1) * HAPROXY_TIMINGS.checkFastInterMs;

/**
 * Each frontend's first rule, here and in deploy/compose/haproxy.cfg (a test holds them equal):
 * a request with more than one `Host`, or a `Host` that is not a host[:port], is answered 400
 * with the BFFs' own catalog body (INVALID_HOST, RFC 9112 §3.2) and never reaches a replica.
 * HAProxy 2.6 forwards `Host: a b` as it came; the BFFs refuse it too, this stops it at the edge.
 * Stricter than the BFF (no sub-delims in a name, which no real host name has).
 */
export const HOST_CHECK = [
  "  acl host_valid req.hdr(host),lower -m reg '^(\\[[0-9a-f:.]+\\]|[a-z0-9._~%-]+)(:[0-9]{1,5})?$'",
  '  http-request return status 400 content-type "application/json; charset=utf-8" hdr cache-control no-store string \'{"errors":[{"message":"The Host header is not a valid host[:port].","extensions":{"code":"INVALID_HOST"}}]}\' if { req.hdr_cnt(host) gt 1 } || !host_valid',
].join('\n');

export interface HaproxyConfigInput {
  layout: Layout;
  statsSocket: string;
  /** The BFF's idle keep-alive timeout: HAProxy's server-side idle must stay below it. */
  keepAliveTimeoutMs?: number;
}

export function haproxyConfig({ layout, statsSocket, keepAliveTimeoutMs = DEFAULT_KEEP_ALIVE_TIMEOUT_MS }: HaproxyConfigInput): string {
  const t = HAPROXY_TIMINGS;
  // The surplus of idle server connections halves every purge: a burst's pool is gone in a few
  // cycles, which must be well inside the BFF's idle timeout. A response must also come back
  // before the BFF could drop the socket as idle.
  if (!(t.poolPurgeDelayMs * 8 < keepAliveTimeoutMs && t.serverMs < keepAliveTimeoutMs)) {
    throw new Error(`HAProxy's pool-purge-delay (${t.poolPurgeDelayMs} ms, 8 cycles) and timeout server (${t.serverMs} ms) must be shorter than the BFF's KEEP_ALIVE_TIMEOUT_MS (${keepAliveTimeoutMs} ms)`);
  }
  if (!(t.tunnelMs > 3 * DEFAULT_SOCKET_LIMITS.keepAliveMs)) throw new Error(`HAProxy's timeout tunnel (${t.tunnelMs} ms) must outlive three of the BFF's WebSocket pings (${DEFAULT_SOCKET_LIMITS.keepAliveMs} ms)`);
  const clients = Object.keys(layout.front) as ClientName[];
  const backend = (client: ClientName) => {
    const servers = layout.replicas.filter((replica) => replica.client === client);
    return `
frontend ${client}
  bind 127.0.0.1:${layout.front[client]}
${HOST_CHECK}
  default_backend ${client}

backend ${client}
  balance roundrobin
  option httpchk
  http-check send meth GET uri /ready ver HTTP/1.1 hdr host ${client}.internal
  http-check expect status 200
  # POST may be a mutation: retried only when the connection failed (nothing was sent).
  http-request disable-l7-retry unless METH_GET
  http-response set-header x-served-by %s
${servers.map((replica: ReplicaPorts) => `  server ${replica.id} 127.0.0.1:${replica.port}`).join('\n')}
`;
  };
  return `# Generated by scripts/cluster/haproxy.ts: the reasons are in its header and docs/cluster.md.
global
  log stdout format raw local0 info
  stats socket ${statsSocket} mode 600 level admin
  stats timeout 10s
  nbthread 1
  maxconn 4096

defaults
  mode http
  log global
  # One line per request, for the proof (parseLogLine): when it started, how long it was
  # active, where it went, how it ended (%tsc: termination state) and how often it was retried.
  log-format "${LOG_FORMAT}"
  # The BFFs run with TRUSTED_PROXY_HOPS=1: the address budget is the client's, not HAProxy's.
  option forwardfor
  option http-keep-alive
  http-reuse safe
  timeout connect ${t.connectMs}ms
  timeout client ${t.clientMs}ms
  timeout http-request ${t.httpRequestMs}ms
  timeout http-keep-alive ${t.clientKeepAliveMs}ms
  timeout server ${t.serverMs}ms
  timeout queue ${t.queueMs}ms
  timeout check ${t.checkTimeoutMs}ms
  timeout tunnel ${t.tunnelMs}ms
  retries ${t.retries}
  option redispatch 1
  retry-on conn-failure empty-response
  default-server check inter ${t.checkInterMs}ms fastinter ${t.checkFastInterMs}ms downinter ${t.checkDownInterMs}ms rise ${t.rise} fall ${t.fall} pool-purge-delay ${t.poolPurgeDelayMs}ms
${clients.map(backend).join('')}
listen stats
  bind 127.0.0.1:${layout.statsPort}
  stats enable
  stats uri /stats
  stats refresh 2s
`;
}

/** The fields parseLogLine reads, in this order; the request line, quoted, last. */
const LOG_FORMAT = '%Ts.%ms %Ti %Ta %ft %b %s %ST %tsc %rc %Tw %Tc %Tr %{+Q}r';

export interface RequestLog {
  /** When HAProxy began to receive the request (accept date plus idle time), ms since the epoch. */
  start: number;
  /** start + %Ta: when the answer (or the failure) was complete. */
  end: number;
  frontend: string;
  backend: string;
  /** The server that answered (after retries and redispatch), `<NOSRV>` when none did. */
  server: string;
  status: number;
  /** HAProxy's termination state: `----` for a clean end, `SH--` when the server aborted before its headers, … */
  termination: string;
  /** Retries (%rc); a leading `+` means it was redispatched to another server. */
  retries: string;
  request: string;
}

export function parseLogLine(line: string): RequestLog | undefined {
  const m = /^(\d+)\.(\d{3}) (-?\d+) (-?\d+) (\S+) (\S+) (\S+) (-?\d+) (\S{4}) (\+?\d+) (-?\d+) (-?\d+) (-?\d+) "(.*)"$/.exec(line.trim());
  if (!m) return undefined;
  const start = Number(m[1]) * 1_000 + Number(m[2]) + Math.max(0, Number(m[3]));
  return { start, end: start + Math.max(0, Number(m[4])), frontend: m[5]!, backend: m[6]!, server: m[7]!, status: Number(m[8]), termination: m[9]!, retries: m[10]!, request: m[14]! };
}

/** One row of `show stat` (the CSV's columns by name). */
export type StatRow = Record<string, string> & { pxname: string; svname: string; status: string; scur: string };

export interface RunningHaproxy {
  child: ChildProcess;
  configPath: string;
  statsSocket: string;
  logPath: string;
  /** Every request HAProxy has logged so far (a line is logged when the request ends). */
  readonly requests: RequestLog[];
  /** Its other log lines: servers going DOWN and UP, with the reason. */
  readonly events: { at: number; line: string }[];
  /** `show stat`, parsed. */
  stats(): Promise<StatRow[]>;
  /** A server's row: status (`UP`, `DOWN`, `UP 1/2`…), scur (requests on it now)… */
  server(id: string): Promise<StatRow | undefined>;
  /** Resolves once HAProxy's checks say `status` (`UP`, `DOWN`) for the server. */
  waitFor(id: string, status: 'UP' | 'DOWN', timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

export function haproxyInstalled(): boolean {
  return existsSync(HAPROXY);
}

export function haproxyVersion(): string {
  return execFileSync(HAPROXY, ['-v'], { encoding: 'utf8' }).split('\n')[0]!.trim();
}

/** Sends one command to the stats socket and returns its whole answer. */
export function statsCommand(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const connection = createConnection(socket);
    let out = '';
    connection.setEncoding('utf8');
    connection.on('connect', () => connection.write(`${command}\n`));
    connection.on('data', (chunk: string) => (out += chunk));
    connection.on('end', () => resolve(out));
    connection.on('error', reject);
  });
}

export function parseStat(csv: string): StatRow[] {
  const lines = csv.split('\n').filter((line) => line.trim() !== '');
  const header = lines.shift()?.replace(/^# /, '').split(',') ?? [];
  return lines.map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ''])) as StatRow;
  });
}

/** Checks the configuration, then runs HAProxy in the foreground (`-db`) as this process's child. */
export async function startHaproxy(dir: string, input: Omit<HaproxyConfigInput, 'statsSocket'>): Promise<RunningHaproxy> {
  if (!haproxyInstalled()) throw new Error(`${HAPROXY} is missing: npm test's pretest installs Debian's haproxy (scripts/prerequisites/main.ts)`);
  const statsSocket = join(dir, 'haproxy.sock');
  const configPath = join(dir, 'haproxy.cfg');
  const logPath = join(dir, 'haproxy.log');
  writeFileSync(configPath, haproxyConfig({ ...input, statsSocket }));
  execFileSync(HAPROXY, ['-c', '-q', '-f', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  const child = track(spawn(HAPROXY, ['-db', '-f', configPath], { stdio: ['ignore', 'pipe', 'pipe'] }));
  const log = createWriteStream(logPath, { flags: 'a' });
  const requests: RequestLog[] = [];
  const events: { at: number; line: string }[] = [];
  let carry = '';
  // Lines may still come after stop() ended the file: they are dropped there, kept in memory.
  const write = (chunk: Buffer) => void (log.writableEnded || log.write(chunk));
  child.stdout!.on('data', (chunk: Buffer) => {
    write(chunk);
    const lines = (carry + chunk.toString()).split('\n');
    carry = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      const parsed = parseLogLine(line);
      if (parsed) requests.push(parsed);
      else events.push({ at: Date.now(), line });
    }
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
    write(chunk);
  });

  const stats = async () => parseStat(await statsCommand(statsSocket, 'show stat'));
  const server = async (id: string) => (await stats()).find((row) => row.svname === id);
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) throw new Error(`haproxy exited (${child.exitCode}): ${stderr}`);
    try {
      await stats();
      break;
    } catch {
      if (attempt > 200) throw new Error(`haproxy's stats socket did not answer: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
  return {
    child,
    configPath,
    statsSocket,
    logPath,
    requests,
    events,
    stats,
    server,
    async waitFor(id, status, timeoutMs = 30_000) {
      const started = Date.now();
      for (;;) {
        const row = await server(id);
        if (row?.status === status) return Date.now() - started;
        if (Date.now() - started > timeoutMs) throw new Error(`haproxy: ${id} is "${row?.status}" after ${timeoutMs} ms, not ${status}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        // SIGUSR1 is HAProxy's soft stop: finish what is in flight, then exit.
        child.kill('SIGUSR1');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      log.end();
    },
  };
}
