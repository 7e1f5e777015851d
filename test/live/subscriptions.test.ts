import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { pino } from 'pino';
import { createMobileBff } from '../../bffs/mobile/bff.ts';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import { documentId } from '../support/documents.ts';
import { testConfig } from '../support/bffs.ts';
import { fetchOver } from '../support/served.ts';
import { signIn, startSignInStack, SESSION_COOKIE, type SignInStack } from '../support/sign-in.ts';
import { follow, socketClient } from './support.ts';
import { DEFAULT_MAX_QUEUED_EVENTS } from '../../bffs/kit/live/live-events.ts';

/**
 * Live updates on real sockets (issue: live updates for the web): the web BFF's subscriptions
 * over graphql-ws and GraphQL over SSE, fed by the services' own events, with a real sign-in.
 */
describe('web subscriptions, on one machine with nothing installed', () => {
  let stack: SignInStack;
  let origin: string;
  let mobile: Bff;

  beforeAll(async () => {
    stack = await startSignInStack({ config: { liveSessionCheckMs: 200, liveConnectionsPerViewer: 3 } });
    origin = stack.replicas[0]!.origin;
    mobile = createMobileBff(testConfig(stack.mocks.urls), { logger: pino({ level: 'silent' }) });
  }, 60_000);
  afterAll(async () => {
    await mobile?.close();
    await stack?.close();
  });

  /** A title u_42 does not have in their list now. */
  async function titleNotInList(user: string): Promise<string> {
    const token = await stack.mocks.serviceToken(user, { services: ['my-list'] });
    const list = (await (await fetch(`${stack.mocks.urls['my-list']}/my-list/${user}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { contentIds: string[] };
    for (let n = 1; ; n++) if (!list.contentIds.includes(`t_${n}`)) return `t_${n}`;
  }

  it('a title added through the mobile BFF reaches the web subscriber, over a WebSocket', async () => {
    const { sessionId } = await signIn(origin, { username: 'u_42' });
    const { client } = socketClient(origin, sessionId);
    const sub = follow(client, 'WebMyListChanged');
    try {
      await new Promise((resolve) => setTimeout(resolve, 300)); // subscribed before the change is made
      const contentId = await titleNotInList('u_42');
      const token = await stack.mocks.token('u_42');
      const added = await fetchOver(mobile, '/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ documentId: documentId('mobile', 'AddToMyList'), variables: { contentId } }),
      });
      expect(added.status).toBe(200);
      await sub.until(() => sub.results.length >= 1);
      expect(sub.results[0]).toEqual({ data: { myListChanged: { eventId: expect.stringMatching(/^\d+-\d+$/), contentId, inMyList: true, __typename: 'MyListEvent' } } });
      expect(sub.errors).toEqual([]);

      // Operators see both halves of the delay: from the service's write to the event's arrival
      // from the feed, and to its handing to the socket; the arrival comes first.
      const metrics = await stack.replicas[0]!.bff!.metrics!.metrics();
      const sumOf = (name: string) => Number(new RegExp(`^${name}_sum\\{[^}]*topic="my-list"[^}]*\\} ([\\d.e-]+)`, 'm').exec(metrics)?.[1]);
      const countOf = (name: string) => Number(new RegExp(`^${name}_count\\{[^}]*topic="my-list"[^}]*\\} (\\d+)`, 'm').exec(metrics)?.[1]);
      expect(countOf('concierge_live_feed_delay_seconds')).toBeGreaterThanOrEqual(1);
      expect(countOf('concierge_live_event_delay_seconds')).toBeGreaterThanOrEqual(1);
      expect(sumOf('concierge_live_feed_delay_seconds') / countOf('concierge_live_feed_delay_seconds')).toBeLessThanOrEqual(sumOf('concierge_live_event_delay_seconds') / countOf('concierge_live_event_delay_seconds'));
    } finally {
      sub.dispose();
      await client.dispose();
    }
  });

  it('a progress write at the service reaches the web subscriber, over SSE, through the same perimeter (CSRF included)', async () => {
    const { sessionId } = await signIn(origin, { username: 'u_43' });
    const headers = { 'content-type': 'application/json', accept: 'text/event-stream', cookie: `${SESSION_COOKIE}=${sessionId}` };
    const body = JSON.stringify({ documentId: documentId('web', 'WebProgressChanged') });

    // Without X-CSRF the session cookie is refused, as on any request.
    const refused = await fetch(`${origin}/graphql`, { method: 'POST', headers, body });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('CSRF_REJECTED');

    const controller = new AbortController();
    const response = await fetch(`${origin}/graphql`, { method: 'POST', headers: { ...headers, 'x-csrf': '1' }, body, signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    try {
      const token = await stack.mocks.serviceToken('u_43', { services: ['continue-watching'] });
      const put = await fetch(`${stack.mocks.urls['continue-watching']}/continue-watching/u_43/t_7`, { method: 'PUT', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ progressSeconds: 60 }) });
      expect(put.status).toBe(200);
      const { item: { totalSeconds } } = (await put.json()) as { item: { totalSeconds: number } };
      let text = '';
      while (!text.includes('event: next')) text += (await reader.read()).value ?? '';
      const data = JSON.parse(/data: (.*)/.exec(text.slice(text.indexOf('event: next')))![1]!);
      expect(data).toEqual({ data: { progressChanged: { eventId: expect.stringMatching(/^\d+-\d+$/), contentId: 't_7', progressPercent: Math.round((60 / totalSeconds) * 100), __typename: 'ProgressEvent' } } });
    } finally {
      controller.abort();
    }
  });

  it('resuming with after replays exactly the events missed, in order, then goes live', async () => {
    const { sessionId } = await signIn(origin, { username: 'u_44' });
    const token = await stack.mocks.serviceToken('u_44', { services: ['notifications'] });
    const notify = (text: string) => fetch(`${stack.mocks.urls.notifications}/notifications/u_44`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ text }) });

    const first = socketClient(origin, sessionId);
    const before = follow(first.client, 'WebNotificationsChanged');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await notify('one');
    await before.until(() => before.results.length === 1);
    const seen = before.results[0]!.data!.notificationsChanged;
    before.dispose();
    await first.client.dispose();

    // Offline: three notifications the app does not see.
    for (const text of ['two', 'three', 'four']) expect((await notify(text)).status).toBeLessThan(300);

    const second = socketClient(origin, sessionId);
    const after = follow(second.client, 'WebNotificationsChanged', { after: seen.eventId });
    try {
      await after.until(() => after.results.length === 3);
      const counts = after.results.map((r) => r.data!.notificationsChanged.unreadCount);
      expect(counts).toEqual([seen.unreadCount + 1, seen.unreadCount + 2, seen.unreadCount + 3]);
      const ids = after.results.map((r) => r.data!.notificationsChanged.eventId);
      expect(new Set(ids).size).toBe(3);
      await notify('five');
      await after.until(() => after.results.length === 4);
      expect(after.results[3]!.data!.notificationsChanged.unreadCount).toBe(seen.unreadCount + 4);
      expect(after.errors).toEqual([]);
    } finally {
      after.dispose();
      await second.client.dispose();
    }
  });

  it('an after past the retention window is EVENTS_EXPIRED; one that is no event id is BAD_USER_INPUT; nothing is subscribed', async () => {
    const { sessionId } = await signIn(origin, { username: 'u_45' });
    const { client } = socketClient(origin, sessionId);
    try {
      const old = follow(client, 'WebMyListChanged', { after: '1000-0' });
      await old.until(() => old.errors.length === 1);
      expect(old.errors[0]).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'EVENTS_EXPIRED' }) })]);
      const bad = follow(client, 'WebMyListChanged', { after: '../x' });
      await bad.until(() => bad.errors.length === 1 || bad.results.length === 1);
      expect(JSON.stringify([bad.errors, bad.results])).toContain('BAD_USER_INPUT');
    } finally {
      await client.dispose();
    }
  });

  it('a foreign Origin is refused at the handshake (cross-site WebSocket hijacking): 403 with the catalog body, no socket', async () => {
    const { sessionId } = await signIn(origin, { username: 'u_46' });
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const ws = new WebSocket(`${origin.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', { headers: { cookie: `${SESSION_COOKIE}=${sessionId}`, origin: 'https://evil.example' } });
      ws.on('open', () => reject(new Error('the socket opened')));
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.on('error', () => undefined);
    });
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toEqual({ errors: [{ message: expect.stringContaining('evil.example'), extensions: { code: 'CSRF_REJECTED' } }] });
  });

  it('signing out closes the socket within the session check, with 4401 and the code', async () => {
    const { sessionId } = await signIn(origin, { username: 'u_47' });
    const { client, closes } = socketClient(origin, sessionId);
    const sub = follow(client, 'WebMyListChanged');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const out = await fetch(`${origin}/auth/logout`, { method: 'POST', headers: { cookie: `${SESSION_COOKIE}=${sessionId}`, 'x-csrf': '1' } });
    expect(out.status).toBeLessThan(400);
    await sub.until(() => closes.length === 1 || sub.errors.length > 0, 3_000);
    expect(closes[0]).toEqual({ code: 4401, reason: 'SESSION_EXPIRED' });
    await client.dispose();
  });

  it('signing out ends an SSE subscription too: its last event is SESSION_EXPIRED, then the stream ends', async () => {
    const { sessionId } = await signIn(origin, { username: 'u_49' });
    const cookie = `${SESSION_COOKIE}=${sessionId}`;
    const response = await fetch(`${origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', cookie, 'x-csrf': '1' },
      body: JSON.stringify({ documentId: documentId('web', 'WebMyListChanged') }),
    });
    expect(response.status).toBe(200);
    await fetch(`${origin}/auth/logout`, { method: 'POST', headers: { cookie, 'x-csrf': '1' } });
    const text = await response.text(); // the stream ends
    const last = /event: next\ndata: (.*)/.exec(text)?.[1];
    expect(JSON.parse(last!)).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'SESSION_EXPIRED' } }] });
    expect(text.trimEnd()).toMatch(/event: complete/);
  });

  it("the app's version comes in connection_init's payload (a browser sets no header on the handshake), and is judged like a header", async () => {
    const { sessionId } = await signIn(origin, { username: 'u_50' });
    const { client } = socketClient(origin, sessionId, { connectionParams: { 'x-client-version': '0.1.0' } });
    const sub = follow(client, 'WebMyListChanged');
    try {
      await sub.until(() => sub.errors.length === 1);
      expect(sub.errors[0]).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'CLIENT_VERSION_UNSUPPORTED' }) })]);
    } finally {
      await client.dispose();
    }
  });

  it('a subscription asked for as one JSON answer is 406 STREAM_REQUIRED; a viewer past its live connections is refused 429', async () => {
    const { sessionId } = await signIn(origin, { username: 'u_48' });
    const json = await fetch(`${origin}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', cookie: `${SESSION_COOKIE}=${sessionId}`, 'x-csrf': '1' },
      body: JSON.stringify({ documentId: documentId('web', 'WebMyListChanged') }),
    });
    expect(json.status).toBe(406);
    expect((await json.json()).errors[0].extensions.code).toBe('STREAM_REQUIRED');

    const open = await Promise.all([1, 2, 3].map(() => openSocket(origin, sessionId)));
    expect(open.map((o) => o.status)).toEqual([101, 101, 101]);
    const fourth = await openSocket(origin, sessionId);
    expect(fourth.status).toBe(429);
    expect(JSON.parse(fourth.body).errors[0].extensions).toEqual({ code: 'TOO_MANY_CONNECTIONS', limit: 'viewer', max: 3 });
    for (const o of open) o.ws?.close();
  });
});

/** Opens a raw socket: 101 and the socket, or the refusal's status and body. */
function openSocket(origin: string, sessionId: string | undefined, headers: Record<string, string> = { cookie: `${SESSION_COOKIE}=${sessionId}`, origin }): Promise<{ status: number; body: string; ws?: WebSocket }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${origin.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', { headers });
    ws.on('open', () => resolve({ status: 101, body: '', ws }));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('error', () => undefined);
  });
}

describe('web subscriptions across two BFF processes, on the real Redis', () => {
  const prefix = `concierge:test:events:${process.pid}:${Date.now()}:`;
  let stack: SignInStack;

  beforeAll(async () => {
    const redisUrl = 'redis://127.0.0.1:6379';
    stack = await startSignInStack({ replicas: 2, processes: true, config: { redisUrl, eventsPrefix: prefix }, mocksEnv: { REDIS_URL: redisUrl, EVENTS_PREFIX: prefix } });
  }, 90_000);
  afterAll(async () => {
    await stack?.close();
    const { createClient } = await import('redis');
    const redis = createClient({ url: 'redis://127.0.0.1:6379' });
    await redis.connect();
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) if (keys.length) await redis.del(keys);
    await redis.quit();
  });

  it('a change made through one replica reaches a subscriber on the other, and resuming on the first replays what was missed', async () => {
    const [one, two] = stack.replicas.map((replica) => replica.origin) as [string, string];
    const { sessionId } = await signIn(one, { username: 'u_52' });
    const change = async (contentId: string, add: boolean) => {
      const res = await fetch(`${one}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', cookie: `${SESSION_COOKIE}=${sessionId}`, 'x-csrf': '1' },
        body: JSON.stringify({ documentId: documentId('web', add ? 'AddToMyList' : 'RemoveFromMyList'), variables: { contentId } }),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { data: Record<string, { changed: boolean }> }).data;
    };

    // Subscribed on the second replica; the change goes through the first.
    const onTwo = socketClient(two, sessionId);
    const live = follow(onTwo.client, 'WebMyListChanged');
    await new Promise((resolve) => setTimeout(resolve, 500));
    await change('t_3', false); // a known state first: out of the list (no event when nothing changed)
    await change('t_3', true);
    await live.until(() => live.results.some((r) => r.data!.myListChanged.inMyList === true));
    const added = live.results.find((r) => r.data!.myListChanged.inMyList === true)!.data!.myListChanged;
    expect(added).toEqual({ eventId: expect.stringMatching(/^\d+-\d+$/), contentId: 't_3', inMyList: true, __typename: 'MyListEvent' });
    live.dispose();
    await onTwo.client.dispose();

    // Missed while away (each change the service made is an event; a no-op is none), then resumed on the first replica.
    const missed: { contentId: string; inMyList: boolean }[] = [];
    for (const [contentId, add] of [['t_3', false], ['t_4', false], ['t_4', true]] as const) {
      const data = await change(contentId, add);
      if (Object.values(data)[0]!.changed) missed.push({ contentId, inMyList: add });
    }
    expect(missed.length).toBeGreaterThanOrEqual(2);
    const onOne = socketClient(one, sessionId);
    const resumed = follow(onOne.client, 'WebMyListChanged', { after: added.eventId });
    try {
      await resumed.until(() => resumed.results.length >= missed.length);
      await new Promise((resolve) => setTimeout(resolve, 300)); // and nothing more
      expect(resumed.results.map((r) => r.data!.myListChanged).map(({ contentId, inMyList }) => ({ contentId, inMyList }))).toEqual(missed);
    } finally {
      resumed.dispose();
      await onOne.client.dispose();
    }
  });

  it('a subscriber more than its queue of events behind is closed with 4008 SLOW_CONSUMER, and is not sent the rest', async () => {
    const [, two] = stack.replicas.map((replica) => replica.origin) as [string, string];
    const { sessionId } = await signIn(two, { username: 'u_53' });
    const onTwo = socketClient(two, sessionId);
    const live = follow(onTwo.client, 'WebMyListChanged');
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Twice the queue in one transaction, each as the service writes it: the replica's next read of
    // the stream hands them all over at once, faster than any socket is written to.
    const written = 2 * DEFAULT_MAX_QUEUED_EVENTS;
    const { createClient } = await import('redis');
    const redis = createClient({ url: 'redis://127.0.0.1:6379' });
    await redis.connect();
    try {
      const burst = redis.multi();
      for (let n = 0; n < written; n++) burst.addCommand(['XADD', `${prefix}my-list`, '*', 'e', JSON.stringify({ userId: 'u_53', contentId: `t_${n + 1}`, inMyList: true, at: Date.now() })]);
      await burst.exec();
    } finally {
      await redis.quit();
    }
    await live.until(() => onTwo.closes.length > 0);
    expect(onTwo.closes).toEqual([{ code: 4008, reason: 'SLOW_CONSUMER' }]);
    expect(live.results.length).toBeLessThan(written);
    await onTwo.client.dispose();
  });
});

describe('a replica shutting down', () => {
  it('closes its WebSockets with 1012 (service restart) on SIGTERM, in groups spread over LIVE_RESTART_SPREAD_MS, so the apps reconnect elsewhere and resume, not all at once', async () => {
    const { startTestMocks } = await import('../support/mocks.ts');
    const { startBffProcess } = await import('../support/processes.ts');
    const mocks = await startTestMocks();
    const SPREAD_MS = 1_000;
    const web = await startBffProcess('web', mocks.urls, { LIVE_RESTART_SPREAD_MS: String(SPREAD_MS) }, { timeoutMs: 60_000 });
    try {
      // Development takes a bearer token on the handshake (production only the session cookie).
      const open = async (sub: string): Promise<WebSocket> => {
        const token = await mocks.token(sub, { aud: 'web' });
        // A cold process fetches identity's keys on the first token: 503 IDENTITY_UNAVAILABLE until then (test/support/until-keys.ts).
        for (let attempt = 0; ; attempt++) {
          const opened = await openSocket(web.origin, undefined, { authorization: `Bearer ${token}` });
          if (opened.ws) {
            const acked = new Promise<void>((resolve) => opened.ws!.on('message', (data) => JSON.parse(String(data)).type === 'connection_ack' && resolve()));
            opened.ws.send(JSON.stringify({ type: 'connection_init' }));
            await acked;
            return opened.ws;
          }
          if (opened.status !== 503 || attempt > 20) throw new Error(`handshake refused: ${opened.status} ${opened.body}`);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      };
      // Five viewers, four sockets each.
      const sockets = [];
      for (let i = 0; i < 20; i++) sockets.push(await open(`u_${60 + (i % 5)}`));
      const closes = sockets.map((ws) => new Promise<{ code: number; reason: string; at: number }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason), at: performance.now() }))));
      web.child.kill('SIGTERM');
      const closed = await Promise.all(closes);
      for (const close of closed) expect({ code: close.code, reason: close.reason }).toEqual({ code: 1012, reason: 'SERVICE_RESTART' });
      // Told in groups over LIVE_RESTART_SPREAD_MS, not all at one instant: the first group at once, the last (n-1)/n of the spread later.
      const ats = closed.map((close) => close.at);
      expect(Math.max(...ats) - Math.min(...ats)).toBeGreaterThan(SPREAD_MS * 0.75);
      expect(new Set(ats.map((at) => Math.round((at - Math.min(...ats)) / 10))).size).toBeGreaterThan(10);
    } finally {
      await web.stop();
      await mocks.close();
    }
  }, 90_000);
});
