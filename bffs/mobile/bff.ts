import { readFileSync } from 'node:fs';
import type { BffConfig } from '../kit/config.ts';
import { createBff, type Bff, type BffOverrides } from '../kit/server/create-bff.ts';
import { MOBILE_DEPENDENCIES } from './dependencies.ts';
import { MOBILE_POLICY } from './policy.ts';
import { MOBILE_NEEDS } from './needs.ts';
import { resolvers } from './resolvers/index.ts';

const typeDefs = readFileSync(new URL('../../schemas/mobile.graphql', import.meta.url), 'utf8');
const defaultQuery = readFileSync(new URL('./operations/MobileHome.graphql', import.meta.url), 'utf8');

export const MOBILE_PORT = 4001;

export function createMobileBff(config: BffConfig, { policy, ...overrides }: BffOverrides = {}): Bff {
  return createBff({ client: 'mobile', typeDefs, resolvers: resolvers as never, config, needs: MOBILE_NEEDS, defaultQuery, policy: { ...MOBILE_POLICY, ...policy }, dependencies: MOBILE_DEPENDENCIES, ...overrides });
}
