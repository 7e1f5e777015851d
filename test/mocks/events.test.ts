/**
 * The services' events (issue 25's source): my-list, continue-watching and notifications publish
 * each change, and serve it at `GET /events` (an SSE tail of every user's events) and
 * `GET /events/{userId}`. The whole suite runs on both backends: in memory (no REDIS_URL) and on
 * the real Redis at 127.0.0.1:6379, under a prefix of its own that it deletes at the end.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createClient } from 'redis';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { startOwnRedis, type OwnRedis } from '../support/redis-server.ts';
import { call, errorCode } from '../support/http.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `test:mock-events:${process.pid}:${Date.now()}:`;

interface Message {
  id: string;
  event: string;
  data: any;
}

/** An open `GET /events`: the messages so far (keep-alive comments counted apart), and a way to wait for more. */
interface TailReader {
  status: number;
  headers: Headers;
  messages: Message[];
  comments: string[];
  /** Resolves once `count` messages have arrived in all (fails after 5 s). */
  waitFor(count: number): Promise<Message[]>;
  close(): void;
}

async function openTail(url: string): Promise<TailReader> {
  const abort = new AbortController();
  const res = await fetch(url, { signal: abort.signal });
  const reader: TailReader = {
    status: res.status,
    headers: res.headers,
    messages: [],
    comments: [],
    waitFor: (count) =>
      vi.waitFor(() => {
        expect(reader.messages.length, `messages so far`).toBeGreaterThanOrEqual(count);
        return reader.messages;
      }, { timeout: 5_000, interval: 10 }),
    close: () => abort.abort(),
  };
  if (res.status !== 200) return reader;
  void (async () => {
    let buffer = '';
    const chunks = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    for (let chunk = await chunks.read(); !chunk.done; chunk = await chunks.read()) {
      buffer += chunk.value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (block.startsWith(':')) reader.comments.push(block);
        else {
          const fields: Record<string, string> = Object.fromEntries(block.split('\n').map((line) => [line.slice(0, line.indexOf(': ')), line.slice(line.indexOf(': ') + 2)]));
          reader.messages.push({ id: fields.id!, event: fields.event!, data: JSON.parse(fields.data!) });
        }
      }
    }
  })().catch(() => undefined);
  return reader;
}

/** `<ms>-<seq>` ids in increasing order, strictly. */
function expectIncreasing(ids: string[]): void {
  const parts = ids.map((id) => id.split('-').map(Number) as [number, number]);
  for (let i = 1; i < parts.length; i++) {
    const [[ms0, seq0], [ms1, seq1]] = [parts[i - 1]!, parts[i]!];
    expect(ms1 > ms0 || (ms1 === ms0 && seq1 > seq0), `${ids[i]} after ${ids[i - 1]}`).toBe(true);
  }
}

const BACKENDS = [
  { backend: 'in memory', env: {} as Record<string, string> },
  { backend: 'on Redis', env: { REDIS_URL, EVENTS_PREFIX: PREFIX } as Record<string, string> },
];

afterAll(async () => {
  const redis = createClient({ url: REDIS_URL });
  await redis.connect();
  for await (const keys of redis.scanIterator({ MATCH: `${PREFIX}*`, COUNT: 1000 })) if (keys.length > 0) await redis.del(keys);
  await redis.close();
});

describe.each(BACKENDS)('service events $backend', ({ backend, env }) => {
  let mocks: TestMocks;
  let token: string;
  let service: string;
  const url = (name: 'my-list' | 'continue-watching' | 'notifications', path: string) => `${mocks.urls[name]}${path}`;
  const userEvents = async (name: 'my-list' | 'continue-watching' | 'notifications', userId: string, after?: string) => {
    const res = await call(url(name, `/events/${userId}${after ? `?after=${after}` : ''}`));
    expect(res.status, res.text).toBe(200);
    return res.body.events as any[];
  };
  const put = (userId: string, contentId: string) => call(url('my-list', `/my-list/${userId}/${contentId}`), { method: 'PUT', token: service });
  const del = (userId: string, contentId: string) => call(url('my-list', `/my-list/${userId}/${contentId}`), { method: 'DELETE', token: service });
  /** A title not on the user's list now. */
  const absentTitle = async (userId: string) => {
    const { body } = await call(url('my-list', `/my-list/${userId}`), { token: service });
    for (let n = 9000; ; n++) if (!body.contentIds.includes(`t_${n}`)) return `t_${n}`;
  };

  let startedAt: number;

  beforeAll(async () => {
    startedAt = Date.now();
    mocks = await startTestMocks({ ...env, EVENTS_KEEP_ALIVE_MS: '200' });
    token = await mocks.serviceToken('u_1');
    service = await mocks.serviceToken('svc-events-test', { scope: 'concierge:service' });
  });
  afterAll(() => mocks?.close());

  describe('continue-watching PUT', () => {
    const progress = (userId: string, contentId: string, body: unknown, as = token) =>
      call(url('continue-watching', `/continue-watching/${userId}/${contentId}`), { method: 'PUT', token: as, body });
    const row = async (userId: string) => (await call(url('continue-watching', `/continue-watching/${userId}`), { token: service })).body.items as any[];
    const runtimeSeconds = async (contentId: string) =>
      (await call(`${mocks.urls.catalog}/titles/${contentId}?fields=runtimeMinutes`, { token })).body.runtimeMinutes * 60;

    it('adds a title the user had not started at the front of the row, with the runtime as totalSeconds, and the GET shows it', async () => {
      const before = await row('u_1');
      const contentId = ['t_4242', 't_4243'].find((id) => !before.some((item) => item.contentId === id))!;
      const res = await progress('u_1', contentId, { progressSeconds: 120 });
      expect(res.status, res.text).toBe(200);
      const totalSeconds = await runtimeSeconds(contentId);
      expect(res.body).toMatchObject({ userId: 'u_1', changed: true, item: { contentId, progressSeconds: 120, totalSeconds } });
      const after = await row('u_1');
      expect(after[0]).toEqual(res.body.item);
      expect(after.slice(1)).toEqual(before);
    });

    it("updates a title already in the row in place of the old entry, keeping its episode, and publishes the change", async () => {
      const [first, second] = await row('u_2');
      const res = await progress('u_2', second.contentId, { progressSeconds: second.progressSeconds + 1 }, service);
      expect(res.body.item).toMatchObject({ ...second, progressSeconds: second.progressSeconds + 1, updatedAt: expect.any(String) });
      const after = await row('u_2');
      expect(after.map((i) => i.contentId).slice(0, 2)).toEqual([second.contentId, first.contentId]);
      expect(after.filter((i) => i.contentId === second.contentId)).toHaveLength(1);
      const [event] = (await userEvents('continue-watching', 'u_2')).slice(-1);
      expect(event).toEqual({ id: expect.any(String), userId: 'u_2', contentId: second.contentId, progressSeconds: second.progressSeconds + 1, totalSeconds: second.totalSeconds, at: expect.any(Number) });
    });

    it('publishes nothing when the progress is the one already stored', async () => {
      await progress('u_3', 't_77', { progressSeconds: 60 }, service);
      const before = await userEvents('continue-watching', 'u_3');
      const res = await progress('u_3', 't_77', { progressSeconds: 60 }, service);
      expect(res.body.changed).toBe(false);
      expect(await userEvents('continue-watching', 'u_3')).toEqual(before);
    });

    it('accepts progress at the runtime and refuses more, negatives and non-integers with 400 VALIDATION_FAILED', async () => {
      const totalSeconds = await runtimeSeconds('t_78');
      expect((await progress('u_1', 't_78', { progressSeconds: totalSeconds })).status).toBe(200);
      for (const body of [{ progressSeconds: totalSeconds + 1 }, { progressSeconds: -1 }, { progressSeconds: 1.5 }, { progressSeconds: '60' }, {}, [60]]) {
        const res = await progress('u_1', 't_78', body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(errorCode(res)).toBe('VALIDATION_FAILED');
      }
      expect((await row('u_1')).find((i) => i.contentId === 't_78').progressSeconds).toBe(totalSeconds);
    });

    it('answers 404 for an unknown title or user, and 403 for another user', async () => {
      const unknownTitle = await progress('u_1', 't_10001', { progressSeconds: 1 });
      expect([unknownTitle.status, errorCode(unknownTitle)]).toEqual([404, 'TITLE_NOT_FOUND']);
      const unknownUser = await progress('u_1001', 't_1', { progressSeconds: 1 }, service);
      expect([unknownUser.status, errorCode(unknownUser)]).toEqual([404, 'NOT_FOUND']);
      const other = await progress('u_2', 't_1', { progressSeconds: 1 });
      expect([other.status, errorCode(other)]).toEqual([403, 'FORBIDDEN']);
    });
  });

  describe('notifications POST', () => {
    const unread = async (userId: string) => (await call(url('notifications', `/notifications/${userId}/unread-count`), { token: service })).body;
    const notify = (userId: string, body: unknown) => call(url('notifications', `/notifications/${userId}`), { method: 'POST', token: service, body });
    const markRead = (userId: string) => call(url('notifications', `/notifications/${userId}/read`), { method: 'POST', token: service });

    it('counts a new notification as unread (201), reading all sets 0, and each change is published with the count', async () => {
      const { unreadCount } = await unread('u_5');
      const created = await notify('u_5', { text: 'A new season of something you watch' });
      expect(created.status, created.text).toBe(201);
      expect(created.body).toMatchObject({ userId: 'u_5', unreadCount: unreadCount + 1 });
      expect(await unread('u_5')).toEqual(created.body);

      const read = await markRead('u_5');
      expect(read.body).toMatchObject({ userId: 'u_5', unreadCount: 0, changed: true });
      expect((await unread('u_5')).unreadCount).toBe(0);
      const again = await markRead('u_5');
      expect(again.body.changed).toBe(false);

      const events = await userEvents('notifications', 'u_5');
      expect(events.map(({ userId, unreadCount: count }) => ({ userId, unreadCount: count }))).toEqual([
        { userId: 'u_5', unreadCount: unreadCount + 1 },
        { userId: 'u_5', unreadCount: 0 },
      ]);
    });

    it('refuses a text that is missing, blank, not a string or over 500 characters with 400 VALIDATION_FAILED, counting nothing', async () => {
      const before = await unread('u_6');
      for (const body of [{}, { text: '  ' }, { text: 42 }, { text: 'x'.repeat(501) }]) {
        const res = await notify('u_6', body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(errorCode(res)).toBe('VALIDATION_FAILED');
      }
      expect(await unread('u_6')).toEqual(before);
      expect(await userEvents('notifications', 'u_6')).toEqual([]);
      expect((await notify('u_6', { text: 'x'.repeat(500) })).status).toBe(201);
    });

    it('answers 404 for an unknown user and 403 for another user', async () => {
      const unknown = await notify('u_1001', { text: 'hi' });
      expect([unknown.status, errorCode(unknown)]).toEqual([404, 'NOT_FOUND']);
      const other = await call(url('notifications', '/notifications/u_2/read'), { method: 'POST', token });
      expect([other.status, errorCode(other)]).toEqual([403, 'FORBIDDEN']);
    });
  });

  describe('my-list events', () => {
    it('publishes one event per change and none for a PUT or DELETE that changes nothing, with increasing ids', async () => {
      const contentId = await absentTitle('u_10');
      for (const step of [put, put, del, del, put]) expect((await step('u_10', contentId)).status).toBe(200);
      const events = await userEvents('my-list', 'u_10');
      expect(events.map(({ userId, contentId: id, inMyList }) => ({ userId, contentId: id, inMyList }))).toEqual([
        { userId: 'u_10', contentId, inMyList: true },
        { userId: 'u_10', contentId, inMyList: false },
        { userId: 'u_10', contentId, inMyList: true },
      ]);
      expectIncreasing(events.map((e) => e.id));
      for (const event of events) expect(Math.abs(event.at - Date.now())).toBeLessThan(60_000);
    });

    it("lists a user's events after an id, oldest first, and no other user's", async () => {
      const contentId = await absentTitle('u_11');
      await put('u_11', contentId);
      await put('u_12', contentId);
      await del('u_11', contentId);
      const all = await userEvents('my-list', 'u_11');
      expect(all.map((e) => e.userId)).toEqual(['u_11', 'u_11']);
      expect(await userEvents('my-list', 'u_11', all[0].id)).toEqual([all[1]]);
      expect(await userEvents('my-list', 'u_11', all[1].id)).toEqual([]);
      expect(await userEvents('my-list', 'u_999')).toEqual([]);
    });
  });

  describe('GET /events', () => {
    it('streams every user\'s events written after it opened, as "change" messages with their ids, and keep-alive comments', async () => {
      const tail = await openTail(url('my-list', '/events'));
      try {
        expect(tail.status).toBe(200);
        expect(tail.headers.get('content-type')).toBe('text/event-stream');
        const contentId = await absentTitle('u_20');
        await put('u_20', contentId);
        await put('u_21', contentId);
        const messages = await tail.waitFor(2);
        expect(messages.map((m) => [m.event, m.data.userId, m.data.contentId, m.data.inMyList])).toEqual([
          ['change', 'u_20', contentId, true],
          ['change', 'u_21', contentId, true],
        ]);
        expect(messages.map((m) => m.id)).toEqual([(await userEvents('my-list', 'u_20')).at(-1).id, (await userEvents('my-list', 'u_21')).at(-1).id]);
        expect(messages[0]!.data).toEqual({ userId: 'u_20', contentId, inMyList: true, at: expect.any(Number) });
        await vi.waitFor(() => expect(tail.comments.length).toBeGreaterThan(0), { timeout: 2_000 });
        expect(tail.comments[0]).toBe(': keep-alive');
      } finally {
        tail.close();
      }
    });

    it('opened with after, replays the retained events after it and then goes live, with no gap and no duplicate while writes go on', async () => {
      const contentIds = Array.from({ length: 31 }, (_, i) => `t_${7000 + i}`);
      await Promise.all(contentIds.map((id) => del('u_30', id)));
      await put('u_30', contentIds[0]!);
      const [first] = (await userEvents('my-list', 'u_30')).slice(-1);
      // Writes in flight while the tail opens: each must reach it once, whether replayed or live.
      const writes = Promise.all(contentIds.slice(1, 30).map((id) => put('u_30', id)));
      const tail = await openTail(url('my-list', `/events?after=${first.id}`));
      try {
        await writes;
        await put('u_30', contentIds[30]!); // surely after the tail opened
        const written = await userEvents('my-list', 'u_30', first.id);
        expect(written).toHaveLength(30);
        const messages = await tail.waitFor(30);
        await new Promise((resolve) => setTimeout(resolve, 300)); // a duplicate would arrive by now
        expect(tail.messages.map((m) => ({ id: m.id, ...m.data }))).toEqual(written);
        expectIncreasing(messages.map((m) => m.id));
      } finally {
        tail.close();
      }
    });

    it('tails continue-watching and notifications the same way', async () => {
      const progressTail = await openTail(url('continue-watching', '/events'));
      const notificationsTail = await openTail(url('notifications', '/events'));
      try {
        await call(url('continue-watching', '/continue-watching/u_40/t_40'), { method: 'PUT', token: service, body: { progressSeconds: 30 } });
        await call(url('notifications', '/notifications/u_40'), { method: 'POST', token: service, body: { text: 'hello' } });
        expect((await progressTail.waitFor(1))[0]!.data).toMatchObject({ userId: 'u_40', contentId: 't_40', progressSeconds: 30 });
        expect((await notificationsTail.waitFor(1))[0]!.data).toMatchObject({ userId: 'u_40', unreadCount: expect.any(Number) });
      } finally {
        progressTail.close();
        notificationsTail.close();
      }
    });

    it('releases its tail when the client disconnects', async () => {
      const log = mocks.events.logOf('notifications');
      await vi.waitFor(() => expect(log.openTails).toBe(0)); // the earlier tests' tails
      const tail = await openTail(url('notifications', '/events'));
      expect(log.openTails).toBe(1);
      tail.close();
      await vi.waitFor(() => expect(log.openTails).toBe(0));
    });
  });

  describe('refusals', () => {
    const routes = ['/events', '/events/u_1'];

    it('answers 410 EVENTS_EXPIRED for an id older than the retention window', async () => {
      for (const route of routes) {
        const res = await call(url('my-list', `${route}?after=${Date.now() - 900_000 - 60_000}-0`));
        expect([res.status, errorCode(res)], route).toEqual([410, 'EVENTS_EXPIRED']);
      }
    });

    it('answers an id from before the mocks started with 410 in memory (its events died with the previous process), and resumes from it on Redis', async () => {
      const after = `${startedAt - 1}-0`;
      const list = await call(url('my-list', `/events/u_1?after=${after}`));
      const tail = await openTail(url('my-list', `/events?after=${after}`));
      tail.close();
      const expected = backend === 'in memory' ? 410 : 200;
      expect([list.status, tail.status]).toEqual([expected, expected]);
    });

    it('answers 400 BAD_EVENT_ID for a malformed id or one in the future', async () => {
      for (const route of routes) {
        for (const after of ['abc', '123', '1-2-3', '-1-0', '', `${Date.now() + 60_000}-0`]) {
          const res = await call(url('my-list', `${route}?after=${encodeURIComponent(after)}`));
          expect([res.status, errorCode(res)], `${route}?after=${after}`).toEqual([400, 'BAD_EVENT_ID']);
        }
      }
    });

    it('serves the event routes without a token, never delayed or faulted, and counts them', async () => {
      await mocks.resetCounters();
      await mocks.setFaults('my-list', { errorStatus: 503, latencyMs: 1_500 });
      try {
        const started = Date.now();
        expect((await call(url('my-list', '/events/u_1'))).status).toBe(200);
        const tail = await openTail(url('my-list', '/events'));
        tail.close();
        expect(tail.status).toBe(200);
        expect(Date.now() - started).toBeLessThan(1_000);
        expect((await call(url('my-list', '/my-list/u_1'), { token })).status).toBe(503);
      } finally {
        await mocks.clearFaults();
      }
      expect((await mocks.counters('my-list')).routes).toEqual({ 'GET /events': 1, 'GET /events/{userId}': 1, 'GET /my-list/{userId}': 1 });
    });
  });

  if (backend === 'on Redis') {
    it('appends to the service stream and the user stream with the same id, the user stream expiring after twice the retention', async () => {
      const contentId = await absentTitle('u_50');
      await put('u_50', contentId);
      const [event] = await userEvents('my-list', 'u_50');
      const redis = createClient({ url: REDIS_URL });
      await redis.connect();
      try {
        const [inService] = (await redis.xRange(`${PREFIX}my-list`, event.id, event.id)) ?? [];
        const [inUser] = (await redis.xRange(`${PREFIX}my-list:user:u_50`, event.id, event.id)) ?? [];
        const { id, ...fields } = event;
        expect(JSON.parse(inService!.message.e!)).toEqual(fields);
        expect(inUser).toEqual(inService);
        const ttl = await redis.pTTL(`${PREFIX}my-list:user:u_50`);
        expect(ttl).toBeGreaterThan(2 * 900_000 - 60_000);
        expect(ttl).toBeLessThanOrEqual(2 * 900_000);
      } finally {
        await redis.close();
      }
    });
  }
});

describe.each(BACKENDS)('the retention window $backend', ({ backend, env }) => {
  let mocks: TestMocks;
  let service: string;
  const RETENTION_MS = 1_000;

  beforeAll(async () => {
    mocks = await startTestMocks({ ...env, EVENTS_RETENTION_MS: String(RETENTION_MS), EVENTS_MAX_PER_USER: '3', EVENTS_PREFIX: `${PREFIX}short:` });
    service = await mocks.serviceToken('svc-events-test', { scope: 'concierge:service' });
  });
  afterAll(() => mocks?.close());

  const notify = (userId: string) => call(`${mocks.urls.notifications}/notifications/${userId}`, { method: 'POST', token: service, body: { text: 'hi' } });
  const read = (userId: string, after?: string) => call(`${mocks.urls.notifications}/events/${userId}${after ? `?after=${after}` : ''}`);

  it('drops events older than EVENTS_RETENTION_MS; an id among them is then 410', async () => {
    await notify('u_60');
    const [old] = (await read('u_60')).body.events;
    await new Promise((resolve) => setTimeout(resolve, RETENTION_MS + 100));
    await notify('u_60');
    const { events } = (await read('u_60')).body;
    expect(events).toHaveLength(1);
    expect(events[0].id).not.toBe(old.id);
    const expired = await read('u_60', old.id);
    expect([expired.status, errorCode(expired)]).toEqual([410, 'EVENTS_EXPIRED']);
  });

  if (backend === 'in memory') {
    it('keeps at most EVENTS_MAX_PER_USER events per user; an id before the dropped ones is then 410', async () => {
      const tail = await openTail(`${mocks.urls.notifications}/events`);
      try {
        for (let i = 0; i < 5; i++) expect((await notify('u_61')).status).toBe(201);
        const ids = (await tail.waitFor(5)).map((m) => m.id);
        const { events } = (await read('u_61')).body;
        expect(events.map((e: any) => e.id)).toEqual(ids.slice(2));
        const tooOld = await read('u_61', ids[0]);
        expect([tooOld.status, errorCode(tooOld)]).toEqual([410, 'EVENTS_EXPIRED']);
        expect((await read('u_61', ids[1])).body.events).toEqual(events);
      } finally {
        tail.close();
      }
    });
  }
});

describe('a Redis outage', () => {
  let redis: OwnRedis;
  let mocks: TestMocks;
  let service: string;

  beforeAll(async () => {
    redis = await startOwnRedis();
    mocks = await startTestMocks({ REDIS_URL: redis.url });
    service = await mocks.serviceToken('svc-events-test', { scope: 'concierge:service' });
  });
  afterAll(async () => {
    await mocks?.close();
    await redis?.close();
  });

  const notify = () => call(`${mocks.urls.notifications}/notifications/u_70`, { method: 'POST', token: service, body: { text: 'hi' } });

  it('refuses to start the mocks when REDIS_URL does not answer', async () => {
    await expect(startTestMocks({ REDIS_URL: 'redis://127.0.0.1:1' })).rejects.toThrow(/REDIS_URL: cannot connect to Redis/);
  });

  it('answers 503 EVENTS_UNAVAILABLE while Redis is down, ends open tails, and publishes again once it is back', async () => {
    const tail = await openTail(`${mocks.urls.notifications}/events`);
    expect((await notify()).status).toBe(201);
    await tail.waitFor(1);

    await redis.kill();
    const ended = await vi.waitFor(async () => {
      const res = await fetch(`${mocks.urls.notifications}/events/u_70`);
      expect(res.status).toBe(503);
      return res.json();
    });
    expect(ended.error.code).toBe('EVENTS_UNAVAILABLE');
    const write = await notify();
    expect([write.status, errorCode(write)]).toEqual([503, 'EVENTS_UNAVAILABLE']);
    for (const query of ['', `?after=${tail.messages[0]!.id}`]) {
      const openWhileDown = await call(`${mocks.urls.notifications}/events${query}`);
      expect([openWhileDown.status, errorCode(openWhileDown)], query).toEqual([503, 'EVENTS_UNAVAILABLE']);
    }
    await vi.waitFor(() => expect(mocks.events.logOf('notifications').openTails).toBe(0));

    await redis.start();
    await vi.waitFor(async () => expect((await notify()).status).toBe(201), { timeout: 10_000, interval: 200 });
    const { events } = (await call(`${mocks.urls.notifications}/events/u_70`)).body;
    expect(events).toHaveLength(1); // this Redis keeps nothing across a restart: only the write after it
  });
});
