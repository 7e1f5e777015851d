import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import { startTestStack, type TestStack } from '../support/bffs.ts';
import { operation } from '../support/documents.ts';
import { SHIPPED, trimmed, viewersSpeaking } from './support.ts';

/**
 * Each client answers in the viewer's locale: Accept-Language looked up against its locales
 * (RFC 4647), else the profile's language, else en-US; Content-Language says which, and Vary
 * names Accept-Language. A German, a Japanese and an Arabic viewer each get their home, title and
 * (web) account localised: the snapshots are what they see.
 */
const FULL_TV = { 'x-device-drm': 'playready', 'x-device-capabilities': 'uhd,hdr,atmos,ambient' };
const HOMES = [
  { client: 'web', name: 'WebHome', headers: {} },
  { client: 'mobile', name: 'MobileHome', headers: {} },
  { client: 'tv', name: 'TvHome', headers: FULL_TV },
] as const;

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.close());

const bffOf = (client: 'web' | 'mobile' | 'tv'): Bff => stack[client];
const ask = (client: 'web' | 'mobile' | 'tv', name: string, headers: Record<string, string>, options: { sub?: string; variables?: Record<string, unknown> } = {}) =>
  stack.graphql(bffOf(client), operation(client, name), { headers, ...options });

describe('each client answers in each shipped locale', () => {
  for (const { client, name, headers } of HOMES) {
    for (const locale of SHIPPED) {
      test(`${client} ${name} in ${locale}`, async () => {
        const { status, headers: answered, body } = await ask(client, name, { ...headers, 'accept-language': locale });
        expect(status).toBe(200);
        expect(answered.get('content-language')).toBe(locale);
        expect(answered.get('vary')).toMatch(/\bAccept-Language\b/);
        expect(trimmed(body)).toMatchSnapshot();
      });
    }
  }

  /** A movie and a series, the first of each in the seeded catalog. */
  let titles: string[];
  beforeAll(async () => {
    const kinds = new Map<string, string>();
    for (let n = 1; n <= 30 && kinds.size < 2; n++) {
      const { body } = await ask('mobile', 'MobileTitle', { 'accept-language': 'en-US' }, { variables: { id: `t_${n}` } });
      if (body.data?.title && !kinds.has(body.data.title.kind)) kinds.set(body.data.title.kind, `t_${n}`);
    }
    titles = [kinds.get('MOVIE')!, kinds.get('SERIES')!];
  });

  for (const locale of SHIPPED) {
    test(`mobile MobileTitle (durationText of a movie and of a series) in ${locale}`, async () => {
      const answers = await Promise.all(titles.map((id) => ask('mobile', 'MobileTitle', { 'accept-language': locale }, { variables: { id } })));
      for (const answer of answers) expect(answer.headers.get('content-language')).toBe(locale);
      expect(answers.map((answer) => answer.body.data.title.durationText)).toMatchSnapshot();
    });

    test(`web WebAccount (price, next billing date, invoices) in ${locale}`, async () => {
      const { headers, body } = await ask('web', 'WebAccount', { 'accept-language': locale });
      expect(headers.get('content-language')).toBe(locale);
      expect(body.data.account.billing).toMatchSnapshot();
    });
  }

  test('Arabic is written with its own digits and plural forms, German and Japanese with theirs', async () => {
    const arabic = await ask('mobile', 'MobileHome', { 'accept-language': 'ar-EG' });
    const subtitles: string[] = arabic.body.data.home.rows.find((row: any) => row.id === 'continue-watching').items.map((item: any) => item.subtitle);
    for (const subtitle of subtitles) expect(subtitle).not.toMatch(/[0-9]/);
    expect(subtitles.join(' ')).toMatch(/[٠-٩]/);
    const account = await ask('web', 'WebAccount', { 'accept-language': 'de-DE' });
    expect(account.body.data.account.billing.price).toMatch(/ \/ Monat$/);
  });
});

describe('negotiation', () => {
  const locale = async (headers: Record<string, string>, sub?: string) => (await ask('mobile', 'MobileHome', headers, { sub })).headers.get('content-language');

  test('Accept-Language is looked up range by range, best quality first, each range shortened until it matches', async () => {
    expect(await locale({ 'accept-language': 'de-AT' })).toBe('de-DE');
    expect(await locale({ 'accept-language': 'fr-CA, fr;q=0.9, ja;q=0.8, de;q=0.7' })).toBe('ja-JP');
    expect(await locale({ 'accept-language': 'de;q=0.2, ar-SA;q=0.9' })).toBe('ar-EG');
    expect(await locale({ 'accept-language': 'de;q=0, ja' })).toBe('ja-JP');
  });

  test('without a supported range, the viewer\'s profile language decides, else en-US; a broken header is no range', async () => {
    const [german] = await viewersSpeaking(stack.mocks, 'de');
    const [french] = await viewersSpeaking(stack.mocks, 'fr');
    expect(await locale({}, german)).toBe('de-DE');
    expect(await locale({ 'accept-language': 'fr-FR, *;q=0.1' }, german)).toBe('de-DE');
    expect(await locale({ 'accept-language': ';;;,=q' }, german)).toBe('de-DE');
    expect(await locale({}, french)).toBe('en-US');
    const home = await ask('mobile', 'MobileHome', {}, { sub: german });
    expect(home.body.data.home.rows[0].title).toBe('Weiterschauen');
  });

  test('the profile costs no call of its own: a home reads the users service once, whatever decides the locale', async () => {
    const [german] = await viewersSpeaking(stack.mocks, 'de');
    for (const headers of [{}, { 'accept-language': 'ja' }] as Record<string, string>[]) {
      await stack.mocks.resetCounters();
      await ask('mobile', 'MobileHome', headers, { sub: german });
      expect((await stack.mocks.counters('users')).total).toBe(1);
    }
  });
});
