import { getOperationAST, parse, validate, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';

/** What the fast lane runs, or `yoga` when the document is one it leaves to yoga. */
export type PreparedOperation = CompiledQuery | 'yoga';

export interface OperationCacheOptions {
  /** Distinct documents kept; a client's SDK sends a few dozen at most. */
  maxDocuments?: number;
  /** Total document text kept, in characters: a few huge documents cannot hold much memory either. */
  maxCharacters?: number;
}

/** Operation names remembered per document: a document holds a handful of operations. */
const MAX_NAMES_PER_DOCUMENT = 16;

/**
 * Documents the fast lane has seen, parsed, validated and compiled by graphql-jit once, keyed by
 * their text and operation name: the same work yoga's parser and validation caches and
 * @envelop/graphql-jit do on its path, with the same graphql-js rules and the same compiler.
 *
 * Anything that is not a plain valid query or mutation (a syntax or validation error, an
 * ambiguous or unknown operation name, a subscription) is marked `yoga`, so yoga answers it with
 * its own errors and codes. The marks are cached too: a client resending a broken document costs
 * one lookup here.
 *
 * One LRU over documents, bounded in count and in total text, and a small bounded map of names
 * per document: a client inventing names or documents evicts old entries, never grows memory.
 * Keyed by the text itself, so a request costs no string building.
 */
export function createOperationCache(schema: GraphQLSchema, { maxDocuments = 1_000, maxCharacters = 8_000_000 }: OperationCacheOptions = {}) {
  const documents = new LRUCache<string, Map<string, PreparedOperation>>({
    max: maxDocuments,
    maxSize: maxCharacters,
    sizeCalculation: (_, query) => Math.max(1, query.length),
  });

  return function prepare(query: string, operationName: string | undefined): PreparedOperation {
    const name = operationName ?? '';
    let byName = documents.get(query);
    const hit = byName?.get(name);
    if (hit) return hit;
    const prepared = compile(schema, query, operationName);
    if (query.length > maxCharacters) return prepared; // larger than the whole cache: never kept
    if (!byName) documents.set(query, (byName = new Map()));
    if (byName.size >= MAX_NAMES_PER_DOCUMENT) byName.clear();
    byName.set(name, prepared);
    return prepared;
  };
}

function compile(schema: GraphQLSchema, query: string, operationName: string | undefined): PreparedOperation {
  let document;
  try {
    document = parse(query);
  } catch {
    return 'yoga';
  }
  if (validate(schema, document).length > 0) return 'yoga';
  const operation = getOperationAST(document, operationName);
  if (!operation || operation.operation === 'subscription') return 'yoga';
  const compiled = compileQuery(schema, document, operationName);
  return isCompiledQuery(compiled) ? compiled : 'yoga';
}
