import { readFileSync } from 'node:fs';
import { readClientDocuments, createBff, type BffConfig, type Bff, type BffOverrides } from '../kit/index.ts';
import { WEB_DEPENDENCIES } from './dependencies.ts';
import { WEB_CACHING, WEB_FLAGS, WEB_PERIMETER, WEB_POLICY, WEB_VERSIONS } from './policy.ts';
import { WEB_NEEDS } from './needs.ts';
import { resolvers } from './resolvers/index.ts';

const typeDefs = readFileSync(new URL('../../schemas/web.graphql', import.meta.url), 'utf8');
const documents = readClientDocuments(new URL('./', import.meta.url), WEB_VERSIONS);
const defaultQuery = readFileSync(new URL('./operations/WebHome.graphql', import.meta.url), 'utf8');

export const WEB_PORT = 4000;

export function createWebBff(config: BffConfig, { policy, perimeter, caching, documents: history, ...overrides }: BffOverrides = {}): Bff {
  return createBff({ client: 'web', typeDefs, resolvers, config, needs: WEB_NEEDS, defaultQuery, policy: { ...WEB_POLICY, ...policy }, perimeter: { ...WEB_PERIMETER, ...perimeter }, caching: { ...WEB_CACHING, ...caching }, documents: { ...documents, ...history }, origins: config.webOrigins, dependencies: WEB_DEPENDENCIES, flags: WEB_FLAGS, signIn: 'cookie', deviceClient: 'tv', ...overrides });
}
