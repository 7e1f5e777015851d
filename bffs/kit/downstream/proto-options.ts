import type { Options } from '@grpc/proto-loader';

/**
 * How @grpc/proto-loader turns protobuf messages into objects, for the BFF's gRPC clients and
 * for the types codegen.ts generates from the same `.proto` (proto-loader-gen-types takes the
 * same options, so the types describe exactly the objects a call gets): 64-bit integers as
 * numbers, enums as their names, every field present with its default (proto3 leaves defaults
 * off the wire), and a oneof's chosen member named.
 */
export const PROTO_LOADER_OPTIONS = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
} as const satisfies Options;

/** The `.proto` of each gRPC service, committed beside the REST services' OpenAPI documents. */
export const GRPC_PROTOS = {
  search: 'downstream-mocks/proto/search.proto',
} as const;
