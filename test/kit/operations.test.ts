import { makeExecutableSchema } from '@graphql-tools/schema';
import { describe, expect, test } from 'vitest';
import { createOperationCache } from '../../bffs/kit/server/operations.ts';

const schema = makeExecutableSchema({
  typeDefs: 'type Query { a: Int b: Int } type Mutation { m: Int } type Subscription { s: Int }',
});
const doc = (n: number) => `query Q${n} { a }`;

describe('the fast lane\'s operation cache', () => {
  test('compiles a document once and hands back the same compiled query', () => {
    const prepare = createOperationCache(schema);
    const first = prepare(doc(1), undefined);
    expect(first).not.toBe('yoga');
    expect(prepare(doc(1), undefined)).toBe(first);
    expect(prepare(doc(1), 'Q1')).not.toBe(first); // another name is another entry
  });

  test('leaves to yoga what it must: syntax and validation errors, unknown or ambiguous names, subscriptions', () => {
    const prepare = createOperationCache(schema);
    expect(prepare('{ a ', undefined)).toBe('yoga');
    expect(prepare('{ nope }', undefined)).toBe('yoga');
    expect(prepare('query A { a } query B { b }', undefined)).toBe('yoga');
    expect(prepare('query A { a }', 'B')).toBe('yoga');
    expect(prepare('subscription { s }', undefined)).toBe('yoga');
    expect(prepare('query A { a } query B { b }', 'B')).not.toBe('yoga');
    expect(prepare('mutation { m }', undefined)).not.toBe('yoga');
  });

  test('keeps at most maxDocuments documents, least recently used out first', () => {
    const prepare = createOperationCache(schema, { maxDocuments: 2 });
    const one = prepare(doc(1), undefined);
    const two = prepare(doc(2), undefined);
    prepare(doc(1), undefined); // one is now the most recent
    prepare(doc(3), undefined); // evicts two
    expect(prepare(doc(1), undefined)).toBe(one);
    expect(prepare(doc(2), undefined)).not.toBe(two);
  });

  test('bounds the text it holds, and never keeps a document larger than that', () => {
    const big = `query Big { a ${' '.repeat(2_000)} }`;
    const prepare = createOperationCache(schema, { maxCharacters: 1_000 });
    expect(prepare(big, undefined)).not.toBe(prepare(big, undefined));
    const small = prepare(doc(1), undefined);
    expect(prepare(doc(1), undefined)).toBe(small);
  });

  test('bounds the names remembered per document', () => {
    const prepare = createOperationCache(schema);
    const named = prepare(doc(1), 'Q1');
    for (let i = 0; i < 100; i++) expect(prepare(doc(1), `Junk${i}`)).toBe('yoga');
    // The junk names were dropped in batches, taking Q1 with them once: compiled again, still right.
    expect(prepare(doc(1), 'Q1')).not.toBe('yoga');
    expect(named).not.toBe('yoga');
  });
});
