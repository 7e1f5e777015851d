/**
 * The live-updates scenario on one web replica (README: Live updates): run by `npm run bench`
 * (its own section of bench/RESULTS.md) and alone by `npm run bench:live`.
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
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import WebSocket from 'ws';
import { trustedDocumentIds } from '../../bffs/web/sdk/trusted-documents.generated.ts';
import { writtenAt } from '../../bffs/kit/live/event-ids.ts';
import { CLIENT_NODE_FLAGS } from '../../bffs/kit/server/node-flags.ts';
import { cpuSeconds, SERVER_NODE_FLAGS, startMocks, startServer, stop, type Pinning, type Server } from './processes.ts';
import { percentile, round } from './stats.ts';
import { freePort } from '../support/host.ts';

/** The scenario's size: the figures unless the environment (`CONNECTIONS`, `EVENTS_PER_SECOND`, `SECONDS`, `IDLE_SECONDS`, `WARMUP_SECONDS`) or the caller says. */
export interface LiveScale {
  connections: number;
  eventsPerSecond: number;
  seconds: number;
  idleSeconds: number;
  /** Events at the same rate before the measured ones, not counted. */
  warmupSeconds: number;
}
export const LIVE_SCALE: LiveScale = {
  connections: Number(process.env.CONNECTIONS ?? 10_000),
  eventsPerSecond: Number(process.env.EVENTS_PER_SECOND ?? 1_000),
  seconds: Number(process.env.SECONDS ?? 10),
  idleSeconds: Number(process.env.IDLE_SECONDS ?? 30),
  warmupSeconds: Number(process.env.WARMUP_SECONDS ?? 5),
};
const USERS = 1_000;

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

/**
 * The BFF's own count of events handed to a subscription's transport within each bucket of
 * `concierge_live_event_delay_seconds` (from the service's write), read off its admin port.
 */
async function serverDelays(adminUrl: string, metric = 'concierge_live_event_delay_seconds'): Promise<Map<number, number>> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  const buckets = new Map<number, number>();
  for (const match of text.matchAll(new RegExp(`^${metric}_bucket\\{([^}]*)\\} (\\d+)`, 'gm'))) {
    if (!match[1]!.includes('topic="notifications"')) continue;
    const le = /le="([^"]+)"/.exec(match[1]!)![1]!;
    buckets.set(le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le), Number(match[2]));
  }
  return buckets;
}

/** The BFF's event-loop delay since the last scrape (prom-client's nodejs_eventloop_lag_*_seconds), in ms. */
async function serverLoopLag(adminUrl: string): Promise<{ p99: number; max: number }> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  const read = (name: string) => round(1000 * Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([\\d.e+-]+)`, 'm').exec(text)?.[1] ?? NaN), 1);
  return { p99: read('concierge_nodejs_eventloop_lag_p99_seconds'), max: read('concierge_nodejs_eventloop_lag_max_seconds') };
}

/** The BFF's garbage collections by kind (prom-client's default metrics): how many, their total and how many took over 100 ms. */
async function serverGc(adminUrl: string): Promise<Record<string, { count: number; seconds: number; over100ms: number }>> {
  const text = await (await fetch(`${adminUrl}/metrics`)).text();
  const kinds: Record<string, { count: number; seconds: number; over100ms: number }> = {};
  const of = (kind: string) => (kinds[kind] ??= { count: 0, seconds: 0, over100ms: 0 });
  for (const [, labels, value] of text.matchAll(/^concierge_nodejs_gc_duration_seconds_(?:count|sum|bucket)\{([^}]*)\} ([\d.e+-]+)/gm)) {
    const kind = /kind="([^"]+)"/.exec(labels!)?.[1] ?? '?';
    of(kind);
  }
  for (const kind of Object.keys(kinds)) {
    const read = (name: string, extra = '') => Number(new RegExp(`^concierge_nodejs_gc_duration_seconds_${name}\\{[^}]*${extra}[^}]*kind="${kind}"[^}]*\\} ([\\d.e+-]+)|^concierge_nodejs_gc_duration_seconds_${name}\\{[^}]*kind="${kind}"[^}]*${extra}[^}]*\\} ([\\d.e+-]+)`, 'm').exec(text)?.slice(1).find(Boolean) ?? 0);
    kinds[kind] = { count: read('count'), seconds: read('sum'), over100ms: read('count') - read('bucket', 'le="0.1"') };
  }
  return kinds;
}

export interface LiveReport {
  connections: number;
  /** The BFF's node flags after the deployment's own: web's, then LIVE_NODE_FLAGS. */
  nodeFlags: readonly string[];
  warmupSeconds: number;
  rssAddedPerConnectionKiB: number;
  rssMiB: { before: number; after: number };
  idleCpuPercentOfOneCore: number;
  eventsWritten: number;
  eventsPerSecond: number;
  viewers: number;
  socketsPerViewer: number;
  eventsReceived: number;
  framesReceived: number;
  framesExpected: number;
  eventsOverDelivered: number;
  delayMs: { p50: number; p99: number; max: number };
  serverHandedOffWithin: { ms10: number; ms50: number; ms100: number; handedOff: number };
  /** The same, for the events' arrival from the feed (before the fan-out): the feed's share. */
  serverArrivedWithin: { ms10: number; ms50: number; ms100: number; arrived: number };
  serverGc: Record<string, { count: number; totalMs: number; over100ms: number }>;
  generatorEventLoopDelayMs: { p50: number; p99: number; max: number };
  /** The BFF's own event-loop delay over the measured flow (prom-client's, reset by each scrape): whether a stall was the BFF's. */
  serverEventLoopDelayMs: { p99: number; max: number };
}

/** The scenario's section of bench/RESULTS.md. */
export function liveMarkdown(report: LiveReport): string {
  const pct = (share: number) => `${(share * 100).toFixed(1)}%`;
  const gc = Object.entries(report.serverGc).map(([kind, g]) => `${kind} ${g.count} (${g.totalMs} ms, ${g.over100ms} over 100 ms)`).join('; ');
  return [
    '## Live updates: one web replica, WebSockets',
    '',
    `${report.connections} WebSockets (graphql-transport-ws, one notificationsChanged subscription each) over ${report.viewers} viewers (the mocks have 1,000 users: ${report.socketsPerViewer} sockets each, as tabs), then ${report.eventsPerSecond} notifications a second written at the service for ${Math.round(report.eventsWritten / Math.max(1, report.eventsPerSecond))} s (after ${report.warmupSeconds} s at the same rate, not counted: the delivery path's first events pay for compiling it), each to a random viewer: ${report.socketsPerViewer} frames per event. The BFF runs with web's node flags (\`${report.nodeFlags.join(' ')}\`: bffs/kit/server/node-flags.ts). Same pinning as above (the load generator shares core 0 with the mocks). \`npm run bench:live\` runs it alone.`,
    '',
    '| figure | target | measured | met |',
    '|---|---:|---:|---:|',
    `| RSS added per connection | reported | ${report.rssAddedPerConnectionKiB} KiB (${report.rssMiB.before} → ${report.rssMiB.after} MiB) | – |`,
    `| CPU at idle (keep-alive pings, session checks) | reported | ${report.idleCpuPercentOfOneCore}% of a core | – |`,
    `| service write → frame received, p50 | reported | ${report.delayMs.p50} ms | – |`,
    `| service write → frame received, p99 | ≤ 50 ms | ${report.delayMs.p99} ms (max ${report.delayMs.max}) | ${report.delayMs.p99 <= 50 ? 'yes' : '**no**'} |`,
    `| frames received / expected | all | ${report.framesReceived} / ${report.framesExpected} | ${report.framesReceived === report.framesExpected ? 'yes' : '**no**'} |`,
    `| events delivered more than once to a socket | 0 | ${report.eventsOverDelivered} | ${report.eventsOverDelivered === 0 ? 'yes' : '**no**'} |`,
    '',
    `Where the time goes: the BFF handed ${pct(report.serverHandedOffWithin.ms10)} of the ${report.serverHandedOffWithin.handedOff} frames to their socket within 10 ms of the service's write, ${pct(report.serverHandedOffWithin.ms50)} within 50 ms and ${pct(report.serverHandedOffWithin.ms100)} within 100 ms (its histogram \`concierge_live_event_delay_seconds\`); of the ${report.serverArrivedWithin.arrived} events, ${pct(report.serverArrivedWithin.ms10)} had arrived from the service's feed within 10 ms of the write, ${pct(report.serverArrivedWithin.ms50)} within 50 ms and ${pct(report.serverArrivedWithin.ms100)} within 100 ms (\`concierge_live_feed_delay_seconds\`: the feed's share, before the fan-out). Its collections while the events flowed: ${gc}. The BFF's own event-loop delay meanwhile: p99 ${report.serverEventLoopDelayMs.p99} ms, max ${report.serverEventLoopDelayMs.max} ms. The load generator's own event-loop delay: p50 ${report.generatorEventLoopDelayMs.p50} ms, p99 ${report.generatorEventLoopDelayMs.p99} ms, max ${report.generatorEventLoopDelayMs.max} ms.`,
    '',
  ].join('\n');
}

export async function liveScenario(pinning: Pinning, scale: LiveScale = LIVE_SCALE, log: (line: string) => void = console.log): Promise<LiveReport> {
const { connections: CONNECTIONS, eventsPerSecond: EVENTS_PER_SECOND, seconds: SECONDS, idleSeconds: IDLE_SECONDS, warmupSeconds: WARMUP_SECONDS } = scale;
const PER_VIEWER = Math.ceil(CONNECTIONS / Math.min(CONNECTIONS, USERS));
const mocks = await startMocks(pinning, { ms: 0, jitterMs: 0 });
const extraFlags = [...(CLIENT_NODE_FLAGS.web ?? []), ...(process.env.LIVE_NODE_FLAGS?.split(' ').filter(Boolean) ?? [])];
let server: Server | undefined;
const adminPort = await freePort();
const adminUrl = `http://127.0.0.1:${adminPort}`;
const sockets: WebSocket[] = [];
try {
  server = await startServer('web', 'bffs/web/main.ts', mocks.urls, pinning, async (url) => (await fetch(url.replace('/graphql', '/health'))).ok, {
    // The web BFF's own node flags (node-flags.ts: its single-threaded GC marks between the events with
    // 10,000 sockets alive); LIVE_NODE_FLAGS: more after them (`--no-single-threaded-gc` to see
    // the tail V8's concurrent marking gives); LIVE_PROFILE_DIR: a V8 CPU profile of the BFF.
    nodeFlags: [
      ...extraFlags,
      ...(process.env.LIVE_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.LIVE_PROFILE_DIR}`] : []),
    ],
    env: { NODE_ENV: 'development', LOG_LEVEL: 'warn', ADMIN_PORT: String(adminPort), LIVE_CONNECTIONS_PER_ADDRESS: String(CONNECTIONS + 10), LIVE_CONNECTIONS_PER_VIEWER: String(PER_VIEWER + 1), MAX_CONNECTIONS_PER_ADDRESS: String(CONNECTIONS + 100), MAX_CONNECTIONS: String(CONNECTIONS + 1000) },
  });
  const wsUrl = server.url.replace(/^http/, 'ws');
  log(`${pinning.description}; web BFF in development mode (bearer tokens on the handshake), ${CONNECTIONS} WebSockets over ${Math.min(CONNECTIONS, USERS)} viewers, one subscription each`);

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
  log(`${sockets.length} subscribed in ${round((performance.now() - started) / 1000, 1)} s`);
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
  /** `seconds` of events at the scenario's rate; resolves with how many the service took, and the rate achieved. */
  const writeEvents = async (seconds: number, label: string) => {
    const written: Promise<boolean>[] = [];
    const total = EVENTS_PER_SECOND * seconds;
    const t0 = performance.now();
    for (let n = 0; n < total; n++) {
      const due = t0 + (n * 1000) / EVENTS_PER_SECOND;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const i = Math.floor(Math.random() * viewers.length);
      written.push(
        pool
          .request({ method: 'POST', path: `/notifications/${viewers[i]}`, headers: { 'content-type': 'application/json', authorization: `Bearer ${writer}` }, body: JSON.stringify({ text: `${label} ${n}` }) })
          .then(async (res) => (await res.body.dump(), res.statusCode < 300)),
      );
    }
    const ok = (await Promise.all(written)).filter(Boolean).length;
    return { ok, rate: total / ((performance.now() - t0) / 1000) };
  };
  // Warm-up at the same rate, not measured: the first seconds of a replica's first events pay for
  // compiling the delivery path on both sides (both cores near 100% for about 3 s, then about half),
  // which is a start-up cost, not the steady delivery this measures. Its frames are all in before
  // the counts start over.
  if (WARMUP_SECONDS > 0) {
    await writeEvents(WARMUP_SECONDS, 'warm-up');
    await sleep(2_000);
    received.clear();
    delays.length = 0;
  }
  // This process's own event-loop delay while it writes and receives: when it is large, the
  // delays below are the load generator's (it shares a core with the mocks), not the BFF's.
  const generatorLag = monitorEventLoopDelay({ resolution: 10 });
  const deliveredBefore = await serverDelays(adminUrl);
  const arrivedBefore = await serverDelays(adminUrl, 'concierge_live_feed_delay_seconds');
  const gcBefore = await serverGc(adminUrl);
  await serverLoopLag(adminUrl); // a scrape resets prom-client's histogram: from here it holds the flow alone
  generatorLag.enable();
  const { ok, rate } = await writeEvents(SECONDS, 'event');
  await sleep(2_000);
  generatorLag.disable();
  const serverLag = await serverLoopLag(adminUrl);
  const deliveredAfter = await serverDelays(adminUrl);
  const arrivedAfter = await serverDelays(adminUrl, 'concierge_live_feed_delay_seconds');
  const gcAfter = await serverGc(adminUrl);
  if (!deliveredAfter.size) throw new Error(`no concierge_live_event_delay_seconds on ${adminUrl}/metrics`);
  const handedOff = (le: number) => (deliveredAfter.get(le) ?? 0) - (deliveredBefore.get(le) ?? 0);
  const arrived = (le: number) => (arrivedAfter.get(le) ?? 0) - (arrivedBefore.get(le) ?? 0);
  await pool.close();
  // Each event goes to every socket of its viewer: PER_VIEWER frames per event.
  const frames = [...received.values()].reduce((sum, count) => sum + count, 0);
  const duplicates = [...received.values()].filter((count) => count > PER_VIEWER).length;

  return {
    connections: sockets.length,
    nodeFlags: [...SERVER_NODE_FLAGS, ...extraFlags],
    warmupSeconds: WARMUP_SECONDS,
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
    delayMs: { p50: round(percentile(delays, 0.5), 1), p99: round(percentile(delays, 0.99), 1), max: round(delays.reduce((max, delay) => Math.max(max, delay), 0), 1) },
    // The same deliveries as the BFF counted them: from the service's write to the frame handed to the socket.
    serverHandedOffWithin: {
      ms10: round(handedOff(0.01) / handedOff(Number.POSITIVE_INFINITY), 4),
      ms50: round(handedOff(0.05) / handedOff(Number.POSITIVE_INFINITY), 4),
      ms100: round(handedOff(0.1) / handedOff(Number.POSITIVE_INFINITY), 4),
      handedOff: handedOff(Number.POSITIVE_INFINITY),
    },
    serverArrivedWithin: {
      ms10: round(arrived(0.01) / arrived(Number.POSITIVE_INFINITY), 4),
      ms50: round(arrived(0.05) / arrived(Number.POSITIVE_INFINITY), 4),
      ms100: round(arrived(0.1) / arrived(Number.POSITIVE_INFINITY), 4),
      arrived: arrived(Number.POSITIVE_INFINITY),
    },
    // The BFF's collections while the events flowed.
    serverGc: Object.fromEntries(Object.entries(gcAfter).map(([kind, after]) => {
      const before = gcBefore[kind] ?? { count: 0, seconds: 0, over100ms: 0 };
      return [kind, { count: after.count - before.count, totalMs: round((after.seconds - before.seconds) * 1000, 0), over100ms: after.over100ms - before.over100ms }];
    })),
    serverEventLoopDelayMs: serverLag,
    generatorEventLoopDelayMs: { p50: round(generatorLag.percentile(50) / 1e6, 1), p99: round(generatorLag.percentile(99) / 1e6, 1), max: round(generatorLag.max / 1e6, 1) },
  };
} finally {
  for (const ws of sockets) ws.terminate();
  if (server) await stop(server.child);
  await stop(mocks.child);
}
}
