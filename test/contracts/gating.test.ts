/**
 * Gating by app version, in the kit, on a small schema that has every kind of gate: enum values
 * with and without a fallback, a gated union member, a gated field and a gated argument. The
 * mobile BFF's real SQUARE row is proven over HTTP in client-versions.test.ts.
 */
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { ExecutionResult } from 'graphql';
import { describe, expect, test } from 'vitest';
import { createDocumentCatalog } from '../../bffs/kit/contracts/document-catalog.ts';
import { createVersionViews, NEWEST, readSchemaGates, type GateVersion } from '../../bffs/kit/contracts/gates.ts';
import { withoutGatedOutputs } from '../../bffs/kit/contracts/gated-output.ts';
import type { Release } from '../../bffs/kit/contracts/releases.ts';
import { SINCE_DIRECTIVE_SDL } from '../../bffs/kit/contracts/since.ts';
import { createContractUsage } from '../../bffs/kit/contracts/usage.ts';
import type { ClientVersionPolicy } from '../../bffs/kit/contracts/versions.ts';
import { createOperationLimits } from '../../bffs/kit/execution/operation-limits.ts';
import { passageOf, type Passage } from '../../bffs/kit/perimeter/pipeline.ts';
import { clientVersionStage } from '../../bffs/kit/perimeter/stages/client-version.ts';
import { createOperationPreparer, type ReadyOperation } from '../../bffs/kit/execution/operations.ts';

const typeDefs = `
  ${SINCE_DIRECTIVE_SDL}
  enum Layout { WIDE TALL SQUARE @since(version: "1.1.0") ROUND @since(version: "1.2.0", fallback: "WIDE") }
  type Row { id: ID! layout: Layout! shapes: [Layout!]! old: String @deprecated(reason: "use id") }
  type Poster { url: String! }
  type Banner @since(version: "1.1.0") { text: String! }
  union Card = Poster | Banner
  type Query {
    rows: [Row!]!
    row: Row
    cards: [Card!]!
    fresh: String @since(version: "1.1.0")
    search(text: String, exact: Boolean @since(version: "1.2.0")): [String!]!
  }
`;
const ROWS = [
  { id: 'a', layout: 'WIDE', shapes: ['WIDE', 'SQUARE', 'ROUND'], old: 'x' },
  { id: 'b', layout: 'SQUARE', shapes: [], old: 'x' },
  { id: 'c', layout: 'ROUND', shapes: ['TALL'], old: 'x' },
];
const schema = makeExecutableSchema({
  typeDefs,
  resolvers: {
    Query: { rows: () => ROWS, row: () => ROWS[1], cards: () => [{ url: 'p' }, { text: 'b' }], fresh: () => 'new', search: () => ['s'] },
    Card: { __resolveType: (card: object) => ('url' in card ? 'Poster' : 'Banner') },
  },
});
const gates = readSchemaGates(schema);
const views = createVersionViews(gates);
const preparer = createOperationPreparer({ schema, gates, limits: createOperationLimits(undefined), production: false });

function ready(text: string): ReadyOperation {
  const prepared = preparer.prepare(text, undefined);
  if (!prepared.ready) throw new Error(prepared.errors.map((e) => e.message).join('; '));
  return prepared;
}

async function run(text: string, version: GateVersion): Promise<ExecutionResult> {
  const operation = ready(text);
  const result = (await operation.compiled.query(undefined, {}, {})) as ExecutionResult;
  return withoutGatedOutputs(result, operation.contract, views(version), gates);
}

describe('what an older app is never sent', () => {
  const ROWS_QUERY = '{ rows { id layout shapes } }';

  test('a gated enum value leaves its list item out; a fallback replaces it instead', async () => {
    expect((await run(ROWS_QUERY, '1.0.0')).data).toEqual({
      rows: [
        { id: 'a', layout: 'WIDE', shapes: ['WIDE', 'WIDE'] },
        { id: 'c', layout: 'WIDE', shapes: ['TALL'] },
      ],
    });
    expect((await run(ROWS_QUERY, '1.1.0')).data).toEqual({
      rows: [
        { id: 'a', layout: 'WIDE', shapes: ['WIDE', 'SQUARE', 'WIDE'] },
        { id: 'b', layout: 'SQUARE', shapes: [] },
        { id: 'c', layout: 'WIDE', shapes: ['TALL'] },
      ],
    });
  });

  test('an app at the newest gate, or built against the current schema, gets everything untouched', async () => {
    for (const version of ['1.2.0', '2.0.0', NEWEST]) {
      expect((await run(ROWS_QUERY, version)).data).toEqual({ rows: ROWS.map(({ old: _, ...row }) => row) });
    }
  });

  test('outside a list, a left-out value nulls the nearest nullable field', async () => {
    expect((await run('{ row { id layout } }', '1.0.0')).data).toEqual({ row: null });
    expect((await run('{ row { id layout } }', '1.1.0')).data).toEqual({ row: { id: 'b', layout: 'SQUARE' } });
  });

  test('a gated union member is left out, and the __typename the BFF added to tell is never sent', async () => {
    const query = '{ cards { ... on Poster { url } ... on Banner { text } } }';
    expect((await run(query, '1.0.0')).data).toEqual({ cards: [{ url: 'p' }] });
    expect((await run(query, '1.1.0')).data).toEqual({ cards: [{ url: 'p' }, { text: 'b' }] });
    expect((await run(query, NEWEST)).data).toEqual({ cards: [{ url: 'p' }, { text: 'b' }] });
    // The client's own __typename stays.
    expect((await run('{ cards { __typename } }', '1.0.0')).data).toEqual({ cards: [{ __typename: 'Poster' }] });
  });

  test('operations that select nothing gated carry no output plan at all', () => {
    expect(ready('{ rows { id } fresh }').contract.outputs).toBeUndefined();
  });
});

describe('what the client-version stage decides', () => {
  const POLICY: ClientVersionPolicy = { required: true, supported: { minimum: '1.0.0' } };
  const release = (version: string, documents: Release['documents']): Release => ({ client: 'test', version, releasedAt: '2026-12-02', documents, schema: typeDefs });
  const shipped = { name: 'Rows', id: 'sha256:rows', text: 'query Rows { rows { id layout } }' };
  const retiredOnly = { name: 'Old', id: 'sha256:old', text: 'query Old { rows { id } }' };
  const catalog = createDocumentCatalog({
    manifest: new Map([[shipped.id, shipped.text], ['sha256:next', 'query Next { rows { id layout } fresh }']]),
    releases: [release('0.9.0', [retiredOnly]), release('1.0.0', [shipped]), release('1.1.0', [shipped])],
    versions: POLICY,
  });

  function decide(headers: Record<string, string>, document: { trusted: boolean; id?: string; text: string }, catalogue = catalog) {
    const usage = createContractUsage(['1.0.0', '1.1.0']);
    const stage = clientVersionStage(catalogue, createVersionViews(gates), usage);
    const passage: Passage = {
      ...passageOf({ method: 'POST', headers: new Headers(headers), peer: '127.0.0.1', params: {} }),
      trusted: document.trusted,
      ...(document.id ? { document: catalogue.documents.get(document.id)! } : {}),
      operation: ready(document.text),
    };
    try {
      stage(passage);
      return { version: passage.clientVersion!.version, usage: usage.snapshot() };
    } catch (error) {
      const { code, minimumVersion } = (error as { extensions: Record<string, unknown> }).extensions;
      return { refused: code, message: (error as Error).message, minimumVersion };
    }
  }
  const trusted = { trusted: true, id: shipped.id, text: shipped.text };

  test('a trusted document believes a version only among the releases that ship it', () => {
    expect(decide({ 'x-client-version': '1.1.0' }, trusted).version).toBe('1.1.0');
    expect(decide({ 'x-client-version': '1.0.0' }, trusted).version).toBe('1.0.0');
    expect(decide({ 'apollographql-client-version': '1.1.0' }, trusted).version).toBe('1.1.0');
    expect(decide({ 'x-client-version': 'v1.1.0-beta.2' }, trusted).version).toBe('1.1.0');
    // Claiming to be newer than any release that ships the document, or saying nothing: the oldest that does.
    expect(decide({ 'x-client-version': '9.0.0' }, trusted).version).toBe('1.0.0');
    expect(decide({}, trusted).version).toBe('1.0.0');
  });

  test('a document only the working copy has (a development build) is served as the release it names, else as the newest', () => {
    const next = { trusted: true, id: 'sha256:next', text: 'query Next { rows { id layout } }' };
    // Naming a release never gets more than that release gets, whatever the working copy holds.
    expect(decide({ 'x-client-version': '1.0.0' }, next).version).toBe('1.0.0');
    expect(decide({ 'x-client-version': '1.1.0' }, next).version).toBe('1.1.0');
    // An unreleased version (the next one, a prerelease of it) or none: it was built against the current schema.
    expect(decide({ 'x-client-version': '1.2.0' }, next).version).toBe(NEWEST);
    expect(decide({ 'x-client-version': '1.1.1-next-0a1b2c3d' }, next).version).toBe(NEWEST);
    expect(decide({}, next).version).toBe(NEWEST);
  });

  test('a development build naming a release cannot select what is gated past it', () => {
    const fresh = { trusted: true, id: 'sha256:next', text: 'query Next { rows { id layout } fresh }' };
    expect(decide({ 'x-client-version': '1.0.0' }, fresh)).toMatchObject({
      refused: 'GRAPHQL_VALIDATION_FAILED',
      message: 'Cannot query Query.fresh before app version 1.1.0: this request is served as 1.0.0.',
    });
    expect(decide({ 'x-client-version': '1.1.0' }, fresh).version).toBe('1.1.0');
  });

  test('a raw document is served as claimed; without a claim as the oldest, or the newest where the client needs no header', () => {
    expect(decide({ 'x-client-version': '1.1.0' }, { trusted: false, text: '{ rows { id } }' }).version).toBe('1.1.0');
    expect(decide({}, { trusted: false, text: '{ rows { id } }' }).version).toBe('1.0.0');
    const web = createDocumentCatalog({ manifest: new Map([[shipped.id, shipped.text]]), releases: [release('1.0.0', [shipped])], versions: { required: false, supported: { minimum: '1.0.0' } } });
    expect(decide({}, { trusted: false, text: '{ rows { id } }' }, web).version).toBe(NEWEST);
    // A client deployed with its BFF: the working copy's document with no header is the current app…
    expect(decide({}, trusted, web).version).toBe(NEWEST);
    // …but a claim still has to name a release that ships it.
    expect(decide({ 'x-client-version': '1.0.0' }, trusted, web).version).toBe('1.0.0');
    expect(decide({ 'x-client-version': '3.0.0' }, trusted, web).version).toBe('1.0.0');
  });

  test('a retired version is told the minimum; a version that is not one is a bad request', () => {
    expect(decide({ 'x-client-version': '0.9.0' }, trusted)).toMatchObject({ refused: 'CLIENT_VERSION_UNSUPPORTED', minimumVersion: '1.0.0' });
    expect(decide({ 'x-client-version': 'latest' }, trusted)).toMatchObject({ refused: 'BAD_REQUEST', message: 'x-client-version must be an app version like 1.2.0, not "latest".' });
    expect(catalog.retired.has(retiredOnly.id)).toBe(true);
    expect(catalog.documents.has(retiredOnly.id)).toBe(false);
  });

  test('a field or argument gated past the version is refused like a field the schema lacks', () => {
    expect(decide({ 'x-client-version': '1.0.0' }, { trusted: false, text: '{ fresh }' })).toMatchObject({
      refused: 'GRAPHQL_VALIDATION_FAILED',
      message: 'Cannot query Query.fresh before app version 1.1.0: this request is served as 1.0.0.',
    });
    expect(decide({ 'x-client-version': '1.1.0' }, { trusted: false, text: '{ fresh }' }).version).toBe('1.1.0');
    expect(decide({ 'x-client-version': '1.1.0' }, { trusted: false, text: '{ search(text: "a", exact: true) }' })).toMatchObject({ refused: 'GRAPHQL_VALIDATION_FAILED', message: expect.stringContaining('Query.search.exact before app version 1.2.0') });
    expect(decide({ 'x-client-version': '1.1.0' }, { trusted: false, text: '{ search(text: "a") }' }).version).toBe('1.1.0');
  });

  test('usage is counted per version and operation, and per deprecated field, with bounded labels', () => {
    expect(decide({ 'x-client-version': '1.1.0' }, { trusted: false, text: 'query Mine { rows { old } }' }).usage).toEqual({
      operations: [{ version: '1.1.0', name: 'other', count: 1 }],
      deprecatedFields: [{ version: '1.1.0', name: 'Row.old', count: 1 }],
    });
    expect(decide({ 'x-client-version': '1.4.0' }, trusted).usage).toEqual({ operations: [{ version: 'other', name: 'Rows', count: 1 }], deprecatedFields: [] });
    expect(decide({}, trusted).usage?.operations).toEqual([{ version: 'none', name: 'Rows', count: 1 }]);
  });
});
