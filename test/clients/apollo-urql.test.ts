/**
 * Apollo Client 4 and urql, set up the way their docs say, against a web BFF that runs trusted
 * documents only (production's default), over a real socket and the real mocks. Their documents
 * are the operation files as the app writes them (no `__typename`): each client adds `__typename`
 * itself, and the ids it sends come from the manifest codegen writes in Apollo's format
 * (bffs/web/generated/persisted-query-manifest.generated.json). Every request is recorded at the
 * BFF's socket, so "one request per operation", GET and the cache hits are counted where they land.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloClient, ApolloLink, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { createPersistedQueryManifestVerificationLink, generatePersistedQueryIdsFromManifest, type PersistedQueryManifestForVerification as PersistedQueryManifest } from '@apollo/persisted-query-lists';
import { Client, cacheExchange, fetchExchange } from '@urql/core';
import { persistedExchange } from '@urql/exchange-persisted';
import { getOperationAST, type DocumentNode } from 'graphql';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import manifestFile from '../../bffs/web/generated/persisted-query-manifest.generated.json' with { type: 'json' };
import { createWebBff } from '../../bffs/web/bff.ts';
import { clientVersion, createClient, WebTitleDocument, type WebSearchQuery, type WebTitleQuery } from '../../bffs/web/sdk/index.ts';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';
import { TEST_NOW, testConfig } from '../support/bffs.ts';
import { operation } from '../support/documents.ts';
import { startTestMocks, type TestMocks } from '../support/mocks.ts';

interface Seen {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  status?: number;
}

let mocks: TestMocks;
let bff: Bff;
let server: Server;
let endpoint: string;
let token: string;
const seen: Seen[] = [];

/** The operation file as the web app writes it, parsed the way `gql` parses it. */
const document = (name: string): DocumentNode => gql(operation('web', name));
/** JSON imports widen `type` to string; the generated file holds only the three operation types. */
const manifest = manifestFile as PersistedQueryManifest;
const idOf = (name: string) => manifest.operations.find((entry) => entry.name === name)!.id;

beforeAll(async () => {
  mocks = await startTestMocks();
  token = await mocks.token('u_1');
  const config = testConfig(mocks.urls, { trustedDocuments: 'only' });
  bff = createWebBff(config, { clock: () => new Date(TEST_NOW), logger: pino({ level: 'silent' }), policy: { shedding: { maxInFlight: 1_000, maxEventLoopDelayMs: 10_000 } } });
  server = createServer((request, response) => {
    const entry: Seen = { method: request.method!, url: new URL(request.url!, 'http://bff'), headers: request.headers };
    seen.push(entry);
    response.on('finish', () => (entry.status = response.statusCode));
    bff.nodeListener(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  // Warm: the token verified (identity's keys fetched) and the pools open, so the tests count their
  // own requests, not a cold start's. On a busy machine the keys can miss their 1 s deadline: the
  // BFF answers IDENTITY_UNAVAILABLE ("retry later"), and a client retries.
  const warmUp = createClient({ url: endpoint, token: () => token });
  let warm = await warmUp(WebTitleDocument, { id: 't_1', reviewsFirst: 1 });
  for (let attempt = 1; attempt < 5 && warm.errors?.[0]?.extensions?.code === 'IDENTITY_UNAVAILABLE'; attempt++) {
    warm = await warmUp(WebTitleDocument, { id: 't_1', reviewsFirst: 1 });
  }
  expect(warm.status).toBe(200);
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await bff?.close();
  await mocks?.close();
});

beforeEach(() => {
  seen.length = 0;
});

const graphqlRequests = () => seen.filter(({ url }) => url.pathname === '/graphql');

describe('the BFF runs trusted documents only', () => {
  test('Apollo Client without persisted queries is refused: its query text is not a trusted document (control)', async () => {
    const client = new ApolloClient({ link: new HttpLink({ uri: endpoint, headers: { authorization: `Bearer ${token}` } }), cache: new InMemoryCache() });
    const { data, error } = await client.query({ query: document('WebTitle'), variables: { id: 't_42' }, errorPolicy: 'all' });
    expect(data).toBeUndefined();
    expect(error?.message).toContain('This BFF runs trusted documents only');
    expect(graphqlRequests().map(({ status }) => status)).toEqual([400]);
  });
});

describe('Apollo Client 4: PersistedQueryLink with ids from the manifest', () => {
  const verificationFailures: unknown[] = [];

  function apollo() {
    const link = ApolloLink.from([
      // In development: every document Apollo sends must be the manifest's, byte for byte.
      // (@apollo/persisted-query-lists is CommonJS, so its types name Apollo's CommonJS build's ApolloLink: the same link.)
      createPersistedQueryManifestVerificationLink({ loadManifest: () => manifest, onVerificationFailed: (details) => verificationFailures.push(details.reason) }) as unknown as ApolloLink,
      new PersistedQueryLink({ ...generatePersistedQueryIdsFromManifest({ loadManifest: () => manifest }), useGETForHashedQueries: true }),
      new HttpLink({ uri: endpoint, headers: { authorization: `Bearer ${token}` } }),
    ]);
    return new ApolloClient({ link, cache: new InMemoryCache(), clientAwareness: { name: 'web', version: clientVersion } });
  }

  test('a query is one GET by hash; a title read twice is one request, answered the second time from the normalised cache', async () => {
    const client = apollo();
    const query = document('WebTitle');

    const first = await client.query<WebTitleQuery>({ query, variables: { id: 't_42', reviewsFirst: 2 } });
    const second = await client.query<WebTitleQuery>({ query, variables: { id: 't_42', reviewsFirst: 2 } });

    expect(first.data?.title).toMatchObject({ id: 't_42', __typename: 'Title' });
    expect(second.data).toEqual(first.data);
    const requests = graphqlRequests();
    expect(requests.map(({ method, status }) => `${method} ${status}`)).toEqual(['GET 200']);
    const params = requests[0]!.url.searchParams;
    expect(params.has('query')).toBe(false);
    expect(JSON.parse(params.get('extensions')!).persistedQuery).toEqual({ version: 1, sha256Hash: idOf('WebTitle') });
    expect(requests[0]!.headers['apollographql-client-version']).toBe(clientVersion);
    // Normalised: the title is one entity, Title:t_42, which the query's root field points at.
    expect(client.cache.identify(first.data!.title!)).toBe('Title:t_42');
    expect(client.cache.extract()).toHaveProperty(['Title:t_42', '__typename'], 'Title');
    expect(verificationFailures).toEqual([]);
  });

  test("Apollo's own hash of its printed document, with no manifest (the link's sha256 option), is the trusted id too", async () => {
    const link = ApolloLink.from([
      new PersistedQueryLink({ sha256: (text) => createHash('sha256').update(text).digest('hex'), useGETForHashedQueries: true }),
      new HttpLink({ uri: endpoint, headers: { authorization: `Bearer ${token}` } }),
    ]);
    const client = new ApolloClient({ link, cache: new InMemoryCache() });

    const { data } = await client.query<WebSearchQuery>({ query: document('WebSearch'), variables: { query: 'the', first: 2 } });

    expect(data?.search.edges).toHaveLength(2);
    const requests = graphqlRequests();
    expect(requests.map(({ method, status }) => `${method} ${status}`)).toEqual(['GET 200']);
    expect(JSON.parse(requests[0]!.url.searchParams.get('extensions')!).persistedQuery.sha256Hash).toBe(idOf('WebSearch'));
  });

  test('a mutation is one POST by hash, with no query text', async () => {
    const client = apollo();

    const added = await client.mutate({ mutation: document('AddToMyList'), variables: { contentId: 't_45' } });
    const removed = await client.mutate({ mutation: document('RemoveFromMyList'), variables: { contentId: 't_45' } });

    expect(added.data).toEqual({ addToMyList: { contentId: 't_45', inMyList: true, changed: true, __typename: 'MyListUpdate' } });
    expect(removed.data).toMatchObject({ removeFromMyList: { inMyList: false } });
    expect(graphqlRequests().map(({ method, status }) => `${method} ${status}`)).toEqual(['POST 200', 'POST 200']);
    expect(verificationFailures).toEqual([]);
  });
});

describe('urql: persistedExchange with generateHash from the manifest', () => {
  const idsByName = new Map(manifest.operations.map(({ name, id }) => [name, id]));

  function urql() {
    return new Client({
      url: endpoint,
      fetchOptions: () => ({ headers: { authorization: `Bearer ${token}`, 'x-client-version': clientVersion } }),
      exchanges: [
        cacheExchange,
        persistedExchange({
          // Never the text: the BFF refuses it, so a miss should fail rather than retry.
          enforcePersistedQueries: true,
          enableForMutation: true,
          preferGetForPersistedQueries: true,
          generateHash: async (_query, document) => idsByName.get(getOperationAST(document)!.name!.value)!,
        }),
        fetchExchange,
      ],
    });
  }

  test('a query is one GET by hash; read twice, the second is answered from the cache', async () => {
    const client = urql();
    const query = document('WebTitle');

    const first = await client.query(query, { id: 't_42', reviewsFirst: 2 }).toPromise();
    const second = await client.query(query, { id: 't_42', reviewsFirst: 2 }).toPromise();

    expect(first.error).toBeUndefined();
    expect(first.data.title).toMatchObject({ id: 't_42', __typename: 'Title' });
    expect(second.data).toEqual(first.data);
    const requests = graphqlRequests();
    expect(requests.map(({ method, status }) => `${method} ${status}`)).toEqual(['GET 200']);
    expect(requests[0]!.url.searchParams.has('query')).toBe(false);
    expect(JSON.parse(requests[0]!.url.searchParams.get('extensions')!).persistedQuery).toEqual({ version: 1, sha256Hash: idOf('WebTitle') });
    expect(requests[0]!.headers['x-client-version']).toBe(clientVersion);
  });

  test('a mutation is one POST by hash', async () => {
    const client = urql();

    const added = await client.mutation(document('AddToMyList'), { contentId: 't_46' }).toPromise();
    const removed = await client.mutation(document('RemoveFromMyList'), { contentId: 't_46' }).toPromise();

    expect(added.error).toBeUndefined();
    expect(added.data).toEqual({ addToMyList: { contentId: 't_46', inMyList: true, changed: true, __typename: 'MyListUpdate' } });
    expect(removed.data.removeFromMyList.inMyList).toBe(false);
    expect(graphqlRequests().map(({ method, status }) => `${method} ${status}`)).toEqual(['POST 200', 'POST 200']);
  });
});
