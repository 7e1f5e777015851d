import { createSourceEventStream, getOperationAST, getVariableValues, GraphQLError, type ExecutionResult, NoSchemaIntrospectionCustomRule, specifiedRules, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { LRUCache } from 'lru-cache';
import { hash } from 'node:crypto';
import { cachePolicyOf } from '../caching/cache-hints.ts';
import type { CachePolicy } from '../core/cache-policy.ts';
import { readSchemaGates, type SchemaGates } from '../contracts/gates.ts';
import { contractOf, withMemberTypenames, type OperationContract } from '../contracts/operation-contract.ts';
import { concierge, type ErrorCode } from '../errors.ts';
import type { OperationLimitChecker } from './operation-limits.ts';
import { incrementalQuery, offersIncrementalDelivery, usesIncrementalDelivery, withIncrementalRules, withoutIncrementalDirectives, type IncrementalResult } from './incremental.ts';

/** What runs a deferring operation in parts: yoga's executor (incremental.ts). */
export interface DeferredQuery {
  query(root: unknown, context: unknown, variables: Record<string, unknown>): Promise<ExecutionResult | IncrementalResult> | ExecutionResult | IncrementalResult;
}

/** A document the BFF can run: parsed, within its limits, validated and compiled, once. */
export interface ReadyOperation {
  ready: true;
  /** graphql-jit's compiled query: the whole result at once (a deferring document without its directives). */
  compiled: CompiledQuery;
  /** For a document that uses `@defer`: what answers it in parts, to a request that takes them (incremental.ts). */
  deferred?: DeferredQuery;
  /**
   * For a subscription: its source events (the field's `subscribe`, by graphql-js), each then
   * answered by `compiled.query` with the event as the root. graphql-jit's own `subscribe` maps
   * the events through two async functions per event, which a live stream cannot afford
   * (core/mapped-events.ts says why).
   */
  sourceEvents?: (context: unknown, variables: Record<string, unknown>) => Promise<AsyncIterable<unknown> | ExecutionResult>;
  kind: 'query' | 'mutation' | 'subscription';
  /** The operation's name, when it has one. */
  name: string | undefined;
  /** What the rate limits spend on it (operation-limits.ts). */
  cost: number;
  /** What it asks of the app's version (contracts/operation-contract.ts). */
  contract: OperationContract;
  /** How long its answer may be reused and by whom (caching/cache-hints.ts); none for a mutation. */
  cache: CachePolicy | undefined;
  /** The document and operation name, hashed: what the response cache keys the document by. */
  documentKey: string;
  /** The variables the operation declares: any other is refused (perimeter/stages/variables.ts). */
  variableNames: ReadonlySet<string>;
  /**
   * The variables as execution will see them (graphql-js's coercion, which graphql-jit's
   * compiled query follows: defaults filled in, values in their types, in declaration order), or
   * undefined when they do not coerce. The response cache keys on these, so two spellings of one
   * input share an entry. (graphql-jit's own coercion is not exported in a form ESM can load.)
   */
  coerceVariables(variables: Record<string, unknown>): Record<string, unknown> | undefined;
}

/** A document the BFF refuses, with the catalog errors to answer, also computed once. */
export interface RefusedOperation {
  ready: false;
  errors: readonly GraphQLError[];
}

export type PreparedOperation = ReadyOperation | RefusedOperation;

export interface OperationPreparerOptions {
  schema: GraphQLSchema;
  /** The schema's `@since` gates (contracts/gates.ts); read from the schema when not given. */
  gates?: SchemaGates;
  limits: OperationLimitChecker;
  /** Production: introspection is refused and "Did you mean" suggestions are hidden. */
  production: boolean;
  /** Distinct raw documents kept; a client's SDK sends a few dozen at most. */
  maxDocuments?: number;
  /** Total raw document text kept, in characters: a few huge documents cannot hold much memory either. */
  maxCharacters?: number;
  /** The client's cache defaults, which the SDL's `@cacheControl` hints refine (bffs/<client>/policy.ts). */
  cacheDefaults?: CachePolicy;
}

/** What both caches offer: an LRU or a plain map of document text → prepared operation per name. */
interface DocumentCache {
  get(text: string): Map<string, PreparedOperation> | undefined;
  set(text: string, byName: Map<string, PreparedOperation>): unknown;
}

/** Without a client policy: revalidate every time, one viewer's. */
const NO_REUSE: CachePolicy = { maxAge: 0, scope: 'PRIVATE' };

/** Operation names remembered per document: a document holds a handful of operations. */
const MAX_NAMES_PER_DOCUMENT = 16;

/**
 * Turns document text into what both transports run: parse (armor counts tokens), operation
 * limits (armor's rules, before the quadratic validation rules), graphql-js validation (with
 * introspection off in production), operation resolution, its version contract and graphql-jit
 * compilation. yoga's
 * path and the fast lane both execute the result, so there is one parser, one validator and one
 * compiler for every request, and the verdicts (refusals too) are cached:
 * - `trusted(text)` keeps a trusted document for the life of the process;
 * - `prepare(text, name)` keeps raw documents in one LRU, bounded in count and in total text,
 *   with a small bounded map of names per document, so a client inventing documents or names
 *   evicts old entries and never grows memory. Keyed by the text itself: no string building.
 */
export function createOperationPreparer({ schema, gates = readSchemaGates(schema), limits, production, maxDocuments = 1_000, maxCharacters = 8_000_000, cacheDefaults = NO_REUSE }: OperationPreparerOptions) {
  const baseRules = production ? [...specifiedRules, NoSchemaIntrospectionCustomRule] : specifiedRules;
  const rules = offersIncrementalDelivery(schema) ? withIncrementalRules(baseRules) : baseRules;
  const raw = new LRUCache<string, Map<string, PreparedOperation>>({ max: maxDocuments, maxSize: maxCharacters, sizeCalculation: (_, text) => Math.max(1, text.length) });
  const trustedDocuments = new Map<string, Map<string, PreparedOperation>>();

  function compile(text: string, operationName: string | undefined): PreparedOperation {
    let document: DocumentNode;
    try {
      document = limits.parse(text);
    } catch (error) {
      return refused(error, 'GRAPHQL_PARSE_FAILED');
    }
    let cost: number;
    try {
      ({ cost } = limits.weigh(schema, document));
    } catch (error) {
      return refused(error, 'OPERATION_LIMIT_EXCEEDED');
    }
    const invalid = validate(schema, document, rules);
    if (invalid.length > 0) return { ready: false, errors: (production ? hideSuggestions(invalid) : invalid).map((e) => asRequestError(e, 'GRAPHQL_VALIDATION_FAILED')) };
    const operation = getOperationAST(document, operationName);
    if (!operation) return { ready: false, errors: [concierge('BAD_REQUEST', operationName ? `No operation named "${operationName}" in the document.` : 'The document holds several operations: name one in operationName.')] };
    // What runs may carry `__typename` under gated unions (operation-contract.ts); it was
    // validated and weighed as the client sent it.
    const runnable = withMemberTypenames(schema, gates, document);
    const contract = contractOf(schema, gates, runnable, getOperationAST(runnable, operationName)!);
    // graphql-jit cannot defer: in parts, a deferring operation runs on the executor yoga uses;
    // whole, it is compiled without its directives like any other.
    const deferring = usesIncrementalDelivery(runnable);
    const compiled = compileQuery(schema, deferring ? withoutIncrementalDirectives(runnable) : runnable, operationName);
    if (!isCompiledQuery(compiled)) return { ready: false, errors: (compiled.errors ?? []).map((e) => asRequestError(e, 'GRAPHQL_VALIDATION_FAILED')) };
    const definitions = operation.variableDefinitions ?? [];
    const ready: ReadyOperation = {
      ready: true,
      compiled,
      kind: operation.operation,
      name: operation.name?.value,
      cost,
      contract,
      cache: cachePolicyOf(schema, document, operation, cacheDefaults),
      documentKey: hash('sha1', `${operationName ?? ''}\n${text}`, 'base64url'),
      variableNames: new Set(definitions.map((definition) => definition.variable.name.value)),
      coerceVariables: (variables) => getVariableValues(schema, definitions, variables, { maxErrors: 1 }).coerced,
    };
    if (deferring) ready.deferred = incrementalQuery(schema, runnable, operationName);
    if (operation.operation === 'subscription') {
      ready.sourceEvents = (contextValue, variableValues) => createSourceEventStream({ schema, document: runnable, contextValue, variableValues, operationName });
    }
    return ready;
  }

  function lookUp(cache: DocumentCache, text: string, operationName: string | undefined, keep: boolean) {
    const name = operationName ?? '';
    let byName = cache.get(text);
    const hit = byName?.get(name);
    if (hit) return hit;
    const prepared = compile(text, operationName);
    if (!keep) return prepared;
    if (!byName) cache.set(text, (byName = new Map()));
    if (byName.size >= MAX_NAMES_PER_DOCUMENT) byName.clear();
    byName.set(name, prepared);
    return prepared;
  }

  return {
    /** A raw document: cached in the bounded LRU (one larger than the whole cache is never kept). */
    prepare: (text: string, operationName: string | undefined): PreparedOperation => lookUp(raw, text, operationName, text.length <= maxCharacters),
    /** A trusted document of the manifest: kept for the life of the process. */
    trusted: (text: string, operationName: string | undefined): PreparedOperation => lookUp(trustedDocuments, text, operationName, true),
  };
}

export type OperationPreparer = ReturnType<typeof createOperationPreparer>;

function refused(error: unknown, code: ErrorCode): RefusedOperation {
  if (!(error instanceof GraphQLError)) throw error;
  return { ready: false, errors: [error.extensions?.code ? error : asRequestError(error, code)] };
}

/**
 * A parse or validation error with its catalog code, as a request error: 400, or 200 under legacy
 * `application/json` (the spec's recommendation, yoga's `http.spec` flag).
 */
function asRequestError(error: GraphQLError, code: ErrorCode): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    extensions: { ...error.extensions, code, http: { status: 400, spec: true } },
  });
}

// graphql-armor's own suggestion masking, run on our validation errors (it is written as an
// envelop onValidate hook; the BFF validates outside envelop, once for both paths).
const suggestionMask = blockFieldSuggestionsPlugin() as unknown as { onValidate: (payload: never) => (end: { valid: boolean; result: readonly GraphQLError[]; setResult(r: GraphQLError[]): void }) => void };

function hideSuggestions(errors: readonly GraphQLError[]): readonly GraphQLError[] {
  let masked = errors;
  suggestionMask.onValidate({} as never)({ valid: false, result: errors, setResult: (result) => (masked = result) });
  return masked;
}
