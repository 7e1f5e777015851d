/**
 * `npm run bench:live`: live updates on one web replica (README: Live updates).
 *
 *  1. CONNECTIONS (10,000) WebSockets, each a viewer of its own subscribed to
 *     notificationsChanged over graphql-transport-ws: the BFF's RSS added per connection, and its
 *     CPU while the sockets only keep alive (pings every LIVE_KEEP_ALIVE_MS, sessions checked every
 *     LIVE_SESSION_CHECK_MS).
 *  2. EVENTS_PER_SECOND (1,000) notifications written at the service for SECONDS (10), each to a
 *     random subscribed viewer: from the service's write (the event id's ms) to the frame received
 *     by the client, p50 and p99, and how many were received of those written.
 *
 * The web BFF runs in development mode (bearer tokens on the handshake: 10,000 browser sign-ins
 * would measure the provider), with the caps per address raised: every socket comes from 127.0.0.1.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import WebSocket from 'ws';
import { trustedDocumentIds } from '../bffs/web/sdk/trusted-documents.generated.ts';
import { writtenAt } from '../bffs/kit/live/event-ids.ts';
import { cpuSeconds, pinSelf, startMocks, startServer, stop, type Server } from './harness/processes.ts';
import { percentile, round } from './harness/stats.ts';

const CONNECTIONS = Number(process.env.CONNECTIONS ?? 10_000);
const EVENTS_PER_SECOND = Number(process.env.EVENTS_PER_SECOND ?? 1_000);
const SECONDS = Number(process.env.SECONDS ?? 10);
const IDLE_SECONDS = Number(process.env.IDLE_SECONDS ?? 30);
const USERS = 1_000;
const PER_VIEWER = Math.ceil(CONNECTIONS / Math.min(CONNECTIONS, USERS));

const rssKiB = (pid: number): number => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]);
};

async function tokenFor(identity: string, sub: string): Promise<string> {
  const res = await fetch(`${identity}/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub, ttlSeconds: 86_400, aud: 'web' }) });
  if (!res.ok) throw new Error(`token minting failed: ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** One socket, one viewer, one subscription, on the raw protocol (graphql-ws's client would cost the load generator more than the server). */
function subscribe(url: string, token: string, onEvent: (eventId: string) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'graphql-transport-ws', { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; payload?: { data?: { notificationsChanged?: { eventId: string } } } };
      if (message.type === 'connection_ack') {
        ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '', documentId: trustedDocumentIds.WebNotificationsChanged } }));
        setTimeout(() => resolve(ws), 0);
      } else if (message.type === 'next') onEvent(message.payload!.data!.notificationsChanged!.eventId);
      else if (message.type === 'error') reject(new Error(JSON.stringify(message)));
    });
    ws.on('error', reject);
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk));
      res.on('end', () => reject(new Error(`handshake refused: ${res.statusCode} ${body}`)));
    });
  });
}

const pinning = pinSelf();
const mocks = await startMocks(pinning, { ms: 0, jitterMs: 0 });
let server: Server | undefined;
const sockets: WebSocket[] = [];
try {
  server = await startServer('web', 'bffs/web/main.ts', mocks.urls, pinning, async (url) => (await fetch(url.replace('/graphql', '/health'))).ok, {
    env: { NODE_ENV: 'development', LOG_LEVEL: 'warn', ADMIN_PORT: 'off', LIVE_CONNECTIONS_PER_ADDRESS: String(CONNECTIONS + 10), LIVE_CONNECTIONS_PER_VIEWER: String(PER_VIEWER + 1), MAX_CONNECTIONS_PER_ADDRESS: String(CONNECTIONS + 100), MAX_CONNECTIONS: String(CONNECTIONS + 1000) },
  });
  const wsUrl = server.url.replace(/^http/, 'ws');
  console.log(`${pinning.description}; web BFF in development mode (bearer tokens on the handshake), ${CONNECTIONS} WebSockets over ${Math.min(CONNECTIONS, USERS)} viewers, one subscription each`);

  // The mocks have 1,000 users: above that, viewers hold several sockets each (as several tabs would).
  const viewers = Array.from({ length: Math.min(CONNECTIONS, USERS) }, (_, i) => `u_${i + 1}`);
  const tokens: string[] = [];
  for (let i = 0; i < viewers.length; i += 200) tokens.push(...(await Promise.all(viewers.slice(i, i + 200).map((sub) => tokenFor(mocks.urls.identity, sub)))));

  // Warm (JIT, the feed's tail), then the baseline.
  const warm = await subscribe(wsUrl, tokens[0]!, () => undefined);
  warm.close();
  await sleep(2_000);
  const rssBefore = rssKiB(server.pid);

  const received = new Map<string, number>();
  const delays: number[] = [];
  const onEvent = (eventId: string) => {
    delays.push(Date.now() - writtenAt(eventId));
    received.set(eventId, (received.get(eventId) ?? 0) + 1);
  };
  const started = performance.now();
  const tokenOfSocket = (n: number) => tokens[n % tokens.length]!;
  for (let i = 0; i < CONNECTIONS; i += 250) sockets.push(...(await Promise.all(Array.from({ length: Math.min(250, CONNECTIONS - i) }, (_, k) => subscribe(wsUrl, tokenOfSocket(i + k), onEvent)))));
  console.log(`${sockets.length} subscribed in ${round((performance.now() - started) / 1000, 1)} s`);
  await sleep(5_000);
  const rssAfter = rssKiB(server.pid);

  const cpuAt = cpuSeconds(server.pid);
  await sleep(IDLE_SECONDS * 1000);
  const idleCpu = (cpuSeconds(server.pid) - cpuAt) / IDLE_SECONDS;

  // Events: written at the service, each to a random viewer, at a steady rate.
  const pool = new Pool(mocks.urls.notifications, { connections: 64 });
  // The service takes only tokens for its own audience (a viewer's web token opens no service):
  // the writer is a service, with the notifications audience and the scope to write for anyone.
  const minted = await fetch(`${mocks.urls.identity}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub: 'bench-live-writer', scope: 'concierge:service', aud: ['notifications'], ttlSeconds: 86_400 }),
  });
  if (!minted.ok) throw new Error(`token minting failed: ${minted.status}`);
  const writer = ((await minted.json()) as { access_token: string }).access_token;
  const written: Promise<boolean>[] = [];
  const total = EVENTS_PER_SECOND * SECONDS;
  const t0 = performance.now();
  for (let n = 0; n < total; n++) {
    const due = t0 + (n * 1000) / EVENTS_PER_SECOND;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const i = Math.floor(Math.random() * viewers.length);
    written.push(
      pool
        .request({ method: 'POST', path: `/notifications/${viewers[i]}`, headers: { 'content-type': 'application/json', authorization: `Bearer ${writer}` }, body: JSON.stringify({ text: `event ${n}` }) })
        .then(async (res) => (await res.body.dump(), res.statusCode < 300)),
    );
  }
  const ok = (await Promise.all(written)).filter(Boolean).length;
  const rate = total / ((performance.now() - t0) / 1000);
  await sleep(2_000);
  await pool.close();
  // Each event goes to every socket of its viewer: PER_VIEWER frames per event.
  const frames = [...received.values()].reduce((sum, count) => sum + count, 0);
  const duplicates = [...received.values()].filter((count) => count > PER_VIEWER).length;

  const report = {
    connections: sockets.length,
    rssAddedPerConnectionKiB: round((rssAfter - rssBefore) / sockets.length, 1),
    rssMiB: { before: round(rssBefore / 1024, 1), after: round(rssAfter / 1024, 1) },
    idleCpuPercentOfOneCore: round(idleCpu * 100, 1),
    eventsWritten: ok,
    eventsPerSecond: round(rate, 0),
    viewers: viewers.length,
    socketsPerViewer: PER_VIEWER,
    eventsReceived: received.size,
    framesReceived: frames,
    framesExpected: ok * PER_VIEWER,
    eventsOverDelivered: duplicates,
    delayMs: { p50: round(percentile(delays, 0.5), 1), p99: round(percentile(delays, 0.99), 1), max: round(Math.max(...delays), 1) },
  };
  console.log(JSON.stringify(report, null, 2));
} finally {
  for (const ws of sockets) ws.terminate();
  if (server) await stop(server.child);
  await stop(mocks.child);
}
