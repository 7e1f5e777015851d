import { readFileSync } from 'node:fs';
import { readClientDocuments, createBff, type BffConfig, type Bff, type BffOverrides } from '../kit/index.ts';
import { MOBILE_DEPENDENCIES } from './dependencies.ts';
import { MOBILE_CACHING, MOBILE_FLAGS, MOBILE_PERIMETER, MOBILE_POLICY, MOBILE_VERSIONS } from './policy.ts';
import { MOBILE_NEEDS } from './needs.ts';
import { resolvers } from './resolvers/index.ts';

const typeDefs = readFileSync(new URL('../../schemas/mobile.graphql', import.meta.url), 'utf8');
const documents = readClientDocuments(new URL('./', import.meta.url), MOBILE_VERSIONS);
const defaultQuery = readFileSync(new URL('./operations/MobileHome.graphql', import.meta.url), 'utf8');

export const MOBILE_PORT = 4001;

export function createMobileBff(config: BffConfig, { policy, perimeter, caching, documents: history, ...overrides }: BffOverrides = {}): Bff {
  return createBff({ client: 'mobile', typeDefs, resolvers, config, needs: MOBILE_NEEDS, defaultQuery, policy: { ...MOBILE_POLICY, ...policy }, perimeter: { ...MOBILE_PERIMETER, ...perimeter }, caching: { ...MOBILE_CACHING, ...caching }, documents: { ...documents, ...history }, dependencies: MOBILE_DEPENDENCIES, flags: MOBILE_FLAGS, ...overrides });
}
