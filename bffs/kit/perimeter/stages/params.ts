import { concierge } from '../../errors.ts';
import type { Stage } from '../pipeline.ts';

const KNOWN = new Set(['query', 'documentId', 'variables', 'operationName', 'extensions']);
const isMap = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The GraphQL-over-HTTP parameters, checked: `query` or `documentId` (the persisted-documents
 * RFC) as strings, `variables` and `extensions` as maps, `operationName` as a string, and
 * nothing else. Apollo's `extensions.persistedQuery.sha256Hash` names a document too
 * (trusted-documents.ts reads it). Everything else is 400 BAD_REQUEST, on both transports.
 */
export const paramsStage: Stage = (passage) => {
  const { params } = passage.request;
  for (const key in params) {
    if (!KNOWN.has(key) && params[key] != null) throw badRequest(`Unexpected parameter "${key.slice(0, 50)}".`);
  }
  const { query, documentId, variables, operationName, extensions } = params;
  if (query != null && typeof query !== 'string') throw badRequest('"query" must be a string.');
  if (documentId != null && typeof documentId !== 'string') throw badRequest('"documentId" must be a string.');
  if (variables != null && !isMap(variables)) throw badRequest('"variables" must be a map.');
  if (extensions != null && !isMap(extensions)) throw badRequest('"extensions" must be a map.');
  if (operationName != null && typeof operationName !== 'string') throw badRequest('"operationName" must be a string.');
  passage.query = query ?? undefined;
  passage.documentId = documentId ?? undefined;
  passage.variables = variables ?? undefined;
  passage.operationName = operationName || undefined;
};

const badRequest = (message: string) => concierge('BAD_REQUEST', message);
