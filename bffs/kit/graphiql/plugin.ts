import { parse, print } from 'graphql';
import { ERRORS } from '../errors.ts';
import type { Plugin } from 'graphql-yoga';
import { ASSET_PREFIX, assetResponse, graphiqlAssets } from './assets.ts';
import { parseVersion } from '../contracts/versions.ts';
import type { SessionStore } from '../stores/sessions/session-store.ts';
import { renderGraphiQLPage, type DevTokenOutcome, type PageOptions, type PageVersions } from './page.ts';
import { graphiqlSession } from './session.ts';

/**
 * GraphiQL for development, served by this plugin rather than yoga's `graphiql` option (which
 * create-bff.ts turns off): yoga's page is one 9 MB HTML string rendered per request with the
 * viewer's token inside, so it could be neither compressed once nor cached. Here:
 *
 * - `GET /graphql` (Accept: text/html) is a small page rendered per request
 *   (graphiql-page.ts): a note saying where the token came from, for whom and until when, the
 *   token in the headers editor, and the client's home document pretty-printed. It carries a
 *   bearer token, so `Cache-Control: no-store`: no cache, shared or private, keeps it.
 * - `GET /graphiql/<name>.<hash>.<ext>` are GraphiQL's JS, CSS and favicon, the same for every
 *   viewer: built and compressed once per process, `public, max-age=31536000, immutable` with an
 *   ETag (graphiql-assets.ts explains the choice).
 *
 * `x-client-version` is the app version chosen on the page (the newest supported release by
 * default), so GraphiQL answers as that app does, not as the oldest one a header-less request is.
 * Web opens signed in with a development session cookie (graphiql-session.ts), never a token.
 *
 * Production builds never install it: GraphiQL is off there and identity does not mint tokens.
 * It must come before the perimeter's plugin, which answers ROUTE_NOT_FOUND to other paths.
 */
export interface DevelopmentGraphiQLOptions {
  /** `web`, `mobile`, `tv` */
  client: string;
  identityUrl: string;
  /** The client's home operation file, as read from disk. */
  defaultQuery: string;
  /** `/graphql` */
  endpoint: string;
  /** @default Date.now: the token's clock is identity's, not the BFF's injected one. */
  now?: () => number;
  /**
   * A cookie client (web): no token in the page; it opens signed in with a development session
   * in this store (graphiql-session.ts), or signed out with `?as=none`.
   */
  sessions?: SessionStore;
  /**
   * The app versions GraphiQL may speak as (the client's supported releases, oldest first): the
   * newest by default, another by the picker or `?version=`, sent as `x-client-version` on every
   * request. None (a client with no release yet): no picker, no header.
   */
  versions?: readonly string[];
  /**
   * The host names the BFF listens as (`HOST`), beside the loopback names, which are always
   * taken: the page is served only to a `Host` among them (see pageHostRefusal).
   */
  hosts?: readonly string[];
}

const DEFAULT_VIEWER = 'u_1';
const MINT_TIMEOUT_MS = 2_000;

export function useDevelopmentGraphiQL({ client, identityUrl, defaultQuery, endpoint, now = Date.now, sessions, versions = [], hosts = [] }: DevelopmentGraphiQLOptions): Plugin {
  const servedHosts = new Set([...LOOPBACK_HOSTS, ...hosts.map(hostName)]);
  // The operation files are written for reading diffs (one line per selection set); GraphiQL
  // opens with graphql-js's print of them, as the trusted-document manifest stores them.
  const query = print(parse(defaultQuery));
  const title = `Concierge ${client} BFF`;
  return {
    onRequest({ request, url, endResponse, fetchAPI }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      const path = url.pathname.length > 1 ? url.pathname.replace(/\/$/, '') : url.pathname;
      if (path === endpoint && request.method === 'GET' && request.headers.get('accept')?.includes('text/html')) {
        // An in-process fetch (yoga.fetch) has no Host header: the host its URL names stands in.
        const refusal = pageHostRefusal(request.headers.get('host') ?? url.host, servedHosts);
        if (refusal) return endResponse(new fetchAPI.Response(JSON.stringify(refusal.body), { status: refusal.status, headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' } }));
        return page(request, url).then(({ html, setCookie }) =>
          endResponse(
            new fetchAPI.Response(html, {
              status: 200,
              headers: {
                'content-type': 'text/html; charset=utf-8',
                'cache-control': 'no-store',
                'x-content-type-options': 'nosniff',
                ...(setCookie ? { 'set-cookie': setCookie } : {}),
              },
            }),
          ),
        );
      }
      if (url.pathname.startsWith(ASSET_PREFIX)) {
        return graphiqlAssets().then(async (assets) => {
          const asset = assets.byPath.get(url.pathname);
          // Unknown names (an old hash) fall through to the perimeter's ROUTE_NOT_FOUND.
          if (asset) endResponse(await assetResponse(request, asset, fetchAPI));
        });
      }
    },
  };

  async function page(request: Request, url: URL): Promise<{ html: string; setCookie?: string }> {
    const as = url.searchParams.get('as');
    const [assets, { outcome, setCookie }] = await Promise.all([
      graphiqlAssets(),
      sessions
        ? graphiqlSession({ client, sessions, identityUrl, headers: request.headers, as, defaultViewer: DEFAULT_VIEWER, mint: (sub) => mintDevelopmentToken(identityUrl, sub, client) })
        : mintDevelopmentToken(identityUrl, as || DEFAULT_VIEWER, client).then((minted) => ({ outcome: minted, setCookie: undefined })),
    ]);
    // Start compressing while the browser reads the page, so its asset requests find them ready.
    for (const asset of [assets.js, assets.css]) void asset.encoded('br').catch(() => undefined);
    const headers =
      outcome.kind === 'minted' ? JSON.stringify({ Authorization: `Bearer ${outcome.token}` }, null, 2) : outcome.kind === 'session' ? JSON.stringify({ 'X-CSRF': '1' }, null, 2) : '{}';
    const options: PageOptions = {
      title,
      defaultQuery: query,
      // Also the initial query. GraphiQL keeps its tabs in localStorage and, on load, looks for
      // the tab whose query equals the initial one; with none given (yoga's default when a
      // `defaultQuery` is set) it finds none and adds an empty `<untitled>` tab on every first
      // reload. With the home document as the initial query the reload finds its tab. An edited
      // tab is found too: yoga's GraphiQL writes the edited text into `?query=` of the URL.
      query,
      headers,
      // A token lives for an hour and is per viewer: never keep it in localStorage.
      shouldPersistHeaders: false,
    };
    const html = renderGraphiQLPage({ title, outcome, options, nowMs: now(), assets: { js: assets.js.path, css: assets.css.path, favicon: assets.favicon.path }, versions: versionsOf(url) });
    return { html, setCookie };
  }

  function versionsOf(url: URL): PageVersions | undefined {
    if (!versions.length) return undefined;
    const asked = parseVersion(url.searchParams.get('version') ?? '');
    const chosen = asked && versions.includes(asked) ? asked : versions[versions.length - 1]!;
    return { client, versions, chosen, endpoint };
  }
}

/** Asks identity's development endpoint for a token for `sub`, and says what came of it. */
export async function mintDevelopmentToken(identityUrl: string, sub: string, client?: string): Promise<DevTokenOutcome> {
  let res: Response;
  try {
    res = await fetch(`${identityUrl}/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // For this BFF's audience where identity knows it (web, mobile, tv); else its development one.
      body: JSON.stringify({ sub, ...(client === 'web' || client === 'mobile' || client === 'tv' ? { aud: client } : {}) }),
      signal: AbortSignal.timeout(MINT_TIMEOUT_MS),
    });
  } catch (error) {
    const reason = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${MINT_TIMEOUT_MS / 1000} s` : describe(error);
    return { kind: 'unreachable', sub, identityUrl, reason };
  }
  const body = (await res.json().catch(() => undefined)) as { access_token?: unknown; error?: { code?: unknown; message?: unknown } } | undefined;
  if (res.ok && typeof body?.access_token === 'string') {
    const exp = expiryOf(body.access_token);
    if (exp !== undefined) return { kind: 'minted', sub, identityUrl, token: body.access_token, expiresAt: new Date(exp * 1000) };
  }
  const code = typeof body?.error?.code === 'string' ? body.error.code : `HTTP_${res.status}`;
  const message = typeof body?.error?.message === 'string' ? body.error.message : res.ok ? 'the answer held no usable token' : res.statusText;
  return { kind: 'refused', sub, identityUrl, status: res.status, code, message };
}

/** The token's `exp` (seconds), read without verifying: the BFF verifies it on every request. */
function expiryOf(token: string): number | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp : undefined;
  } catch {
    return undefined;
  }
}

/** `fetch failed (ECONNREFUSED)` rather than undici's bare "fetch failed". */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : undefined;
  return detail ? `${error.message} (${detail})` : error.message;
}

/** Loopback, as a `Host` header names it: what a BFF listening in development answers to. */
const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'];

/** A configured host as a Host header's hostname: lower case, an IPv6 address in brackets. */
const hostName = (host: string) => (host.includes(':') && !host.startsWith('[') ? `[${host}]` : host).toLowerCase();

/**
 * The page holds a bearer token, so it is served only to a `Host` the BFF listens as. A page on
 * another site whose name the attacker points at 127.0.0.1 (DNS rebinding) is same-origin with
 * the BFF to the browser, and could read the page; its requests carry its own name as `Host`, so
 * they are refused here, before a token is minted. Undefined when the page may be served.
 */
export function pageHostRefusal(host: string | null, served: ReadonlySet<string>): { status: number; body: unknown } | undefined {
  let name: string | undefined;
  try {
    name = host ? new URL(`http://${host}/`).hostname : undefined;
  } catch {
    name = undefined; // not a host at all
  }
  if (name !== undefined && served.has(name)) return undefined;
  const code = 'DEV_PAGE_HOST_REFUSED';
  return { status: ERRORS[code].status, body: { errors: [{ message: 'GraphiQL is served only at the names this BFF listens as (127.0.0.1, localhost, [::1] or its HOST), not at the host this request named.', extensions: { code } }] } };
}
