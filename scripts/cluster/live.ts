/**
 * The cluster proof's live phase: web subscribers through HAProxy while both web replicas are
 * restarted one after the other and events flow. Each client resumes with `after` (the last event
 * id it received) whenever its socket closes (1012 on a replica's shutdown); at the end every
 * client's events are compared with what the service wrote for its viewer.
 */
import WebSocket from 'ws';
import { trustedDocumentIds } from '../../bffs/web/sdk/trusted-documents.generated.ts';
import type { Cluster } from './cluster.ts';
import { rollingRestart, type RestartStep } from './operations.ts';
import { SESSION_COOKIE, signInWeb } from './viewers.ts';

/** Refusals an app retries after a pause (README's error table: each is temporary). */
const RETRYABLE = new Set(['TOO_MANY_IN_FLIGHT', 'OVERLOADED', 'RATE_LIMITED', 'DOWNSTREAM_UNAVAILABLE', 'IDENTITY_UNAVAILABLE', 'SESSION_STORE_UNAVAILABLE']);

export interface LiveOptions {
  viewers: number;
  /** Sockets per viewer (at most LIVE_CONNECTIONS_PER_VIEWER, 8). */
  perViewer: number;
  eventsPerSecond: number;
  /** First viewer's number: users no other phase touches. */
  firstUser: number;
}

export interface LiveReport {
  clients: number;
  steps: RestartStep[];
  closes: Record<string, number>;
  /** Subscribes refused (graphql-ws `error`), by code; the retryable ones were sent again. */
  refusals: Record<string, number>;
  reconnects: number;
  written: number;
  expected: number;
  received: number;
  lost: number;
  duplicates: number;
  stillOpen: number;
}

interface LiveClient {
  viewer: string;
  seen: string[];
  duplicates: number;
  last?: string;
  socket?: WebSocket;
  stopped: boolean;
}

export async function liveThroughRollingRestart(cluster: Cluster, { viewers, perViewer, eventsPerSecond, firstUser }: LiveOptions): Promise<LiveReport> {
  const front = cluster.front.web!;
  const users = Array.from({ length: viewers }, (_, i) => `u_${firstUser + i}`);
  const sessions: string[] = [];
  for (let i = 0; i < users.length; i += 10) sessions.push(...(await Promise.all(users.slice(i, i + 10).map(async (user) => (await signInWeb(front, user)).sessionId))));
  const closes: Record<string, number> = {};
  const refusals: Record<string, number> = {};
  let reconnects = 0;

  const clients: LiveClient[] = users.flatMap((viewer) => Array.from({ length: perViewer }, () => ({ viewer, seen: [], duplicates: 0, stopped: false })));
  const connect = (client: LiveClient, sessionId: string): Promise<void> =>
    new Promise((resolve) => {
      const ws = new WebSocket(`${front.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', { headers: { cookie: `${SESSION_COOKIE}=${sessionId}`, origin: front }, perMessageDeflate: false });
      client.socket = ws;
      let subscribed = false;
      const subscribe = () => {
        if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '', documentId: trustedDocumentIds.WebNotificationsChanged, variables: client.last ? { after: client.last } : {} } }));
      };
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init' })));
      ws.on('message', (data) => {
        const message = JSON.parse(String(data)) as { type: string; payload?: { data?: { notificationsChanged?: { eventId: string } } } };
        if (message.type === 'connection_ack') {
          subscribe();
          // Subscribed once the BFF has had the message: the next event it reads is delivered.
          setTimeout(() => ((subscribed = true), resolve()), 200);
        } else if (message.type === 'next') {
          const id = message.payload!.data!.notificationsChanged!.eventId;
          if (client.seen.includes(id)) client.duplicates++;
          else client.seen.push(id);
          client.last = id;
        } else if (message.type === 'error') {
          // A refused subscribe (graphql-ws's `error`: the socket stays open, the subscription is
          // gone): counted by code, and sent again after a pause when the code says to retry.
          const code = (message.payload as unknown as { extensions?: { code?: string } }[] | undefined)?.[0]?.extensions?.code ?? 'no code';
          refusals[code] = (refusals[code] ?? 0) + 1;
          if (RETRYABLE.has(code) && !client.stopped) setTimeout(subscribe, 100 + Math.random() * 400);
        }
      });
      const again = (code: number | string) => {
        closes[code] = (closes[code] ?? 0) + 1;
        if (!subscribed) resolve();
        if (client.stopped) return;
        reconnects++;
        setTimeout(() => void connect(client, sessionId), 100 + Math.random() * 400);
      };
      ws.on('close', (code) => again(code));
      // A refused handshake: counted by its status and the catalog's code (or HAProxy's own page).
      ws.on('unexpected-response', (_req, res) => {
        ws.removeAllListeners('close');
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => {
          let code = 'no catalog code';
          try {
            code = (JSON.parse(body) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code ?? code;
          } catch {
            // HAProxy's own error page is HTML
          }
          again(`${res.statusCode ?? 0} ${code}`);
        });
      });
      ws.on('error', () => undefined);
    });
  for (let i = 0; i < clients.length; i += 100) await Promise.all(clients.slice(i, i + 100).map((client) => connect(client, sessions[users.indexOf(client.viewer)]!)));

  // Events at the service while both web replicas restart, then a little longer.
  // The writes are the service's own: a token for notifications' audience (no service takes a BFF's token).
  const tokens = await Promise.all(users.map(async (sub) => {
    const res = await fetch(`${cluster.mocks.urls.identity}/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub, aud: ['notifications'], ttlSeconds: 3_600 }) });
    return ((await res.json()) as { access_token: string }).access_token;
  }));
  let writing = true;
  let written = 0;
  const writer = (async () => {
    const started = Date.now();
    for (let n = 0; writing; n++) {
      const wait = started + (n * 1000) / eventsPerSecond - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const i = n % users.length;
      const res = await fetch(`${cluster.mocks.urls.notifications}/notifications/${users[i]}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[i]}` }, body: JSON.stringify({ text: `live ${n}` }) });
      await res.arrayBuffer();
      if (res.ok) written++;
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const steps = await rollingRestart(cluster, cluster.replicas.filter((r) => r.client === 'web').map((r) => r.id));
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  writing = false;
  await writer;
  await new Promise((resolve) => setTimeout(resolve, 3_000)); // the last events, and the last resumes

  // What the service wrote, per viewer: its own account (GET /events/{userId}, every event kept).
  const truth = new Map<string, string[]>();
  for (const user of users) {
    const res = await fetch(`${cluster.mocks.urls.notifications}/events/${user}`);
    truth.set(user, ((await res.json()) as { events: { id: string }[] }).events.map((event) => event.id));
  }
  let expected = 0;
  let received = 0;
  let lost = 0;
  for (const client of clients) {
    const wanted = truth.get(client.viewer)!;
    expected += wanted.length;
    const got = new Set(client.seen);
    received += wanted.filter((id) => got.has(id)).length;
    lost += wanted.filter((id) => !got.has(id)).length;
  }
  const stillOpen = clients.filter((client) => client.socket?.readyState === WebSocket.OPEN).length;
  for (const client of clients) {
    client.stopped = true;
    client.socket?.close();
  }
  return { clients: clients.length, steps, closes, refusals, reconnects, written, expected, received, lost, duplicates: clients.reduce((sum, c) => sum + c.duplicates, 0), stillOpen };
}
