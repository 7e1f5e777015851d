import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { getOperationAST, print, type DocumentNode } from 'graphql';

export interface GraphQLResponse<TData> {
  data?: TData | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } & Record<string, unknown> }[];
}

export interface ClientOptions {
  /** The BFF's GraphQL endpoint, e.g. http://127.0.0.1:4001/graphql. */
  url: string;
  /** Called before every request, so a refreshed token is picked up. */
  token?: () => string | Promise<string>;
  headers?: Record<string, string>;
  fetch?: typeof fetch;
  /**
   * Operation name → trusted document id (a client's generated `trustedDocumentIds`). A listed
   * operation is sent as `{ documentId, variables }` (the GraphQL-over-HTTP persisted documents
   * RFC), so the request carries a hash the BFF looks up instead of query text it must parse and
   * trust; any other operation is sent as its query.
   */
  documentIds?: Readonly<Record<string, string>>;
}

/**
 * The typed request function every generated SDK uses: pass a generated document, get its
 * result type and variable checking from the compiler. Errors stay in the result, because a
 * partial response (a null row with a code) is still a response to render.
 */
export function createClient({ url, token, headers = {}, fetch: fetchImpl = fetch, documentIds = {} }: ClientOptions) {
  // How each document is sent, worked out once: documents are module constants, reused per request.
  const sent = new WeakMap<object, { documentId: string } | { query: string }>();
  function reference(document: DocumentNode) {
    let ref = sent.get(document);
    if (!ref) {
      const name = getOperationAST(document)?.name?.value;
      // Own keys only, so an operation named like an Object.prototype member is never "known".
      const documentId = name !== undefined && Object.hasOwn(documentIds, name) ? documentIds[name] : undefined;
      sent.set(document, (ref = documentId ? { documentId } : { query: print(document) }));
    }
    return ref;
  }

  return async function request<TData, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVariables>,
    ...[variables]: TVariables extends Record<string, never> ? [] | [TVariables] : [TVariables]
  ): Promise<GraphQLResponse<TData> & { status: number }> {
    const response = await fetchImpl(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...headers,
        ...(token ? { authorization: `Bearer ${await token()}` } : {}),
      },
      body: JSON.stringify({ ...reference(document), variables }),
    });
    const body = (await response.json()) as GraphQLResponse<TData>;
    return { ...body, status: response.status };
  };
}
