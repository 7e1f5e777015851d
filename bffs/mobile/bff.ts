import { readFileSync } from 'node:fs';
import type { BffConfig } from '../kit/config.ts';
import { loadTrustedDocuments } from '../kit/perimeter/index.ts';
import { createBff, type Bff, type BffOverrides } from '../kit/server/create-bff.ts';
import { MOBILE_DEPENDENCIES } from './dependencies.ts';
import { MOBILE_PERIMETER, MOBILE_POLICY } from './policy.ts';
import { MOBILE_NEEDS } from './needs.ts';
import { resolvers } from './resolvers/index.ts';

const typeDefs = readFileSync(new URL('../../schemas/mobile.graphql', import.meta.url), 'utf8');
const trustedDocuments = loadTrustedDocuments(new URL('./generated/trusted-documents.generated.json', import.meta.url));
const defaultQuery = readFileSync(new URL('./operations/MobileHome.graphql', import.meta.url), 'utf8');

export const MOBILE_PORT = 4001;

export function createMobileBff(config: BffConfig, { policy, perimeter, ...overrides }: BffOverrides = {}): Bff {
  return createBff({ client: 'mobile', typeDefs, resolvers: resolvers as never, config, needs: MOBILE_NEEDS, defaultQuery, policy: { ...MOBILE_POLICY, ...policy }, perimeter: { ...MOBILE_PERIMETER, ...perimeter }, trustedDocuments, dependencies: MOBILE_DEPENDENCIES, ...overrides });
}
