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
    // The newest app's home: the new-releases row (1.1.0 on) too.
    expect(layouts).toEqual(['LANDSCAPE', 'PORTRAIT', 'PORTRAIT', 'SQUARE']);
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
    expect(removed.data?.removeFromMyList).toEqual({ contentId: 't_43', inMyList: false, changed: true });
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
