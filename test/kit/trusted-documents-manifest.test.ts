import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { getOperationAST, parse, print } from 'graphql';
import { addTypenameToDocument } from '@apollo/client/utilities';
import { describe, expect, test } from 'vitest';
import { trustedDocuments } from '../../scripts/codegen/trusted-documents.ts';
import { withTypenames } from '../../scripts/codegen/typename.ts';
import * as mobile from '../../bffs/mobile/sdk/index.ts';
import * as tv from '../../bffs/tv/sdk/index.ts';
import * as web from '../../bffs/web/sdk/index.ts';
import { trustedDocumentIds as mobileIds } from '../../bffs/mobile/sdk/trusted-documents.generated.ts';
import { trustedDocumentIds as tvIds } from '../../bffs/tv/sdk/trusted-documents.generated.ts';
import { trustedDocumentIds as webIds } from '../../bffs/web/sdk/trusted-documents.generated.ts';

/**
 * The trusted documents `npm run codegen` writes: the manifest a BFF may run
 * (bffs/<client>/generated/trusted-documents.generated.json) and the ids its SDK sends in place
 * of the query text. Reads the committed files, so a stale manifest fails here too.
 */

const root = join(import.meta.dirname, '../..');
const clients = { web: { sdk: web, ids: webIds }, mobile: { sdk: mobile, ids: mobileIds }, tv: { sdk: tv, ids: tvIds } };

function manifestOf(client: string): Record<string, string> {
  return JSON.parse(readFileSync(join(root, `bffs/${client}/generated/trusted-documents.generated.json`), 'utf8'));
}

function operationNames(client: string): string[] {
  return readdirSync(join(root, `bffs/${client}/operations`))
    .filter((file) => file.endsWith('.graphql'))
    .map((file) => basename(file, '.graphql'))
    .sort();
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe.each(Object.entries(clients))('the %s trusted documents', (client, { sdk, ids }) => {
  const manifest = manifestOf(client);

  test('the manifest has one entry per operation file, each keyed by the hash of its text', () => {
    expect(Object.keys(manifest)).toHaveLength(operationNames(client).length);
    for (const [key, text] of Object.entries(manifest)) expect(key).toBe(`sha256:${sha256(text)}`);
  });

  test('the keys are sorted, for a stable diff', () => {
    const keys = Object.keys(manifest);
    expect(keys).toEqual([...keys].sort());
  });

  test('every entry parses and is the operation of one file, by name', () => {
    const names = Object.values(manifest).map((text) => getOperationAST(parse(text))?.name?.value);
    expect(names.sort()).toEqual(operationNames(client));
  });

  test("the SDK's ids are the manifest's keys, each for the operation stored under it", () => {
    expect(Object.values(ids).sort()).toEqual(Object.keys(manifest).sort());
    for (const [name, id] of Object.entries(ids)) {
      expect(getOperationAST(parse(manifest[id]!))?.name?.value).toBe(name);
      // The stored text is what the SDK would send as `query`, so either form runs the same document.
      const document = (sdk as unknown as Record<string, Parameters<typeof print>[0]>)[`${name}Document`]!;
      expect(print(document)).toBe(manifest[id]);
    }
  });
});

describe("the SDK's createClient", () => {
  function capture() {
    const sent: { method: string; url: string; body: unknown }[] = [];
    const fetch = async (url: string | URL | Request, init?: RequestInit) => {
      sent.push({ method: init?.method ?? 'GET', url: String(url), body: init?.body === undefined ? undefined : JSON.parse(String(init.body)) });
      return new Response(JSON.stringify({ data: null }), { headers: { 'content-type': 'application/json' } });
    };
    return { sent, fetch: fetch as typeof globalThis.fetch };
  }

  test('sends a known query by id as a GET, with its variables and no query text', async () => {
    const { sent, fetch } = capture();
    const request = mobile.createClient({ url: 'http://bff.test/graphql', fetch });
    await request(mobile.MobileTitleDocument, { id: 't_1' });
    const url = new URL(`http://bff.test/graphql?documentId=${encodeURIComponent(mobileIds.MobileTitle)}&variables=${encodeURIComponent('{"id":"t_1"}')}`);
    expect(sent).toEqual([{ method: 'GET', url: url.toString(), body: undefined }]);
  });

  test('appends the GET parameters to a relative endpoint, and to one that has a query string', async () => {
    const { sent, fetch } = capture();
    await mobile.createClient({ url: '/graphql', fetch })(mobile.MobileHomeDocument);
    await mobile.createClient({ url: 'http://bff.test/graphql?tenant=a', fetch })(mobile.MobileHomeDocument);
    const id = encodeURIComponent(mobileIds.MobileHome);
    expect(sent.map(({ url }) => url)).toEqual([`/graphql?documentId=${id}`, `http://bff.test/graphql?tenant=a&documentId=${id}`]);
  });

  test('sends a known mutation by id as a POST', async () => {
    const { sent, fetch } = capture();
    const request = mobile.createClient({ url: 'http://bff.test/graphql', fetch });
    await request(mobile.AddToMyListDocument, { contentId: 't_1' });
    expect(sent).toEqual([{ method: 'POST', url: 'http://bff.test/graphql', body: { documentId: mobileIds.AddToMyList, variables: { contentId: 't_1' } } }]);
  });

  test('sends the query text, POSTed, when the app opts out with documentIds: {}', async () => {
    const { sent, fetch } = capture();
    const request = mobile.createClient({ url: 'http://bff.test/graphql', fetch, documentIds: {} });
    await request(mobile.MobileTitleDocument, { id: 't_1' });
    expect(sent).toEqual([{ method: 'POST', url: 'http://bff.test/graphql', body: { query: print(mobile.MobileTitleDocument), variables: { id: 't_1' } } }]);
  });
});

describe.each(['web', 'mobile', 'tv'])("the %s manifest in Apollo's persisted-query-manifest format", (client) => {
  const apollo = JSON.parse(readFileSync(join(root, `bffs/${client}/generated/persisted-query-manifest.generated.json`), 'utf8')) as {
    format: string;
    version: number;
    operations: { id: string; name: string; type: string; body: string }[];
  };

  test('holds the trusted documents: the same texts under the same ids (bare hex), named and typed by their operation', () => {
    expect(apollo.format).toBe('apollo-persisted-query-manifest');
    expect(apollo.version).toBe(1);
    expect(Object.fromEntries(apollo.operations.map(({ id, body }) => [`sha256:${id}`, body]))).toEqual(manifestOf(client));
    for (const { id, name, type, body } of apollo.operations) {
      expect(id).toBe(sha256(body));
      const operation = getOperationAST(parse(body));
      expect([operation?.name?.value, operation?.operation]).toEqual([name, type]);
    }
  });

  test("every body is what Apollo Client prints for the operation file (it adds __typename itself)", () => {
    const bodies = new Set(apollo.operations.map(({ body }) => body));
    for (const name of operationNames(client)) {
      const source = readFileSync(join(root, `bffs/${client}/operations/${name}.graphql`), 'utf8');
      expect(bodies.has(print(addTypenameToDocument(parse(source)))), name).toBe(true);
    }
  });
});

describe('trustedDocuments (scripts/codegen/trusted-documents.ts)', () => {
  test("orders an operation's fragments as Apollo's manifest and verification link print them: the operation first, then its fragments by name", () => {
    const source = parse(`
      fragment Z on Title { title }
      fragment A on Title { id }
      query Pick($id: ID!) { title(id: $id) { ...Z ...A } }
      query Other { home { rows { id } } }
    `);
    const [other, pick] = trustedDocuments([{ document: withTypenames(source) }]);
    expect([other!.name, pick!.name]).toEqual(['Other', 'Pick']);
    expect(pick!.text.split('\n').filter((line) => /^(query|fragment)/.test(line))).toEqual(['query Pick($id: ID!) {', 'fragment A on Title {', 'fragment Z on Title {']);
    expect(pick!.id).toBe(`sha256:${sha256(pick!.text)}`);
  });
});

