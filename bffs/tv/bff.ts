import { readFileSync } from 'node:fs';
import { readClientDocuments, createBff, type BffConfig, type Bff, type BffOverrides } from '../kit/index.ts';
import { TV_DEPENDENCIES } from './dependencies.ts';
import { TV_CACHING, TV_FLAGS, TV_PERIMETER, TV_POLICY, TV_VERSIONS } from './policy.ts';
import { deviceFromHeaders } from './device.ts';
import { TV_NEEDS } from './needs.ts';
import { resolvers } from './resolvers/index.ts';

const typeDefs = readFileSync(new URL('../../schemas/tv.graphql', import.meta.url), 'utf8');
const documents = readClientDocuments(new URL('./', import.meta.url), TV_VERSIONS);
const defaultQuery = readFileSync(new URL('./operations/TvHome.graphql', import.meta.url), 'utf8');

export const TV_PORT = 4002;

export function createTvBff(config: BffConfig, { policy, perimeter, caching, documents: history, ...overrides }: BffOverrides = {}): Bff {
  return createBff({
    client: 'tv',
    typeDefs,
    resolvers,
    config,
    needs: TV_NEEDS,
    defaultQuery,
    extendContext: (headers) => ({ device: deviceFromHeaders(headers) }),
    // TVs sign in through this BFF (device authorization grant) and send their session's id.
    signIn: 'device',
    policy: { ...TV_POLICY, ...policy },
    perimeter: { ...TV_PERIMETER, ...perimeter }, caching: { ...TV_CACHING, ...caching },
    documents: { ...documents, ...history },
    dependencies: TV_DEPENDENCIES,
    flags: TV_FLAGS,
    // The ambient-mode rollout targets the device's capabilities.
    flagTargeting: (headers) => ({ capabilities: [...deviceFromHeaders(headers).capabilities] }),
    ...overrides,
  });
}
