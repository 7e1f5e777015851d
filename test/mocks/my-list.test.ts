import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';
import { call, errorCode } from '../support/http.ts';

let mocks: TestMocks;
let token: string;
let base: string;

beforeAll(async () => {
  mocks = await startTestMocks();
  token = await mocks.serviceToken('u_1');
  base = `${mocks.urls['my-list']}/my-list`;
});
afterAll(() => mocks?.close());

const list = async (userId = 'u_1'): Promise<string[]> => {
  const res = await call(`${base}/${userId}`, { token });
  expect(res.status).toBe(200);
  return res.body.contentIds;
};

/** A title that is not on u_1's list right now. */
async function titleNotInList(): Promise<string> {
  const current = new Set(await list());
  for (let n = 9000; ; n++) if (!current.has(`t_${n}`)) return `t_${n}`;
}

describe('my-list', () => {
  it('GET returns the user id and a list of distinct content ids', async () => {
    const res = await call(`${base}/u_1`, { token });
    expect(res.status).toBe(200);
    expect(res.body.userId).toBe('u_1');
    expect(new Set(res.body.contentIds).size).toBe(res.body.contentIds.length);
  });

  it('PUT is idempotent: adding twice lists the title once, and the second PUT reports changed:false', async () => {
    const id = await titleNotInList();
    const firstPut = await call(`${base}/u_1/${id}`, { method: 'PUT', token });
    expect(firstPut.status).toBe(200);
    expect(firstPut.body).toMatchObject({ userId: 'u_1', contentId: id, inList: true, changed: true });

    const secondPut = await call(`${base}/u_1/${id}`, { method: 'PUT', token });
    expect(secondPut.status).toBe(200);
    expect(secondPut.body).toMatchObject({ inList: true, changed: false });

    const after = await list();
    expect(after.filter((x) => x === id)).toHaveLength(1);
    expect(after[0]).toBe(id); // newest first
  });

  it('DELETE is idempotent: removing twice leaves it absent, and the second DELETE reports changed:false', async () => {
    const id = await titleNotInList();
    await call(`${base}/u_1/${id}`, { method: 'PUT', token });
    const before = await list();

    const firstDelete = await call(`${base}/u_1/${id}`, { method: 'DELETE', token });
    expect(firstDelete.status).toBe(200);
    expect(firstDelete.body).toMatchObject({ contentId: id, inList: false, changed: true });

    const secondDelete = await call(`${base}/u_1/${id}`, { method: 'DELETE', token });
    expect(secondDelete.status).toBe(200);
    expect(secondDelete.body).toMatchObject({ inList: false, changed: false });

    expect(await list()).toEqual(before.filter((x) => x !== id));
  });

  it('refuses an unknown title with 404 TITLE_NOT_FOUND on PUT and DELETE and leaves the list unchanged', async () => {
    const before = await list();
    for (const method of ['PUT', 'DELETE']) {
      const res = await call(`${base}/u_1/t_10001`, { method, token });
      expect(res.status, method).toBe(404);
      expect(errorCode(res)).toBe('TITLE_NOT_FOUND');
    }
    expect(await list()).toEqual(before);
  });

  it("keeps each user's list separate", async () => {
    const other = await mocks.serviceToken('u_2');
    const id = await titleNotInList();
    const u2Before = (await call(`${base}/u_2`, { token: other })).body.contentIds;
    await call(`${base}/u_1/${id}`, { method: 'PUT', token });
    expect((await call(`${base}/u_2`, { token: other })).body.contentIds).toEqual(u2Before);
  });

  it('answers 404 NOT_FOUND for a user that does not exist', async () => {
    const service = await mocks.serviceToken('svc', { scope: 'concierge:service' });
    const res = await call(`${base}/u_1001`, { token: service });
    expect(res.status).toBe(404);
    expect(errorCode(res)).toBe('NOT_FOUND');
  });
});
