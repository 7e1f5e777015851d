import { readFileSync } from 'node:fs';
import type { BffConfig } from '../kit/config.ts';
import { loadTrustedDocuments } from '../kit/perimeter/index.ts';
import { createBff, type Bff, type BffOverrides } from '../kit/server/create-bff.ts';
import { WEB_DEPENDENCIES } from './dependencies.ts';
import { WEB_PERIMETER, WEB_POLICY } from './policy.ts';
import { WEB_NEEDS } from './needs.ts';
import { resolvers } from './resolvers/index.ts';

const typeDefs = readFileSync(new URL('../../schemas/web.graphql', import.meta.url), 'utf8');
const trustedDocuments = loadTrustedDocuments(new URL('./generated/trusted-documents.generated.json', import.meta.url));
const defaultQuery = readFileSync(new URL('./operations/WebHome.graphql', import.meta.url), 'utf8');

export const WEB_PORT = 4000;

export function createWebBff(config: BffConfig, { policy, perimeter, ...overrides }: BffOverrides = {}): Bff {
  return createBff({ client: 'web', typeDefs, resolvers: resolvers as never, config, needs: WEB_NEEDS, defaultQuery, policy: { ...WEB_POLICY, ...policy }, perimeter: { ...WEB_PERIMETER, ...perimeter }, trustedDocuments, origins: config.webOrigins, dependencies: WEB_DEPENDENCIES, ...overrides });
}
