import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startTestStack, type TestStack } from '../support/bffs.ts';
import { operation } from '../support/documents.ts';

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterEach(() => stack.mocks.clearFaults());
afterAll(() => stack.close());

describe('a failing non-critical service nulls only its own field', () => {
  test('notifications answering 500: the count is null with DOWNSTREAM_UNAVAILABLE, the rows stand', async () => {
    await stack.mocks.setFaults('notifications', { errorStatus: 500 });
    const { status, body } = await stack.graphql(stack.mobile, operation('mobile', 'MobileHome'));
    expect(status).toBe(200);
    expect(body.data.home.unreadNotificationCount).toBeNull();
    expect(body.data.home.rows.map((row: { id: string }) => row.id)).toEqual(['continue-watching', 'my-list', 'top-picks']);
    expect(body.errors).toMatchObject([{ path: ['home', 'unreadNotificationCount'], extensions: { code: 'DOWNSTREAM_UNAVAILABLE', service: 'notifications' } }]);
  });

  test('continue-watching sending malformed JSON: that row is null with DOWNSTREAM_BAD_RESPONSE, the others stand', async () => {
    await stack.mocks.setFaults('continue-watching', { malformedJson: true });
    const { body } = await stack.graphql(stack.mobile, operation('mobile', 'MobileHome'));
    expect(body.data.home.rows[0]).toBeNull();
    expect(body.data.home.rows.slice(1).map((row: { id: string }) => row.id)).toEqual(['my-list', 'top-picks']);
    expect(body.errors).toMatchObject([{ path: ['home', 'rows', 0], extensions: { code: 'DOWNSTREAM_BAD_RESPONSE' } }]);
  });

  test('reviews resetting connections: web ratings are null with a code, titles and progress still render', async () => {
    await stack.mocks.setFaults('reviews', { reset: true });
    const { status, body } = await stack.graphql(stack.web, operation('web', 'WebHome'));
    expect(status).toBe(200);
    const items = body.data.home.rows.flatMap((row: { items: unknown[] }) => row.items);
    expect(items.every((item: { averageRating: unknown }) => item.averageRating === null)).toBe(true);
    expect(items.every((item: { title: string }) => item.title.length > 0)).toBe(true);
    expect(new Set(body.errors.map((e: { extensions: { code: string } }) => e.extensions.code))).toEqual(new Set(['DOWNSTREAM_UNAVAILABLE']));
  });

  test('playback down: TV licence URLs are null with a code, the screen still renders', async () => {
    await stack.mocks.setFaults('playback', { errorStatus: 503 });
    const { status, body } = await stack.graphql(stack.tv, operation('tv', 'TvHome'));
    expect(status).toBe(200);
    expect(body.data.home.hero).not.toBeNull();
    expect(body.data.home.rows[0].items[0].drmLicenseUrl).toBeNull();
    expect(body.errors[0]).toMatchObject({ path: ['home', 'rows', 0, 'items', 0, 'drmLicenseUrl'], extensions: { code: 'DOWNSTREAM_UNAVAILABLE' } });
  });

  test('the users service down is critical: 503 with Retry-After, CRITICAL_DEPENDENCY_FAILED and the service error', async () => {
    await stack.mocks.setFaults('users', { errorStatus: 500 });
    const { status, headers, body } = await stack.graphql(stack.mobile, operation('mobile', 'MobileHome'));
    expect(status).toBe(503);
    expect(headers.get('retry-after')).toBe('2');
    expect(body.data).toBeNull();
    expect(body.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual(['CRITICAL_DEPENDENCY_FAILED', 'DOWNSTREAM_UNAVAILABLE']);
  });

  test('a failed mutation says the change is unconfirmed and that retrying is safe', async () => {
    await stack.mocks.setFaults('my-list', { errorStatus: 500 });
    const { body } = await stack.graphql(stack.web, operation('web', 'AddToMyList'), { variables: { contentId: 't_77' }, sub: 'u_12' });
    expect(body.data).toBeNull();
    expect(body.errors[0].extensions).toMatchObject({ code: 'DOWNSTREAM_UNAVAILABLE', service: 'my-list', contentId: 't_77' });
    expect(body.errors[0].message).toContain('retrying is safe');
  });
});
