/**
 * `npm run bench:keep-alive`: the 502s a balancer returns when the BFF's keep-alive timeout is
 * shorter than the balancer's idle timeout, measured with Debian's HAProxy (a real load
 * balancer: `apt-get install -y haproxy`) in front of one mobile BFF process.
 *
 * HAProxy keeps its server-side connections to the BFF and reuses them (`http-reuse always`)
 * for up to 10 s idle (`pool-purge-delay`, `timeout server`). Two runs:
 *   wrong: KEEP_ALIVE_TIMEOUT_MS=1000, so the BFF closes an idle socket HAProxy still means to reuse;
 *   right: KEEP_ALIVE_TIMEOUT_MS=65000 (the default), longer than HAProxy's 10 s.
 * Both get the same load: bursts of concurrent POSTs, each after the sockets sat idle for about as
 * long as the wrong BFF keeps them (a gap swept across the moment Node closes one: keepAliveTimeout
 * + Node's own 1 s buffer), so the next burst reuses sockets just as that BFF closes them. Retries are off
 * (`retries 0`, `retry-on none`, no `option redispatch`), to see the raw effect: HAProxy's
 * default retries would hide some of it from the client, never the POSTs it may not replay.
 *
 *   npm run bench:keep-alive -- [--bursts 40] [--concurrency 20]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { startMocks } from '../downstream-mocks/src/start-mocks.ts';
import { urlVariableOf, type DownstreamName } from '../bffs/kit/config.ts';
import { freePort } from './support/host.ts';
import { waitForOk } from '../scripts/support/wait-for.ts';

const HAPROXY = '/usr/sbin/haproxy';
const HAPROXY_IDLE_MS = 10_000;
/** Node closes an idle socket this long after its keepAliveTimeout (lib/_http_server.js, HTTP_SERVER_KEEP_ALIVE_TIMEOUT_BUFFER). */
const NODE_BUFFER_MS = 1_000;

const { values } = parseArgs({ options: { bursts: { type: 'string', default: '40' }, concurrency: { type: 'string', default: '20' } } });
const BURSTS = Number(values.bursts);
const CONCURRENCY = Number(values.concurrency);
/** The wrong setting's keep-alive; both runs get the same load, gaps swept around when it closes a socket. */
const WRONG_KEEP_ALIVE_MS = 1_000;
const CLOSES_AT_MS = WRONG_KEEP_ALIVE_MS + NODE_BUFFER_MS;

if (!existsSync(HAPROXY)) {
  console.error(`${HAPROXY} is missing: install Debian's HAProxy (as root: apt-get install -y haproxy)`);
  process.exit(1);
}

const haproxyConfig = (port: number, bffPort: number) => `
global
  maxconn 2000
defaults
  mode http
  log stdout format raw local0
  option httplog
  timeout connect 1s
  timeout client 30s
  timeout server ${HAPROXY_IDLE_MS}ms
  timeout http-keep-alive ${HAPROXY_IDLE_MS}ms
  retries 0
  retry-on none
frontend fe
  bind 127.0.0.1:${port}
  log global
  default_backend bff
backend bff
  http-reuse always
  server bff 127.0.0.1:${bffPort} pool-purge-delay ${HAPROXY_IDLE_MS}ms
`;

interface Outcome {
  scenario: string;
  keepAliveMs: number;
  requests: number;
  ok: number;
  badGateway: number;
  otherStatus: number;
  clientErrors: number;
  /** HAProxy's termination states of the 502s (SH: the server closed before answering). */
  terminations: Record<string, number>;
}

async function run(scenario: string, keepAliveMs: number, urls: Record<DownstreamName, string>, token: string): Promise<Outcome> {
  const bffPort = await freePort();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'concierge-haproxy-'));
  const env = {
    ...process.env,
    PORT: String(bffPort),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ADMIN_PORT: 'off',
    KEEP_ALIVE_TIMEOUT_MS: String(keepAliveMs),
    // HAProxy in front: a balancer declared, so no per-address cap on its sockets (server/socket-limits.ts).
    TRUSTED_PROXY_HOPS: '1',
    RATE_LIMIT_VIEWER: '100000000/60',
    RATE_LIMIT_IP: '100000000/60',
    // Bursts of one viewer's concurrent POSTs from one address: over mobile's in-flight caps.
    IN_FLIGHT_VIEWER: String(CONCURRENCY),
    IN_FLIGHT_IP: String(CONCURRENCY),
    ...Object.fromEntries((Object.keys(urls) as DownstreamName[]).map((name) => [urlVariableOf(name), urls[name]])),
  };
  const bff = spawn(process.execPath, ['--import', 'tsx', 'bffs/mobile/main.ts'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
  writeFileSync(join(dir, 'haproxy.cfg'), haproxyConfig(port, bffPort));
  let haproxyLog = '';
  let haproxy: ChildProcess | undefined;
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: CONCURRENCY, keepAliveTimeout: 30_000 });
  try {
    await waitForOk(`http://127.0.0.1:${bffPort}/health`, 20_000);
    haproxy = spawn(HAPROXY, ['-db', '-f', join(dir, 'haproxy.cfg')], { stdio: ['ignore', 'pipe', 'pipe'] });
    haproxy.stdout!.on('data', (chunk: Buffer) => (haproxyLog += chunk.toString()));
    haproxy.stderr!.on('data', (chunk: Buffer) => (haproxyLog += chunk.toString()));
    await waitForOk(`http://127.0.0.1:${port}/health`, 20_000);

    const body = JSON.stringify({ query: '{ title(id: "t_1") { id title } }' });
    const outcome: Outcome = { scenario, keepAliveMs, requests: 0, ok: 0, badGateway: 0, otherStatus: 0, clientErrors: 0, terminations: {} };
    for (let burst = 0; burst < BURSTS; burst++) {
      const statuses = await Promise.all(
        Array.from({ length: CONCURRENCY }, () =>
          pool
            .request({ path: '/graphql', method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body })
            .then(async (res) => (await res.body.text(), res.statusCode), () => 'error' as const),
        ),
      );
      for (const status of statuses) {
        outcome.requests++;
        if (status === 200) outcome.ok++;
        else if (status === 502) outcome.badGateway++;
        else if (status === 'error') outcome.clientErrors++;
        else outcome.otherStatus++;
      }
      // Idle for about as long as the wrong BFF keeps a socket: from 60 ms before it closes to 20 ms after.
      await sleep(CLOSES_AT_MS - 60 + ((burst * 7) % 80));
    }
    for (const line of haproxyLog.split('\n')) {
      const match = / 502 \d+ .*? ([A-Za-z-]{4}) \d+\/\d+\/\d+\/\d+\/\d+ /.exec(line);
      if (match) outcome.terminations[match[1]!] = (outcome.terminations[match[1]!] ?? 0) + 1;
    }
    return outcome;
  } finally {
    await pool.close();
    await stop(haproxy);
    await stop(bff);
    rmSync(dir, { recursive: true, force: true });
  }
}


async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

const mocks = await startMocks({ ports: 'ephemeral', env: { ...process.env, MOCKS_NOW: '2026-11-21T12:00:00.000Z' } });
try {
  const minted = await fetch(`${mocks.urls.identity}/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub: 'u_1' }) });
  const { access_token: token } = (await minted.json()) as { access_token: string };
  console.log(`HAProxy ${HAPROXY_IDLE_MS / 1000} s idle, http-reuse always, retries 0; ${BURSTS} bursts of ${CONCURRENCY} POSTs, each after the sockets sat idle about as long as the BFF keeps them\n`);
  const outcomes = [await run('wrong', WRONG_KEEP_ALIVE_MS, mocks.urls, token), await run('right', 65_000, mocks.urls, token)];
  console.log('| BFF KEEP_ALIVE_TIMEOUT_MS | HAProxy idle | requests | 200 | 502 | other status | client errors | 502 termination states |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const o of outcomes) {
    const states = Object.entries(o.terminations).map(([state, count]) => `${state} ${count}`).join(', ') || '–';
    console.log(`| ${o.keepAliveMs} (${o.scenario}) | ${HAPROXY_IDLE_MS} ms | ${o.requests} | ${o.ok} | ${o.badGateway} | ${o.otherStatus} | ${o.clientErrors} | ${states} |`);
  }
} finally {
  await mocks.close();
}
