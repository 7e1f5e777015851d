import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestStack, type TestStack } from '../support/bffs.ts';
import { operation } from '../support/documents.ts';
import { createLocaleWing } from '../../bffs/kit/locale/wing.ts';

/**
 * The pseudo-locale en-XA (development and tests only) answers every catalog message accented
 * and bracketed. Asked in en-XA, any string of an answer that is neither bracketed nor content
 * (a title's name, a synopsis, a brand badge: the catalog's and the services' own text) nor a
 * machine value (ids, URLs, dates, enums) escaped localisation: this lists them.
 */
const FULL_TV = { 'x-device-drm': 'playready', 'x-device-capabilities': 'uhd,hdr,atmos,ambient' };
const ASKED = [
  { client: 'web', name: 'WebHome', headers: {}, variables: undefined },
  { client: 'web', name: 'WebAccount', headers: {}, variables: undefined },
  { client: 'web', name: 'WebTitle', headers: {}, variables: { id: 't_42' } },
  { client: 'mobile', name: 'MobileHome', headers: {}, variables: undefined },
  { client: 'mobile', name: 'MobileTitle', headers: {}, variables: { id: 't_42' } },
  { client: 'tv', name: 'TvHome', headers: FULL_TV, variables: undefined },
  { client: 'tv', name: 'TvTitle', headers: FULL_TV, variables: { id: 't_42' } },
] as const;

/** Fields whose text is content (from the catalog, users, billing, reviews as they are) or formatted by Intl, not by a message. */
const CONTENT = /(\.items\[\]\.title|\.hero\.title|^title\.title|\.synopsis|\.tagline|\.genres\[\]|\.maturityRating|\.maturityBadge|\.badges\[\]|\.name|\.character|\.authorName|\.headline|\.body|\.email|\.language|\.country|\.plan|\.brand|\.last4|\.status|\.tier|\.label|\.amount|DateText|\.issuedAtText|\.drmSystem|\.id|\.contentId|Cursor)$/;
/** Values no one translates: ids, URLs, ISO dates, enum values, digits. */
const MACHINE = /^(https?:\/\/|[a-z]+_[A-Za-z0-9_-]+$|\d{4}-\d{2}-\d{2}|[A-Z0-9_-]+$|[\d.,:\s]*$)/;

/** Every string of the answer not localised: `path: value`. */
function unlocalised(value: unknown, path = ''): string[] {
  if (typeof value === 'string') {
    if (/^\[.*\]$/s.test(value) || CONTENT.test(path) || MACHINE.test(value)) return [];
    return [`${path}: ${value}`];
  }
  if (Array.isArray(value)) return value.flatMap((item) => unlocalised(item, `${path}[]`));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => (key === '__typename' ? [] : unlocalised(item, path ? `${path}.${key}` : key)));
  return [];
}

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.close());

const ask = ({ client, name, headers, variables }: (typeof ASKED)[number], locale: string) =>
  stack.graphql(stack[client], operation(client, name), { headers: { ...headers, 'accept-language': locale }, variables });

describe('the pseudo-locale en-XA', () => {
  for (const asked of ASKED) {
    test(`${asked.client} ${asked.name}: no string escaped localisation`, async () => {
      const { status, headers, body } = await ask(asked, 'en-XA');
      expect(status).toBe(200);
      expect(headers.get('content-language')).toBe('en-XA');
      expect(unlocalised(body.data)).toEqual([]);
    });
  }

  test('the same check finds the English strings of an en-US answer (it is not a check that cannot fail)', async () => {
    const { body } = await ask(ASKED[3], 'en-US');
    expect(unlocalised(body.data)).toEqual(expect.arrayContaining(['home.rows[].title: Continue Watching', 'home.rows[].title: My List']));
    expect(unlocalised(body.data).some((line) => /\.subtitle: \d+ min left$/.test(line))).toBe(true);
  });

  test('pseudo-localised text keeps its arguments and plural forms', async () => {
    const { body } = await ask(ASKED[3], 'en-XA');
    const watching = body.data.home.rows.find((row: any) => row.id === 'continue-watching');
    expect(watching.title).toBe('[Çöñţîñûé Ŵàţçĥîñĝ]');
    for (const item of watching.items) expect(item.subtitle).toMatch(/^\[(Š\d+ É\d+|\d+ ɱîñ ļéfţ)\]$/);
  });

  test('is served outside production only', () => {
    expect([...createLocaleWing({ locales: ['en-US', 'de-DE'], production: true }).localizers.keys()]).toEqual(['en-US', 'de-DE']);
    expect([...createLocaleWing({ locales: ['en-US', 'de-DE'], production: false }).localizers.keys()]).toEqual(['en-US', 'de-DE', 'en-XA']);
  });
});
