import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';

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
}

/**
 * The typed request function every generated SDK uses: pass a generated document, get its
 * result type and variable checking from the compiler. Errors stay in the result, because a
 * partial response (a null row with a code) is still a response to render.
 */
export function createClient({ url, token, headers = {}, fetch: fetchImpl = fetch }: ClientOptions) {
  const printed = new WeakMap<object, string>();
  return async function request<TData, TVariables extends Record<string, unknown>>(
    document: TypedDocumentNode<TData, TVariables>,
    ...[variables]: TVariables extends Record<string, never> ? [] | [TVariables] : [TVariables]
  ): Promise<GraphQLResponse<TData> & { status: number }> {
    let query = printed.get(document);
    if (!query) printed.set(document, (query = print(document)));
    const response = await fetchImpl(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...headers,
        ...(token ? { authorization: `Bearer ${await token()}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as GraphQLResponse<TData>;
    return { ...body, status: response.status };
  };
}
