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
  /**
   * The app's version, sent as `x-client-version` on every request, so the BFF serves what that
   * release was built against (README: Releasing a client). A client's generated SDK passes its
   * own (`clientVersion`, the release its documents are).
   */
  clientVersion?: string;
}

/**
 * The typed request function every generated SDK uses: pass a generated document, get its
 * result type and variable checking from the compiler. Errors stay in the result, because a
 * partial response (a null row with a code) is still a response to render.
 */
export function createClient({ url, token, headers = {}, fetch: fetchImpl = fetch, documentIds = {}, clientVersion }: ClientOptions) {
  // How each document is sent, worked out once: documents are module constants, reused per request.
  const sent = new WeakMap<object, Reference>();
  function reference(document: DocumentNode): Reference {
    let ref = sent.get(document);
    if (!ref) {
      const operation = getOperationAST(document);
      const name = operation?.name?.value;
      // Own keys only, so an operation named like an Object.prototype member is never "known".
      const documentId = name !== undefined && Object.hasOwn(documentIds, name) ? documentIds[name] : undefined;
      ref = documentId ? { documentId, get: operation?.operation === 'query' } : { query: print(document), get: false };
      sent.set(document, ref);
    }
    return ref;
  }

  return async function request<TData, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVariables>,
    ...[variables]: TVariables extends Record<string, never> ? [] | [TVariables] : [TVariables]
  ): Promise<GraphQLResponse<TData> & { status: number }> {
    const { get, ...body } = reference(document);
    const common = {
      accept: 'application/graphql-response+json, application/json',
      ...(clientVersion ? { 'x-client-version': clientVersion } : {}),
      ...headers,
      ...(token ? { authorization: `Bearer ${await token()}` } : {}),
    };
    const response = get
      ? await fetchImpl(getUrl(url, body.documentId!, variables), { method: 'GET', headers: common })
      : await fetchImpl(url, { method: 'POST', headers: { 'content-type': 'application/json', ...common }, body: JSON.stringify({ ...body, variables }) });
    const answer = (await response.json()) as GraphQLResponse<TData>;
    return { ...answer, status: response.status };
  };
}

/**
 * A query by id goes as `GET ?documentId=…&variables=…`, the cacheable form: a browser's or a CDN's
 * HTTP cache may keep it and revalidate it with `If-None-Match` (the BFF answers 304 to a GET,
 * README: ETags and conditional requests). Mutations, and documents sent as text, are POSTed.
 */
type Reference = ({ documentId: string; query?: never } | { query: string; documentId?: never }) & { get: boolean };

// Appended as text, not through `new URL`, so a relative endpoint (a web app's same-origin `/graphql`) works too.
function getUrl(url: string, documentId: string, variables: Record<string, unknown> | undefined): string {
  const params = new URLSearchParams({ documentId });
  if (variables !== undefined && Object.keys(variables).length) params.set('variables', JSON.stringify(variables));
  return `${url}${url.includes('?') ? '&' : '?'}${params}`;
}
