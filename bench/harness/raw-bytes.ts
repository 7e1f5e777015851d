/**
 * What an app would download for its home screen without a BFF: every generic response the screen
 * needs, in full, straight from the services. The yardstick for a BFF's response size.
 */
import type { ServiceName } from '../../downstream-mocks/src/registry.ts';

export type HomeClient = 'mobile' | 'tv' | 'web';

export async function rawHomeBytes(urls: Record<ServiceName, string>, client: HomeClient, viewer = 'u_1'): Promise<number> {
  // The services take only tokens for their own audience (a client's opens none): a development
  // token for all of them, standing in for what such an app would have to be given.
  const minted = await fetch(`${urls.identity}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub: viewer, aud: Object.keys(urls).filter((name) => name !== 'identity') }),
  });
  if (!minted.ok) throw new Error(`token minting failed: ${minted.status} ${await minted.text()}`);
  const { access_token: token } = (await minted.json()) as { access_token: string };
  const get = async (url: string, init: RequestInit = {}) => {
    const res = await fetch(url, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } });
    const text = await res.text();
    if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url} answered ${res.status}: ${text.slice(0, 200)}`);
    return { bytes: Buffer.byteLength(text), json: JSON.parse(text) };
  };
  const u = urls;
  const user = await get(`${u.users}/users/${viewer}`);
  const cw = await get(`${u['continue-watching']}/continue-watching/${viewer}`);
  const list = await get(`${u['my-list']}/my-list/${viewer}`);
  const recs = await get(`${u.recommendations}/recommendations/${viewer}`);
  let bytes = user.bytes + cw.bytes + list.bytes + recs.bytes;
  const perRow = client === 'tv' ? 40 : 20;
  const ids = new Set<string>([
    ...cw.json.items.slice(0, perRow).map((i: { contentId: string }) => i.contentId),
    ...list.json.contentIds.slice(0, perRow),
    ...recs.json.items.slice(0, client === 'tv' ? 1 : perRow).map((i: { contentId: string }) => i.contentId),
  ]);
  if (client === 'mobile') bytes += (await get(`${u.notifications}/notifications/${viewer}/unread-count`)).bytes;
  if (client !== 'mobile') {
    const trending = await get(`${u.recommendations}/trending?region=${user.json.profile.country}`);
    bytes += trending.bytes;
    for (const item of trending.json.items.slice(0, perRow)) ids.add(item.contentId);
  }
  if (client === 'web') {
    bytes += (await get(`${u.reviews}/reviews/summaries`, { method: 'POST', body: JSON.stringify({ titleIds: [...ids] }) })).bytes;
  }
  if (client === 'tv') {
    const watching = cw.json.items.slice(0, perRow).map((i: { contentId: string }) => i.contentId);
    const body = JSON.stringify({ contentIds: watching, drmSystem: 'widevine' });
    bytes += (await get(`${u.playback}/playback/licenses`, { method: 'POST', body })).bytes;
  }
  const all = [...ids];
  for (let i = 0; i < all.length; i += 100) {
    bytes += (await get(`${u.catalog}/titles/batch`, { method: 'POST', body: JSON.stringify({ ids: all.slice(i, i + 100) }) })).bytes;
  }
  return bytes;
}
