/**
 * Downstream requests per client request, from the mocks' own counters: reset every service, send
 * N homes (`body`, the system's own) one after another, read the totals. Identity is left out: its JWKS is fetched once per
 * process, not per home.
 */
import type { ServiceName } from '../../downstream-mocks/src/registry.ts';
import { fetchHome } from './home.ts';
import type { Urls } from './processes.ts';

export interface DownstreamResult {
  perRequest: number;
  /** Services (identity excluded) that saw at least one request. */
  servicesUsed: number;
  /** Requests per home, per service that was called. */
  perService: Partial<Record<ServiceName, number>>;
}

export async function downstreamPerRequest(urls: Urls, serverUrl: string, token: string, body: string, requests: number): Promise<DownstreamResult> {
  const services = Object.keys(urls) as ServiceName[];
  await Promise.all(
    services.map(async (service) => {
      const res = await fetch(`${urls[service]}/__admin/counters/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`resetting ${service}'s counters failed: ${res.status}`);
    }),
  );
  for (let i = 0; i < requests; i++) {
    const { status } = await fetchHome(serverUrl, token, body);
    if (status !== 200) throw new Error(`MobileHome answered ${status} while counting downstream requests`);
  }
  const perService: Partial<Record<ServiceName, number>> = {};
  let total = 0;
  for (const service of services) {
    if (service === 'identity') continue;
    const { total: count } = (await (await fetch(`${urls[service]}/__admin/counters`)).json()) as { total: number };
    if (count > 0) perService[service] = count / requests;
    total += count;
  }
  return { perRequest: total / requests, servicesUsed: Object.keys(perService).length, perService };
}
