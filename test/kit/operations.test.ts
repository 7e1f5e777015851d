import { makeExecutableSchema } from '@graphql-tools/schema';
import { describe, expect, test } from 'vitest';
import { createOperationLimits } from '../../bffs/kit/execution/operation-limits.ts';
import { createOperationPreparer, type PreparedOperation } from '../../bffs/kit/execution/operations.ts';

const schema = makeExecutableSchema({
  typeDefs: 'type Query { a: Int b: Int o: O } type O { a: Int o: O } type Mutation { m: Int } type Subscription { s: Int }',
});
const doc = (n: number) => `query Q${n} { a }`;
const LIMITS = { depth: 3, aliases: 2, directives: 2, tokens: 60, cost: 10 };
const preparer = (options: { maxDocuments?: number; maxCharacters?: number; production?: boolean } = {}) =>
  createOperationPreparer({ schema, limits: createOperationLimits(LIMITS), production: false, ...options }).prepare;
const codes = (prepared: PreparedOperation) => (prepared.ready ? [] : prepared.errors.map((e) => e.extensions.code));

describe('the operation preparer both transports run', () => {
  test('compiles a document once and hands back the same compiled query', () => {
    const prepare = preparer();
    const first = prepare(doc(1), undefined);
    expect(first.ready).toBe(true);
    expect(prepare(doc(1), undefined)).toBe(first);
    expect(prepare(doc(1), 'Q1')).not.toBe(first); // another name is another entry
  });

  test('refuses with catalog codes: syntax, validation, unknown or ambiguous names; prepares subscriptions, and refuses one a schema has no root for', () => {
    const prepare = preparer();
    expect(codes(prepare('{ a ', undefined))).toEqual(['GRAPHQL_PARSE_FAILED']);
    expect(codes(prepare('{ nope }', undefined))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(codes(prepare('query A { a } query B { b }', undefined))).toEqual(['BAD_REQUEST']);
    expect(codes(prepare('query A { a }', 'B'))).toEqual(['BAD_REQUEST']);
    // A schema with a subscription root runs them (the lifecycle answers them as events: test/live/).
    expect(prepare('subscription { s }', undefined)).toMatchObject({ ready: true, kind: 'subscription' });
    const noSubscriptions = makeExecutableSchema({ typeDefs: 'type Query { a: Int }' });
    const prepareWithout = createOperationPreparer({ schema: noSubscriptions, limits: createOperationLimits(LIMITS), production: false }).prepare;
    expect(codes(prepareWithout('subscription { a }', undefined))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(prepare('query A { a } query B { b }', 'B').ready).toBe(true);
    expect(prepare('mutation { m }', undefined)).toMatchObject({ ready: true, kind: 'mutation' });
  });

  test('caches refusals too: a client resending a broken document costs a lookup', () => {
    const prepare = preparer();
    expect(prepare('{ nope }', undefined)).toBe(prepare('{ nope }', undefined));
  });

  test.each([
    ['depth', '{ o { o { o { o { a } } } } }'],
    ['aliases', '{ x: a y: a z: a }'],
    ['directives', '{ a @skip(if: false) @include(if: true) b @skip(if: false) }'],
    ['tokens', `{ ${'a '.repeat(80)}}`],
    ['cost', '{ o { o { a } } x: o { o { a } } }'],
  ])('a document over its %s limit is refused with OPERATION_LIMIT_EXCEEDED naming it', (limit, text) => {
    const prepared = preparer()(text, undefined);
    expect(prepared.ready).toBe(false);
    if (prepared.ready) return;
    expect(prepared.errors[0]!.extensions).toMatchObject({ code: 'OPERATION_LIMIT_EXCEEDED', limit, max: LIMITS[limit as keyof typeof LIMITS], http: { status: 400 } });
  });

  test('weighs what it admits: armor\'s cost, which the rate limits spend', () => {
    expect(preparer()('{ o { a } }', undefined)).toMatchObject({ ready: true, cost: Math.ceil(2 + 1.5 * 1) });
  });

  test('a page size sent as a variable is priced at the largest page, one left out at its default', () => {
    const listSchema = makeExecutableSchema({ typeDefs: 'type Query { items(first: Int = 10): [I] } type I { a: Int }' });
    const weigh = (text: string) => createOperationLimits(undefined, 50).weigh(listSchema, createOperationLimits(undefined).parse(text)).cost;
    const perItem = 2 + 1.5 * 1;
    expect(weigh('{ items(first: 3) { a } }')).toBe(Math.ceil(perItem * 3));
    expect(weigh('query ($n: Int) { items(first: $n) { a } }')).toBe(Math.ceil(perItem * 50));
    expect(weigh('{ items { a } }')).toBe(Math.ceil(perItem * 10));
  });

  test('in production, introspection is refused and suggestions are hidden', () => {
    const prepare = preparer({ production: true });
    expect(new Set(codes(prepare('{ __schema { queryType { name } } }', undefined)))).toEqual(new Set(['GRAPHQL_VALIDATION_FAILED']));
    const typo = prepare('{ aa }', undefined);
    expect(typo.ready ? '' : typo.errors[0]!.message).not.toContain('Did you mean');
    const dev = preparer()('{ aa }', undefined);
    expect(dev.ready ? '' : dev.errors[0]!.message).toContain('Did you mean');
  });

  test('keeps at most maxDocuments documents, least recently used out first', () => {
    const prepare = preparer({ maxDocuments: 2 });
    const one = prepare(doc(1), undefined);
    const two = prepare(doc(2), undefined);
    prepare(doc(1), undefined); // one is now the most recent
    prepare(doc(3), undefined); // evicts two
    expect(prepare(doc(1), undefined)).toBe(one);
    expect(prepare(doc(2), undefined)).not.toBe(two);
  });

  test('bounds the text it holds, and never keeps a document larger than that', () => {
    const big = `query Big { a ${' '.repeat(2_000)} }`;
    const prepare = preparer({ maxCharacters: 1_000 });
    expect(prepare(big, undefined)).not.toBe(prepare(big, undefined));
    const small = prepare(doc(1), undefined);
    expect(prepare(doc(1), undefined)).toBe(small);
  });

  test('bounds the names remembered per document', () => {
    const prepare = preparer();
    const named = prepare(doc(1), 'Q1');
    for (let i = 0; i < 100; i++) expect(prepare(doc(1), `Junk${i}`).ready).toBe(false);
    // The junk names were dropped in batches, taking Q1 with them once: compiled again, still right.
    expect(prepare(doc(1), 'Q1').ready).toBe(true);
    expect(named.ready).toBe(true);
  });
});
