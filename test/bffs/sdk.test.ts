import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import * as mobile from '../../bffs/mobile/sdk/index.ts';
import * as tv from '../../bffs/tv/sdk/index.ts';
import * as web from '../../bffs/web/sdk/index.ts';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import { sdkVersion } from '../../scripts/sdk-pack/version.ts';
import { startTestStack, type TestStack } from '../support/bffs.ts';

/**
 * The typed SDKs the apps generate (`npm run codegen`), used the way an app uses them: over a
 * real socket, with a token function. `npx tsc --noEmit` checks this file too, so the typed
 * results and the variable checks below are compile-time facts, not only runtime ones.
 */

let stack: TestStack;
const servers: Server[] = [];
const urls = {} as Record<'web' | 'mobile' | 'tv', string>;

async function listen(bff: Bff): Promise<string> {
  const server = createServer(bff);
  servers.push(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

beforeAll(async () => {
  stack = await startTestStack();
  for (const client of ['web', 'mobile', 'tv'] as const) urls[client] = await listen(stack[client]);
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  await stack?.close();
});

/**
 * The version an app built with this SDK sends: the SDK's own (npm run sdk:pack), the release
 * whose documents it holds, or after an edit a prerelease of the next one, served as the newest.
 */
const MOBILE_APP_VERSION = sdkVersion(fileURLToPath(new URL('../../', import.meta.url)), 'mobile').version;

describe('the mobile SDK', () => {
  it('fetches the home document with a token from the token function and returns a typed result', async () => {
    const token = await stack.mocks.token('u_1');
    let tokenCalls = 0;
    const request = mobile.createClient({ url: urls.mobile, token: () => (tokenCalls++, token), headers: { 'x-client-version': MOBILE_APP_VERSION } });

    const { status, data, errors } = await request(mobile.MobileHomeDocument);

    expectTypeOf(data).toEqualTypeOf<mobile.MobileHomeQuery | null | undefined>();
    expect(status, JSON.stringify(errors)).toBe(200);
    expect(errors).toBeUndefined();
    expect(tokenCalls).toBe(1);
    const home = data!.home;
    const name: string = home.profile.name;
    expect(name).toBe('Noah Haddad');
    expect(home.downloadEnabled).toBe(false);
    const layouts: mobile.RowLayout[] = home.rows.flatMap((row) => (row ? [row.layout] : []));
    // The SDK's documents are the next release's, built against the current schema: served as the
    // newest, so it gets the new-releases row that 1.1.0 added (test/contracts/client-versions.test.ts).
    expect(layouts).toEqual(['LANDSCAPE', 'PORTRAIT', 'PORTRAIT', 'SQUARE']);
    // The __typename codegen adds, which a normalised client cache keys objects by, is typed too.
    const typename: 'Home' = home.__typename;
    expect(typename).toBe('Home');
    const topPicks = home.rows.find((row) => row?.id === 'top-picks');
    expect(topPicks?.title).toBe('Top Picks for Noah Haddad');
  });

  it('answers an unknown title with a null title and a NOT_FOUND error, typed as a nullable field', async () => {
    const token = await stack.mocks.token('u_1');
    const request = mobile.createClient({ url: urls.mobile, token: () => token });

    const { status, data, errors } = await request(mobile.MobileTitleDocument, { id: 't_999999' });

    expectTypeOf(data!.title).toEqualTypeOf<mobile.MobileTitleQuery['title']>();
    expectTypeOf(data!.title).toBeNullable();
    expect(status).toBe(200);
    expect(data).toEqual({ title: null });
    expect(errors).toEqual([expect.objectContaining({ path: ['title'], extensions: expect.objectContaining({ code: 'NOT_FOUND' }) })]);
  });

  it('adds a title to my list and removes it again, with typed mutation results', async () => {
    const token = await stack.mocks.token('u_1');
    const request = mobile.createClient({ url: urls.mobile, token: () => token });

    const added = await request(mobile.AddToMyListDocument, { contentId: 't_43' });
    const removed = await request(mobile.RemoveFromMyListDocument, { contentId: 't_43' });

    const inList: boolean | undefined = added.data?.addToMyList.inMyList;
    expect(inList).toBe(true);
    expect(added.data?.addToMyList.changed).toBe(true);
    expect(removed.data?.removeFromMyList).toEqual({ contentId: 't_43', inMyList: false, changed: true, __typename: 'MyListUpdate' });
  });
});

describe('what the SDK sends', () => {
  /** The real fetch, with every request it makes written down. */
  function recordingFetch() {
    const sent: { method: string; url: URL; headers: Headers; body: string | undefined }[] = [];
    const recorded: typeof fetch = async (input, init) => {
      sent.push({ method: init?.method ?? 'GET', url: new URL(String(input)), headers: new Headers(init?.headers), body: init?.body as string | undefined });
      return fetch(input, init);
    };
    return { sent, fetch: recorded };
  }

  it('sends a query as GET ?documentId=…&variables=…, with its app version, and the answer is cacheable', async () => {
    const token = await stack.mocks.token('u_1');
    const { sent, fetch: recorded } = recordingFetch();
    const request = mobile.createClient({ url: urls.mobile, token: () => token, fetch: recorded });

    const { status, data } = await request(mobile.MobileTitleDocument, { id: 't_42' });

    expect(status).toBe(200);
    expect(data?.title?.id).toBe('t_42');
    expect(sent).toHaveLength(1);
    const [get] = sent;
    expect(get!.method).toBe('GET');
    expect(Object.fromEntries(get!.url.searchParams)).toEqual({ documentId: mobile.trustedDocumentIds.MobileTitle, variables: '{"id":"t_42"}' });
    expect(get!.body).toBeUndefined();
    expect(get!.headers.get('x-client-version')).toBe(mobile.clientVersion);
    expect(mobile.clientVersion).toMatch(/^\d+\.\d+\.\d+/);

    // The same GET as a browser's HTTP cache revalidates it: 304, no body.
    const first = await fetch(get!.url, { headers: get!.headers });
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    const again = await fetch(get!.url, { headers: { ...Object.fromEntries(get!.headers), 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
  });

  it('sends a query without variables with no variables parameter, and a mutation as a POST by id', async () => {
    const token = await stack.mocks.token('u_1');
    const { sent, fetch: recorded } = recordingFetch();
    const request = mobile.createClient({ url: urls.mobile, token: () => token, fetch: recorded });

    await request(mobile.MobileHomeDocument);
    await request(mobile.RemoveFromMyListDocument, { contentId: 't_44' });

    expect(sent.map(({ method }) => method)).toEqual(['GET', 'POST']);
    expect(Object.fromEntries(sent[0]!.url.searchParams)).toEqual({ documentId: mobile.trustedDocumentIds.MobileHome });
    expect(sent[1]!.url.search).toBe('');
    expect(JSON.parse(sent[1]!.body!)).toEqual({ documentId: mobile.trustedDocumentIds.RemoveFromMyList, variables: { contentId: 't_44' } });
    expect(sent.map(({ headers }) => headers.get('x-client-version'))).toEqual([mobile.clientVersion, mobile.clientVersion]);
  });

  it('sends the version an app passes in place of its own', async () => {
    const { sent, fetch: recorded } = recordingFetch();
    const request = tv.createClient({ url: urls.tv, fetch: recorded, clientVersion: '1.0.0' });

    await request(tv.TvTitleDocument, { id: 't_0' });

    expect(sent[0]!.headers.get('x-client-version')).toBe('1.0.0');
  });
});

describe('the web SDK', () => {
  it('sends variables and returns the title page with cast and a review connection', async () => {
    const token = await stack.mocks.token('u_1');
    const request = web.createClient({ url: urls.web, token: () => token });

    const { status, data, errors } = await request(web.WebTitleDocument, { id: 't_42', reviewsFirst: 2 });

    expectTypeOf(data).toEqualTypeOf<web.WebTitleQuery | null | undefined>();
    expect(status).toBe(200);
    expect(errors).toBeUndefined();
    const title = data!.title!;
    const kind: web.TitleKind = title.kind;
    expect(title.id).toBe('t_42');
    expect(kind).toBe('MOVIE');
    expect(title.cast.length).toBeGreaterThan(0);
    expect(title.reviews?.edges).toHaveLength(2);
    expect(title.reviews?.pageInfo.hasNextPage).toBe(true);
  });

  it('refuses, at compile time, a document that needs variables when none are passed', () => {
    const request = web.createClient({ url: urls.web });
    // Never called: the point is that the compiler rejects it.
    // @ts-expect-error WebTitle requires $id.
    const withoutVariables = () => request(web.WebTitleDocument);
    // @ts-expect-error $id is an ID (string), not a number.
    const wrongType = () => request(web.WebTitleDocument, { id: 42 });
    expect([typeof withoutVariables, typeof wrongType]).toEqual(['function', 'function']);
  });

  it('answers the account page for the viewer in the token', async () => {
    const token = await stack.mocks.token('u_1');
    const request = web.createClient({ url: urls.web, token: () => token });

    const { data } = await request(web.WebAccountDocument);

    expect(data?.account.email).toBe('noah.haddad.1@example.com');
    expect(data?.account.billing?.paymentMethods.length).toBeGreaterThan(0);
  });
});

describe('the tv SDK', () => {
  it('sends the device headers and gets badges, the DRM system and licences for that device', async () => {
    const token = await stack.mocks.token('u_6');
    const request = tv.createClient({
      url: urls.tv,
      token: () => token,
      headers: { 'x-device-drm': 'fairplay', 'x-device-capabilities': 'uhd,hdr,atmos,ambient' },
    });

    const { status, data, errors } = await request(tv.TvHomeDocument);

    expect(status).toBe(200);
    expect(errors).toBeUndefined();
    const drm: tv.DrmSystem = data!.home.drmSystem;
    expect(drm).toBe('FAIRPLAY');
    expect(data!.home.ambientModeEnabled).toBe(true);
    const watching = data!.home.rows.find((row) => row?.id === 'continue-watching');
    expect(watching?.items[0]?.drmLicenseUrl).toContain('/fairplay/');
    expect(data!.home.rows.some((row) => row?.items.some((item) => item.badges.length > 0))).toBe(true);
  });

  it('answers an unknown title with NOT_FOUND and a null title', async () => {
    const token = await stack.mocks.token('u_6');
    const request = tv.createClient({ url: urls.tv, token: () => token });

    const { data, errors } = await request(tv.TvTitleDocument, { id: 't_0' });

    expect(data?.title).toBeNull();
    expect(errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});
