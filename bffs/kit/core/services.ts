/** The downstream services every BFF may call, with the default ports of product.md. */
export const DOWNSTREAM_DEFAULTS = {
  identity: 'http://127.0.0.1:4100',
  users: 'http://127.0.0.1:4101',
  catalog: 'http://127.0.0.1:4102',
  recommendations: 'http://127.0.0.1:4103',
  'continue-watching': 'http://127.0.0.1:4104',
  'my-list': 'http://127.0.0.1:4105',
  billing: 'http://127.0.0.1:4106',
  reviews: 'http://127.0.0.1:4107',
  playback: 'http://127.0.0.1:4108',
  notifications: 'http://127.0.0.1:4109',
  /** gRPC over cleartext HTTP/2 (h2c): downstream/grpc-client.ts. */
  search: 'http://127.0.0.1:4110',
} as const;

export type DownstreamName = keyof typeof DOWNSTREAM_DEFAULTS;
export type DownstreamUrls = Record<DownstreamName, string>;
