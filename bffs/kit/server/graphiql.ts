import type { GraphiQLOptions } from 'graphql-yoga';

/**
 * Yoga's stock GraphiQL page loads its JS, CSS and editor workers from unpkg, so it renders
 * blank with no internet. `@graphql-yoga/render-graphiql` inlines all of them (~9 MB of HTML);
 * it is imported on the first GraphiQL request only, so production never loads it.
 */
export async function renderOfflineGraphiQL(options?: GraphiQLOptions): Promise<string> {
  const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
  return renderGraphiQL(options);
}

/**
 * GraphiQL for development: opens with the client's home document and a fresh token for
 * `?as=<userId>` (default u_1) minted at identity, so exploring needs no setup. Production
 * builds never call this: GraphiQL is off and identity does not mint tokens there.
 */
export function developmentGraphiQL(client: string, identityUrl: string, defaultQuery: string) {
  return async (request: Request): Promise<GraphiQLOptions> => {
    const as = new URL(request.url).searchParams.get('as') ?? 'u_1';
    let headers = '{}';
    try {
      const res = await fetch(`${identityUrl}/dev/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sub: as }),
        signal: AbortSignal.timeout(2_000),
      });
      if (res.ok) {
        const { access_token } = (await res.json()) as { access_token: string };
        headers = JSON.stringify({ Authorization: `Bearer ${access_token}` }, null, 2);
      }
    } catch {
      // identity is down: GraphiQL still opens, and the first query answers with a clear 401
    }
    return { title: `Concierge ${client} BFF`, defaultQuery, headers, shouldPersistHeaders: false };
  };
}
