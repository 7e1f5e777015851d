import { getOperationAST, parse, validate, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';

/** What the fast lane runs, or `yoga` when the document is one it leaves to yoga. */
export type PreparedOperation = CompiledQuery | 'yoga';

export interface OperationCacheOptions {
  /** Distinct documents kept; a client's SDK sends a few dozen at most. */
  max?: number;
}

/**
 * Documents the fast lane has seen, parsed, validated and compiled by graphql-jit once, keyed by
 * their text and operation name: the same work yoga's parser and validation caches and
 * @envelop/graphql-jit do on its path, with the same graphql-js rules and the same compiler.
 *
 * Anything that is not a plain valid query or mutation (a syntax or validation error, an
 * ambiguous or unknown operation name, a subscription) is marked `yoga`, so yoga answers it with
 * its own errors and codes. The marks are cached too: a client resending a broken document costs
 * one map lookup here. Bounded, so a stream of unique documents cannot grow memory.
 */
export function createOperationCache(schema: GraphQLSchema, { max = 1_000 }: OperationCacheOptions = {}) {
  const byName = new Map<string, LRUCache<string, { prepared: PreparedOperation }>>();
  const cacheFor = (operationName: string) => {
    let cache = byName.get(operationName);
    if (!cache) {
      // A cache per operation name keeps the key the document text itself: no concatenation of a
      // multi-kilobyte string per request. Names are few (they are in the clients' code).
      if (byName.size >= max) byName.clear();
      byName.set(operationName, (cache = new LRUCache({ max })));
    }
    return cache;
  };

  return function prepare(query: string, operationName: string | undefined): PreparedOperation {
    const cache = cacheFor(operationName ?? '');
    const hit = cache.get(query);
    if (hit) return hit.prepared;
    const prepared = compile(schema, query, operationName);
    cache.set(query, { prepared });
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
