/**
 * A burst of homes on a cold process: `homes` MobileHomes sent at once, as soon as the server
 * answers HTTP at all (no home before them, so no title is cached), each of the same viewer, so
 * every home needs the same titles at the same moment. The catalog's own counter says how many
 * batches they cost together: a BFF that shares one in-flight fetch of a title among the
 * requests that miss it at once (bffs/kit/caching/title-cache.ts) sends about one; one that does
 * not, one per home.
 */
import type { Urls } from './processes.ts';
import { fetchHome } from './home.ts';

export interface ColdBurst {
  homes: number;
  /** Catalog requests the whole burst made. */
  catalogCalls: number;
  catalogCallsPerHome: number;
}

export const COLD_BURST_HOMES = 50;

export async function coldBurst(urls: Urls, serverUrl: string, token: string, body: string, homes = COLD_BURST_HOMES): Promise<ColdBurst> {
  const reset = await fetch(`${urls.catalog}/__admin/counters/reset`, { method: 'POST' });
  if (!reset.ok) throw new Error(`resetting the catalog's counters failed: ${reset.status}`);
  const answers = await Promise.all(Array.from({ length: homes }, () => fetchHome(serverUrl, token, body)));
  const failed = answers.filter(({ status, text }) => status !== 200 || text.includes('"errors"'));
  if (failed.length) throw new Error(`${failed.length} of ${homes} homes of the cold burst failed: ${failed[0]!.status} ${failed[0]!.text.slice(0, 300)}`);
  const { total } = (await (await fetch(`${urls.catalog}/__admin/counters`)).json()) as { total: number };
  return { homes, catalogCalls: total, catalogCallsPerHome: total / homes };
}

/** Ready as soon as the server answers HTTP, whatever it answers: no home has been asked of it. */
export async function answersHttp(url: string): Promise<boolean> {
  await fetch(url, { method: 'GET' });
  return true;
}
