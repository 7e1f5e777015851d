import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from '../types/search/search.generated.ts';
import type { TitleSearchDefinition } from '../types/search/concierge/search/v1/TitleSearch.generated.ts';
import type { SearchHit__Output } from '../types/search/concierge/search/v1/SearchHit.generated.ts';
import descriptor from '../types/search/descriptor.generated.json' with { type: 'json' };
import { PROTO_LOADER_OPTIONS } from '../proto-options.ts';
import type { CallContext } from '../call.ts';
import type { DownstreamGrpc } from '../grpc-client.ts';

export type SearchHit = SearchHit__Output;

/** One page of titles by name: ids and where the query matched, the titles being the catalog's. */
export interface SearchHitPage {
  hits: SearchHit[];
  total: number;
  /** The next page's cursor, or null on the last page. */
  nextCursor: string | null;
}

/** The search service's definition, from the descriptor codegen.ts made of `downstream-mocks/proto/search.proto`. */
export const titleSearchDefinition = (): TitleSearchDefinition => {
  const definition = protoLoader.fromJSON(descriptor as Parameters<typeof protoLoader.fromJSON>[0], PROTO_LOADER_OPTIONS);
  return (definition['concierge.search.v1.TitleSearch'] as unknown as ProtoGrpcType['concierge']['search']['v1']['TitleSearch']['service']);
};

export const searchClient = (grpc: DownstreamGrpc<TitleSearchDefinition>) => ({
  /** A page of the titles whose name contains `query` (case-insensitive), in id order. */
  titles: async (call: CallContext, { query, limit, cursor }: { query: string; limit: number; cursor?: string }): Promise<SearchHitPage> => {
    const page = await grpc.unary(call, 'SearchTitles', { query, limit, cursor: cursor ?? '' });
    return { hits: page.hits, total: page.total, nextCursor: page.nextCursor === '' ? null : page.nextCursor };
  },
});

export type SearchClient = ReturnType<typeof searchClient>;
