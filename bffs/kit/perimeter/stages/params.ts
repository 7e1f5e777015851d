import { concierge } from '../../errors.ts';
import { MAX_PARAMETER_DEPTH } from '../../input-limits.ts';
import type { Stage } from '../pipeline.ts';

const KNOWN = new Set(['query', 'documentId', 'variables', 'operationName', 'extensions']);
const isMap = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The GraphQL-over-HTTP parameters, checked: `query` or `documentId` (the persisted-documents
 * RFC) as strings, `variables` and `extensions` as maps, `operationName` as a string, and
 * nothing else, whether they came in a POST body or a GET query string; `variables` and
 * `extensions` nest at most MAX_PARAMETER_DEPTH levels. Apollo's
 * `extensions.persistedQuery.sha256Hash` names a document too (trusted-documents.ts reads it).
 * Everything else is 400 BAD_REQUEST, on both transports.
 */
export const paramsStage: Stage = (passage) => {
  const { params } = passage.request;
  for (const key in params) {
    if (!KNOWN.has(key) && params[key] != null) throw badRequest(`Unexpected parameter "${key.slice(0, 50)}": a request has query or documentId, variables, operationName and extensions, nothing else.`);
  }
  const { query, documentId, variables, operationName, extensions } = params;
  if (query != null && typeof query !== 'string') throw badRequest('"query" must be a string.');
  if (documentId != null && typeof documentId !== 'string') throw badRequest('"documentId" must be a string.');
  if (variables != null && !isMap(variables)) throw badRequest('"variables" must be a map.');
  if (extensions != null && !isMap(extensions)) throw badRequest('"extensions" must be a map.');
  if (variables != null && nestsDeeperThan(variables, MAX_PARAMETER_DEPTH)) throw badRequest(`"variables" nest deeper than ${MAX_PARAMETER_DEPTH} levels.`);
  if (extensions != null && nestsDeeperThan(extensions, MAX_PARAMETER_DEPTH)) throw badRequest(`"extensions" nest deeper than ${MAX_PARAMETER_DEPTH} levels.`);
  if (operationName != null && typeof operationName !== 'string') throw badRequest('"operationName" must be a string.');
  passage.query = query ?? undefined;
  passage.documentId = documentId ?? undefined;
  passage.variables = variables ?? undefined;
  passage.operationName = operationName || undefined;
};

const badRequest = (message: string) => concierge('BAD_REQUEST', message);

/**
 * Whether objects and arrays nest more than `levels` deep; it recurses at most `levels + 1`
 * frames. No operation of ours needs more than a few levels; a body within its size limit can
 * nest thousands deep, which overflows the stack of whatever walks it recursively later
 * (JSON.stringify, the response cache's key, a logger), a 500 per request.
 */
function nestsDeeperThan(value: unknown, levels: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (levels === 0) return true;
  for (const child of Array.isArray(value) ? value : Object.values(value)) {
    if (nestsDeeperThan(child, levels - 1)) return true;
  }
  return false;
}
