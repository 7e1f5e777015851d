/**
 * What the benchmark peers share with each other and with the mobile BFF: the perimeter work
 * (bearer JWT verified against identity's JWKS, a request id) and the presentation of the
 * MobileHome screen. The mapping reuses the mobile BFF's own pure mappers, so every peer answers
 * the same JSON and the benchmark compares server stacks, not mapping code.
 *
 * Nothing here is GraphQL-specific: each peer wires it into its own stack its own way.
 */
import { randomUUID } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { Pool } from 'undici';
import type { DownstreamUrls } from '../../bffs/kit/config.ts';
import { createServiceTokens } from '../../bffs/kit/downstream/service-tokens.ts';
import type { ContinueWatchingItem } from '../../bffs/kit/downstream/services/continue-watching.ts';
import { toProfile } from '../../bffs/mobile/mappers/profile.ts';
import { createLocalizers } from '../../bffs/kit/locale/localizer.ts';
import { continueWatchingItem, myListItem, topPickItem } from '../../bffs/mobile/mappers/row-item.ts';
import { MOBILE_NEEDS, type MobileTitle, type MobileViewer } from '../../bffs/mobile/needs.ts';
import type { Profile, RowItem } from '../../bffs/mobile/generated/resolvers.generated.ts';

export { toProfile };
export type { ContinueWatchingItem, MobileTitle, MobileViewer, Profile, RowItem };

/** Listening address of every peer: loopback only, like the harness expects. */
export const PEER_HOST = '127.0.0.1';

/** Same numbers as the mobile BFF's policy: sockets per origin, and the request deadline. */
export const CONNECTIONS_PER_ORIGIN = 32;
export const DEADLINE_MS = 1_500;

/** One keep-alive undici Pool per service the home reads, as both hand-wired peers use them. */
export function peerPools(urls: DownstreamUrls) {
  const pool = (origin: string) =>
    new Pool(origin, {
      connections: CONNECTIONS_PER_ORIGIN,
      keepAliveTimeout: 30_000,
      connectTimeout: 1_000,
      headersTimeout: DEADLINE_MS,
      bodyTimeout: DEADLINE_MS,
    });
  return {
    users: pool(urls.users),
    catalog: pool(urls.catalog),
    recommendations: pool(urls.recommendations),
    continueWatching: pool(urls['continue-watching']),
    myList: pool(urls['my-list']),
    notifications: pool(urls.notifications),
  };
}

/**
 * Items per row, and the `limit` asked of recommendations: ROW_LIMIT of bffs/mobile/home-sources.ts
 * (not imported from there, which would load the BFF's resilience kit and graphql-yoga too).
 */
export const ROW_LIMIT = 20;

/** The catalog refuses more ids than this in one batch. */
export const TITLE_BATCH_LIMIT = 100;

// ---------------------------------------------------------------------------------------------
// Perimeter
// ---------------------------------------------------------------------------------------------

/** The mobile BFF's audience: each peer stands in for it, so it takes the tokens it takes in production. */
export const TOKEN_AUDIENCE = 'concierge-mobile';

/** The services a MobileHome reads. */
export const PEER_SERVICES = ['users', 'notifications', 'continue-watching', 'my-list', 'recommendations', 'catalog'] as const;
export type PeerService = (typeof PEER_SERVICES)[number];

export interface PeerViewer {
  id: string;
  /**
   * What each service is called with: as the mobile BFF does, the viewer's token exchanged at
   * identity for that service's (the catalog the peer's own), kept per viewer and service, with
   * the kit's own service-tokens.ts: the services take no client token, and every peer pays the
   * same exchanges as the BFF.
   */
  tokens: Readonly<Record<PeerService, string>>;
}

const BEARER = /^Bearer\s+([\w-]+\.[\w-]+\.[\w-]+)$/i;

/**
 * Verifies `Authorization: Bearer <jwt>` against identity's JWKS (issuer = identity's origin,
 * audience `concierge-mobile`), keeping verified tokens until they expire, as bffs/kit/perimeter/viewer.ts
 * does. Resolves `null` for a missing, malformed, expired or forged token.
 */
export function createTokenVerifier(identityUrl: string, cacheSize = 10_000) {
  const jwks = createRemoteJWKSet(new URL(`${identityUrl}/.well-known/jwks.json`), { cooldownDuration: 30_000 });
  const verified = new Map<string, { viewer: { id: string; token: string }; expiresAtMs: number }>();
  // The mobile BFF's client at identity: each peer stands in for it.
  const serviceTokens = createServiceTokens({ issuer: identityUrl, clientId: 'mobile-bff', clientSecret: process.env.MOBILE_CLIENT_SECRET || 'concierge-mobile-dev-secret', allowHttp: true });
  async function withTokens(viewer: { id: string; token: string }): Promise<PeerViewer | null> {
    const credentials = serviceTokens.forViewer(viewer);
    try {
      const tokens = await Promise.all(PEER_SERVICES.map((service) => credentials.tokenFor(service)));
      return { id: viewer.id, tokens: Object.fromEntries(PEER_SERVICES.map((service, i) => [service, tokens[i]!])) as Record<PeerService, string> };
    } catch {
      return null;
    }
  }

  return async function verify(authorization: string | undefined | null): Promise<PeerViewer | null> {
    if (!authorization) return null;
    const match = BEARER.exec(authorization.trim());
    if (!match) return null;
    const token = match[1]!;

    const hit = verified.get(token);
    if (hit && hit.expiresAtMs > Date.now()) return withTokens(hit.viewer);

    try {
      const { payload } = await jwtVerify(token, jwks, { issuer: identityUrl, audience: TOKEN_AUDIENCE });
      if (typeof payload.sub !== 'string' || payload.sub === '') return null;
      const viewer = { id: payload.sub, token };
      if (verified.size >= cacheSize) verified.clear();
      verified.set(token, { viewer, expiresAtMs: (payload.exp ?? 0) * 1000 });
      return await withTokens(viewer);
    } catch {
      return null;
    }
  };
}

export type TokenVerifier = ReturnType<typeof createTokenVerifier>;

const SAFE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/** The caller's `x-request-id` when it is sane, a new one otherwise (as the BFFs do). */
export function requestIdOf(header: string | string[] | undefined): string {
  const incoming = Array.isArray(header) ? header[0] : header;
  return incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

export const UNAUTHENTICATED_MESSAGE = 'Send a valid bearer token from identity in the Authorization header.';

// ---------------------------------------------------------------------------------------------
// Downstream requests: the same routes, query strings and sparse fieldsets as the mobile BFF
// ---------------------------------------------------------------------------------------------

export const USER_FIELDS = MOBILE_NEEDS.userFields;
export const TITLE_FIELDS = MOBILE_NEEDS.titleFields;

const enc = encodeURIComponent;

export const downstreamPaths = {
  user: (userId: string) => `/users/${enc(userId)}?${new URLSearchParams({ fields: USER_FIELDS.join(',') })}`,
  continueWatching: (userId: string) => `/continue-watching/${enc(userId)}`,
  myList: (userId: string) => `/my-list/${enc(userId)}`,
  recommendations: (userId: string) => `/recommendations/${enc(userId)}?limit=${ROW_LIMIT}`,
  unreadCount: (userId: string) => `/notifications/${enc(userId)}/unread-count`,
  titlesBatch: '/titles/batch',
  /** One title with the batch's fields: where a title kept from a batch is revalidated (its ETag is for these fields). */
  title: (id: string) => `/titles/${enc(id)}?${new URLSearchParams({ fields: TITLE_FIELDS.join(',') })}`,
};

/** The bodies of those routes, as far as mobile reads them. */
export interface ContinueWatchingBody { items: ContinueWatchingItem[] }
export interface MyListBody { contentIds: string[] }
export interface RecommendationsBody { items: { contentId: string }[] }
export interface UnreadCountBody { unreadCount: number }
export interface TitlesBatchBody { titles: (MobileTitle | null)[]; etags?: (string | null)[] }

export const titlesBatchRequest = (ids: readonly string[]) => ({ ids, fields: TITLE_FIELDS });

// ---------------------------------------------------------------------------------------------
// Presentation: the three home rows, exactly as bffs/mobile/resolvers/Home/rows.ts draws them
// ---------------------------------------------------------------------------------------------

export type RowId = 'continue-watching' | 'my-list' | 'top-picks';

/** One row before its titles are known: the entries it shows, at most ROW_LIMIT of them. */
export type RowPlan =
  | { id: 'continue-watching'; title: string; layout: 'LANDSCAPE'; entries: ContinueWatchingItem[] }
  | { id: 'my-list' | 'top-picks'; title: string; layout: 'PORTRAIT'; entries: string[] };

/** The lists the rows come from; a list whose service failed is that failure. */
export interface HomeLists {
  continueWatching: PromiseSettledResult<ContinueWatchingItem[]>;
  myList: PromiseSettledResult<string[]>;
  topPicks: PromiseSettledResult<string[]>;
}

/**
 * The rows to draw, in order: a failed source is its Error (null with an error in a `[Row]`
 * list), an empty one is left out.
 */
export function planRows(lists: HomeLists, viewerName: string): (RowPlan | Error)[] {
  const rows: (RowPlan | Error | undefined)[] = [
    settled(lists.continueWatching, (entries) => ({ id: 'continue-watching', title: 'Continue Watching', layout: 'LANDSCAPE', entries })),
    settled(lists.myList, (entries) => ({ id: 'my-list', title: 'My List', layout: 'PORTRAIT', entries })),
    settled(lists.topPicks, (entries) => ({ id: 'top-picks', title: `Top Picks for ${viewerName}`, layout: 'PORTRAIT', entries })),
  ];
  return rows.filter((row) => row !== undefined);
}

function settled<E, R extends RowPlan>(list: PromiseSettledResult<E[]>, plan: (entries: E[]) => R): R | Error | undefined {
  if (list.status === 'rejected') return list.reason instanceof Error ? list.reason : new Error(String(list.reason));
  const entries = list.value.slice(0, ROW_LIMIT);
  return entries.length === 0 ? undefined : plan(entries);
}

export const contentIdsOf = (row: RowPlan): string[] =>
  row.id === 'continue-watching' ? row.entries.map((entry) => entry.contentId) : row.entries;

/** Every title id of every row, each once, in the order the rows ask for them. */
export function titleIdsOf(rows: readonly (RowPlan | Error)[]): string[] {
  const ids = new Set<string>();
  for (const row of rows) if (!(row instanceof Error)) for (const id of contentIdsOf(row)) ids.add(id);
  return [...ids];
}

/** The peers answer in the BFF's default locale, as the BFF does for a request without Accept-Language whose viewer speaks English. */
const EN_US = createLocalizers(['en-US'], { pseudo: false }).get('en-US')!;

/** A row's items from its titles; titles the catalog does not know are left out. */
export function rowItems(row: RowPlan, titleOf: (id: string) => MobileTitle | null | undefined, now: Date): RowItem[] {
  const items: RowItem[] = [];
  if (row.id === 'continue-watching') {
    for (const entry of row.entries) {
      const title = titleOf(entry.contentId);
      if (title) items.push(continueWatchingItem(entry, title, EN_US));
    }
    return items;
  }
  for (const id of row.entries) {
    const title = titleOf(id);
    if (title) items.push(row.id === 'my-list' ? myListItem(title) : topPickItem(title, now));
  }
  return items;
}

// ---------------------------------------------------------------------------------------------
// Process
// ---------------------------------------------------------------------------------------------

/** The one line the harness waits for. */
export function announce(port: number): void {
  process.stdout.write(`listening on http://${PEER_HOST}:${port}\n`);
}

/** Runs `stop` once on SIGTERM or SIGINT, then exits 0. */
export function onTermination(stop: () => Promise<unknown>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(0), 5_000);
    force.unref();
    void stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
}
