import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import { createMobileBff } from '../../bffs/mobile/bff.ts';
import { MOBILE_PERIMETER, MOBILE_POLICY } from '../../bffs/mobile/policy.ts';
import { pino } from 'pino';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { TEST_NOW, testConfig } from '../support/bffs.ts';
import { operation } from '../support/documents.ts';
import { fetchOver } from '../support/served.ts';

/**
 * One viewer, or one address, cannot starve the others of in-flight work: the bulkheads and the
 * load shedder are shared by everyone, and the budgets count cost per minute, not what is in
 * flight now. Users is slowed so a burst would fill its bulkhead; the response cache is off
 * (testConfig), so every home reaches the services.
 */
const HOME = operation('mobile', 'MobileHome');
const BURST = 100;
const VICTIM_HOMES = 10;
const USERS_DELAY_MS = 600;
const { viewer: VIEWER_CAP, ip: ADDRESS_CAP } = MOBILE_PERIMETER.inFlight;

let mocks: TestMocks;
const tokens = new Map<string, string>();
beforeAll(async () => {
  mocks = await startTestMocks();
});
afterAll(() => mocks.close());
afterEach(() => mocks.clearFaults());

async function tokenOf(sub: string): Promise<string> {
  let token = tokens.get(sub);
  if (!token) tokens.set(sub, (token = await mocks.token(sub)));
  return token;
}

function mobileBff(): Bff {
  return createMobileBff(testConfig(mocks.urls, { trustedProxyHops: 1 }), {
    clock: () => new Date(TEST_NOW),
    logger: pino({ level: 'silent' }),
    // The deadline outlasts the slowed users service on a busy machine (a full bulkhead fails at
    // once, whatever the deadline); the shedder (256 in flight) is the policy's.
    policy: { deadlineMs: 3_000, shedding: { ...MOBILE_POLICY.shedding, maxEventLoopDelayMs: 10_000 } },
  });
}

type Transport = 'fast lane' | 'yoga';

/** One MobileHome as `sub` from `address` (the trusted proxy's X-Forwarded-For), over the fast lane (node:http) or yoga alone. */
async function home(bff: Bff, transport: Transport, sub: string, address: string) {
  const init = {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${await tokenOf(sub)}`, 'x-forwarded-for': address },
    body: JSON.stringify({ query: HOME }),
  };
  const response = transport === 'fast lane' ? await fetchOver(bff, '/graphql', init) : await bff.fetch('http://bff/graphql', init);
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

type Answer = Awaited<ReturnType<typeof home>>;

/** A whole home: every field drawn, no error. */
function expectFullHome(answer: Answer) {
  const errors = JSON.stringify(answer.body.errors?.map((error: any) => error.extensions));
  expect(answer.status, errors).toBe(200);
  expect(answer.body.errors, errors).toBeUndefined();
  expect(answer.body.data.home.profile.name).toEqual(expect.any(String));
  expect(answer.body.data.home.rows.map((row: { id: string }) => row.id)).toEqual(['continue-watching', 'my-list', 'top-picks']);
}

/**
 * Each answer of a burst is a home (drawn as fully as the slowed services and the machine allow:
 * its completeness is not what is tested) or the in-flight refusal, 429 with Retry-After.
 */
function refusalsOf(burst: Answer[], limit: 'viewer' | 'ip', max: number): Answer[] {
  const refused = burst.filter((answer) => answer.status !== 200);
  for (const answer of refused) {
    expect(answer.status, JSON.stringify(answer.body.errors?.[0]?.extensions)).toBe(429);
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(answer.body.errors[0].extensions).toMatchObject({ code: 'TOO_MANY_IN_FLIGHT', limit, max });
  }
  return refused;
}

/** Sends the burst, lets it reach the services, then sends the victim's homes beside it. */
async function beside(burst: () => Promise<Answer>[], victim: () => Promise<Answer>[]) {
  const flood = burst();
  await new Promise((resolve) => setTimeout(resolve, USERS_DELAY_MS / 3));
  const victims = await Promise.all(victim());
  return { victims, flood: await Promise.all(flood) };
}

describe.each<Transport>(['fast lane', 'yoga'])('fair share of in-flight work (%s)', (transport) => {
  // A's burst comes from as many addresses (a phone hopping networks, or a script): the viewer's own cap holds it.
  test(`one viewer's ${BURST} concurrent homes, within its cost budget, leave another viewer's ${VICTIM_HOMES} concurrent homes whole`, async () => {
    expect(BURST * 56).toBeLessThanOrEqual(MOBILE_PERIMETER.rateLimits.viewer.points); // within budget: no 429 RATE_LIMITED explains it
    const bff = mobileBff();
    try {
      // Both viewers have used the app: their tokens are verified and exchanged, the pools are warm.
      await home(bff, transport, 'u_1', '203.0.113.7');
      await home(bff, transport, 'u_2', '198.51.100.9');
      await mocks.setFaults('users', { latencyMs: USERS_DELAY_MS });

      const { victims, flood } = await beside(
        () => Array.from({ length: BURST }, (_, i) => home(bff, transport, 'u_1', `203.0.113.${i + 1}`)),
        () => Array.from({ length: VICTIM_HOMES }, () => home(bff, transport, 'u_2', '198.51.100.9')),
      );
      for (const answer of victims) expectFullHome(answer);
      const refused = refusalsOf(flood, 'viewer', VIEWER_CAP);
      expect(flood.length - refused.length).toBeGreaterThanOrEqual(VIEWER_CAP);
      expect(refused.length).toBeGreaterThan(0);

      // Every slot came back, the refused ones' included: the viewer again gets its full share at once.
      await mocks.clearFaults();
      const again = await Promise.all(Array.from({ length: VIEWER_CAP }, (_, i) => home(bff, transport, 'u_1', `203.0.113.${i + 1}`)));
      for (const answer of again) expectFullHome(answer);
    } finally {
      await bff.close();
    }
  });

  test(`one address's ${BURST} concurrent homes from ${BURST} viewers leave another address's viewer whole`, async () => {
    const bff = mobileBff();
    const crowd = Array.from({ length: BURST }, (_, i) => `u_${i + 11}`);
    try {
      // Every viewer has used the app (verified, exchanged tokens), a few at a time.
      for (let i = 0; i < crowd.length; i += 10) await Promise.all(crowd.slice(i, i + 10).map((sub) => home(bff, transport, sub, '203.0.113.7')));
      await home(bff, transport, 'u_2', '198.51.100.9');
      await mocks.setFaults('users', { latencyMs: USERS_DELAY_MS });

      const { victims, flood } = await beside(
        () => crowd.map((sub) => home(bff, transport, sub, '203.0.113.7')),
        () => Array.from({ length: VICTIM_HOMES }, () => home(bff, transport, 'u_2', '198.51.100.9')),
      );
      for (const answer of victims) expectFullHome(answer);
      const refused = refusalsOf(flood, 'ip', ADDRESS_CAP);
      expect(flood.length - refused.length).toBeGreaterThanOrEqual(ADDRESS_CAP);
      expect(refused.length).toBeGreaterThan(0);
    } finally {
      await bff.close();
    }
  });
});

/**
 * A request over its cap is refused on its headers, before its body is read: the address's slot,
 * and the viewer's when its bearer token was verified before, are taken first (perimeter/index.ts,
 * screening), so a burst's excess costs neither a body read and parse, nor a document look-up,
 * nor the address's budget.
 */
describe.each<Transport>(['fast lane', 'yoga'])('the excess is refused before its body is read (%s)', (transport) => {
  const CAPS = { viewer: 1, ip: 2 };
  function cappedBff(): Bff {
    return createMobileBff(testConfig(mocks.urls, { trustedProxyHops: 1 }), {
      clock: () => new Date(TEST_NOW),
      logger: pino({ level: 'silent' }),
      policy: { deadlineMs: 5_000 },
      perimeter: { inFlight: CAPS },
    });
  }

  /** A POST to /graphql with `body` as it is, as `sub` from `address`. */
  async function post(bff: Bff, sub: string, address: string, body: BodyInit) {
    const init: RequestInit & { duplex?: 'half' } = {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${await tokenOf(sub)}`, 'x-forwarded-for': address },
      body,
      duplex: 'half',
    };
    const response = transport === 'fast lane' ? await fetchOver(bff, '/graphql', init) : await bff.fetch('http://bff/graphql', init);
    return { status: response.status, headers: response.headers, body: (await response.json()) as any };
  }

  /** Homes that stay in flight (users is slowed) until `users` has been called for each: their slots are taken. */
  async function holding(bff: Bff, who: [sub: string, address: string][]) {
    await mocks.resetCounters();
    await mocks.setFaults('users', { latencyMs: USERS_DELAY_MS * 2 });
    const held = who.map(([sub, address]) => post(bff, sub, address, JSON.stringify({ query: HOME })));
    while ((await mocks.counters('users')).total < who.length) await new Promise((resolve) => setTimeout(resolve, 10));
    return held;
  }

  /** A body that is never finished: a request that waited for it would never be answered. */
  const neverEnding = () => new ReadableStream<Uint8Array>({ start: (controller) => controller.enqueue(new TextEncoder().encode('{"query": "{ home { ')) });

  test(`a viewer over its cap is refused 429 whatever its body: unparsable, unfinished, naming no document`, async () => {
    const bff = cappedBff();
    try {
      await post(bff, 'u_1', '203.0.113.7', JSON.stringify({ query: HOME })); // its token is verified: the viewer is known on the headers
      const held = await holding(bff, [['u_1', '203.0.113.7']]);
      for (const body of ['{"query": ', JSON.stringify({ documentId: 'sha256:0' }), neverEnding()]) {
        const refused = await post(bff, 'u_1', '203.0.113.7', body);
        expect(refused.status, JSON.stringify(refused.body)).toBe(429);
        expect(refused.body.errors[0].extensions).toMatchObject({ code: 'TOO_MANY_IN_FLIGHT', limit: 'viewer', max: CAPS.viewer });
      }
      for (const answer of await Promise.all(held)) expectFullHome(answer);
      // The slot came back: the same unparsable body is now read, and refused for what it is.
      await mocks.clearFaults();
      const read = await post(bff, 'u_1', '203.0.113.7', '{"query": ');
      expect(read.status).toBe(400);
      expect(read.body.errors[0].extensions.code).toBe('BAD_REQUEST');
    } finally {
      await bff.close();
    }
  });

  test('an address over its cap is refused 429 before its body is read, its token unverified', async () => {
    const bff = cappedBff();
    try {
      const held = await holding(bff, [['u_1', '203.0.113.7'], ['u_2', '203.0.113.7']]);
      // u_3 has never been seen: its token is not verified for it, and its body never ends.
      const refused = await post(bff, 'u_3', '203.0.113.7', neverEnding());
      expect(refused.status, JSON.stringify(refused.body)).toBe(429);
      expect(refused.body.errors[0].extensions).toMatchObject({ code: 'TOO_MANY_IN_FLIGHT', limit: 'ip', max: CAPS.ip });
      for (const answer of await Promise.all(held)) expectFullHome(answer);
    } finally {
      await bff.close();
    }
  });

  test("a refused request spends none of the address's budget", async () => {
    const bff = cappedBff();
    try {
      const remainingOf = (headers: Headers) => Number(/"ip";r=(\d+)/.exec(headers.get('ratelimit') ?? '')?.[1]);
      const first = await post(bff, 'u_1', '203.0.113.7', JSON.stringify({ query: HOME }));
      const cost = Number(/"ip";q=(\d+)/.exec(first.headers.get('ratelimit-policy') ?? '')?.[1]) - remainingOf(first.headers);
      expect(cost).toBeGreaterThan(0);
      const held = await holding(bff, [['u_1', '203.0.113.7']]);
      for (let i = 0; i < 5; i++) expect((await post(bff, 'u_1', '203.0.113.7', JSON.stringify({ query: HOME }))).status).toBe(429);
      expectFullHome((await Promise.all(held))[0]!);
      await mocks.clearFaults();
      // The held home and this one spent one cost each since the first, the five refused ones none.
      const next = await post(bff, 'u_1', '203.0.113.7', JSON.stringify({ query: HOME }));
      expectFullHome(next);
      expect(remainingOf(next.headers)).toBe(remainingOf(first.headers) - 2 * cost);
    } finally {
      await bff.close();
    }
  });
});
