/**
 * A cold BFF fetches identity's keys on its first request, with a 1 s timeout that two busy cores
 * can spend: that is 503 IDENTITY_UNAVAILABLE, which the catalog says to retry, and nothing ran.
 */
export async function untilKeys(send: () => Response | Promise<Response>): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    const res = await send();
    if (res.status !== 503 || attempt === 3) return res;
    const { errors } = (await res.clone().json()) as { errors?: { extensions?: { code?: string } }[] };
    if (errors?.[0]?.extensions?.code !== 'IDENTITY_UNAVAILABLE') return res;
  }
}
