import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { pino } from 'pino';
import { createMobileBff } from '../../bffs/mobile/bff.ts';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import type { BffConfig } from '../../bffs/kit/config.ts';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { TEST_NOW, testConfig } from '../support/bffs.ts';
import { documentId } from '../support/documents.ts';
import { raw } from '../support/raw-http.ts';
import { originOf } from '../support/served.ts';
import { eventually, flagsFile, topPicksSize } from '../flags/support.ts';
import { viewersSpeaking } from '../locale/support.ts';

/**
 * No answer crosses locales or flag variants in any cache: the response cache (in process, and
 * the real Redis two replicas share), the ETag a client revalidates with, and Vary for the caches
 * between. Each case runs on both transports (the fast lane and yoga's, FAST_LANE=off), since the
 * variation reaches the cache through the one lifecycle both run.
 */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const HOME = documentId('mobile', 'MobileHome');
const TITLE = documentId('mobile', 'MobileTitle');

let mocks: TestMocks;
const tokens = new Map<string, string>();
const built: Bff[] = [];
let german: string;
let french: string;

beforeAll(async () => {
  mocks = await startTestMocks();
  german = (await viewersSpeaking(mocks, 'de'))[0]!;
  french = (await viewersSpeaking(mocks, 'fr'))[0]!;
});
afterAll(async () => {
  await Promise.all(built.map((bff) => bff.close()));
  await mocks?.close();
});

/** A BFF that has answered once already: a cold process's first home (JWKS, pools) may miss its lists' cutoff, and a partial answer is never cached. */
async function mobile(config: Partial<BffConfig>): Promise<Bff> {
  const bff = createMobileBff(testConfig(mocks.urls, { responseCache: true, ...config }), {
    clock: () => new Date(TEST_NOW),
    logger: pino({ level: 'silent' }),
    policy: { shedding: { maxInFlight: 1_000, maxEventLoopDelayMs: 10_000 } },
  });
  built.push(bff);
  await get(bff, HOME, 'u_9', { 'accept-language': 'en-US' });
  return bff;
}

/** A GET by document id (so a matching ETag answers 304), as `sub`, with the request's own headers. */
async function get(bff: Bff, id: string, sub: string, headers: Record<string, string> = {}, variables?: object) {
  let token = tokens.get(sub);
  if (!token) tokens.set(sub, (token = await mocks.token(sub)));
  const query = new URLSearchParams({ documentId: id, ...(variables ? { variables: JSON.stringify(variables) } : {}) });
  const response = await raw(`${await originOf(bff)}/graphql?${query}`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json', 'x-client-version': '1.1.0', ...headers } });
  return { ...response, json: response.status === 200 ? JSON.parse(response.body.toString('utf8')) : undefined };
}

const firstRowTitle = (answer: { json: any }) => answer.json.data.home.rows[0].title;
const topPicks = (answer: { json: any }) => answer.json.data.home.rows.find((row: any) => row.id === 'top-picks').items.length;

const STORES = [
  ['in process', () => ({})],
  ['in the real Redis', () => ({ redisUrl: REDIS_URL, deployId: `variation-${randomUUID()}` })],
] as const;
const LANES = [
  ['the fast lane', true],
  ["yoga's lane", false],
] as const;

describe.each(STORES)('the response cache %s', (_, store) => {
  describe.each(LANES)('on %s', (__, fastLane) => {
    test('a viewer\'s home in one locale is never the answer in another, and each is cached on its own', async () => {
      const bff = await mobile({ fastLane, ...store() });
      const de = await get(bff, HOME, 'u_1', { 'accept-language': 'de-DE' });
      const ja = await get(bff, HOME, 'u_1', { 'accept-language': 'ja-JP' });
      expect([de.headers['content-language'], firstRowTitle(de)]).toEqual(['de-DE', 'Weiterschauen']);
      expect([ja.headers['content-language'], firstRowTitle(ja)]).toEqual(['ja-JP', '視聴中の作品']);
      expect(ja.headers.vary).toMatch(/\bAccept-Language\b/);
      // Each is kept: asked again, each locale is a hit (Age) with its own body and Content-Language.
      await eventually(async () => (await get(bff, HOME, 'u_1', { 'accept-language': 'de-DE' })).headers.age !== undefined);
      const again = await get(bff, HOME, 'u_1', { 'accept-language': 'de-DE' });
      expect([again.headers.age !== undefined, again.headers['content-language'], again.body.equals(de.body)]).toEqual([true, 'de-DE', true]);
      const jaAgain = await get(bff, HOME, 'u_1', { 'accept-language': 'ja-JP' });
      expect([jaAgain.headers['content-language'], jaAgain.body.equals(ja.body)]).toEqual(['ja-JP', true]);
    });

    test('an ETag from one locale never revalidates the answer in another', async () => {
      const bff = await mobile({ fastLane, ...store() });
      const de = await get(bff, HOME, 'u_1', { 'accept-language': 'de-DE' });
      expect(de.headers.etag).toBeDefined();
      expect((await get(bff, HOME, 'u_1', { 'accept-language': 'de-DE', 'if-none-match': de.headers.etag! })).status).toBe(304);
      const ja = await get(bff, HOME, 'u_1', { 'accept-language': 'ja-JP', 'if-none-match': de.headers.etag! });
      expect([ja.status, ja.headers['content-language']]).toEqual([200, 'ja-JP']);
      expect(ja.headers.etag).not.toBe(de.headers.etag);
    });

    test('a PUBLIC answer (a title) is shared within a locale, never across: by Accept-Language, and by profile language', async () => {
      const bff = await mobile({ fastLane, ...store() });
      const byHeader = await Promise.all([get(bff, TITLE, 'u_1', { 'accept-language': 'de-DE' }, { id: 't_42' }), get(bff, TITLE, 'u_2', { 'accept-language': 'ja-JP' }, { id: 't_42' })]);
      expect(byHeader.map((answer) => answer.headers['content-language'])).toEqual(['de-DE', 'ja-JP']);
      expect(byHeader[0].json.data.title.durationText).not.toBe(byHeader[1].json.data.title.durationText);
      const germanProfile = await get(bff, TITLE, german, {}, { id: 't_42' });
      const frenchProfile = await get(bff, TITLE, french, {}, { id: 't_42' });
      expect([germanProfile.headers['content-language'], frenchProfile.headers['content-language']]).toEqual(['de-DE', 'en-US']);
      expect(frenchProfile.json.data.title.durationText).toMatch(/ min$/);
      // The German profile's answer, from the cache, still says so.
      const cached = await get(bff, TITLE, german, {}, { id: 't_42' });
      expect([cached.headers['content-language'], cached.json.data.title.durationText]).toEqual(['de-DE', germanProfile.json.data.title.durationText]);
    });

    test('two viewers in different variants never get each other\'s answer, and a viewer moved to another variant gets a fresh one at once', async () => {
      const small = { ...topPicksSize('control'), targeting: { if: [{ '==': [{ var: 'targetingKey' }, 'u_1'] }, 'small', 'control'] } };
      const file = flagsFile({ 'top-picks-size': small });
      const bff = await mobile({ fastLane, flags: true, flagsFile: file.path, ...store() });
      const one = await get(bff, HOME, 'u_1');
      const two = await get(bff, HOME, 'u_2');
      expect([one.json.extensions.experiments, topPicks(one)]).toEqual([{ 'top-picks-size': 'small' }, 12]);
      expect([two.json.extensions.experiments, topPicks(two)]).toEqual([{ 'top-picks-size': 'control' }, 20]);
      await eventually(async () => (await get(bff, HOME, 'u_1')).headers.age !== undefined);
      expect(topPicks(await get(bff, HOME, 'u_1'))).toBe(12);

      // u_1 moves to control: the cached small answer (max-age 60) is not served, and its tag no longer revalidates.
      file.writeFlags({ 'top-picks-size': topPicksSize('control') });
      expect(await eventually(async () => (await get(bff, HOME, 'u_1')).json.extensions.experiments['top-picks-size'] === 'control')).toBe(true);
      const moved = await get(bff, HOME, 'u_1', { 'if-none-match': one.headers.etag! });
      expect([moved.status, topPicks(moved)]).toEqual([200, 20]);
    });
  });
});
