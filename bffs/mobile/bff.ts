import { readFileSync } from 'node:fs';
import type { BffConfig } from '../kit/config.ts';
import { createBff, type Bff, type CreateBffOptions } from '../kit/server/create-bff.ts';
import { MOBILE_NEEDS } from './needs.ts';
import { resolvers } from './resolvers/index.ts';

const typeDefs = readFileSync(new URL('../../schemas/mobile.graphql', import.meta.url), 'utf8');
const defaultQuery = readFileSync(new URL('./operations/MobileHome.graphql', import.meta.url), 'utf8');

export const MOBILE_PORT = 4001;

export function createMobileBff(config: BffConfig, overrides: Partial<Pick<CreateBffOptions<never, never, object>, 'clock' | 'services' | 'logger'>> = {}): Bff {
  return createBff({ client: 'mobile', typeDefs, resolvers: resolvers as never, config, needs: MOBILE_NEEDS, defaultQuery, ...overrides });
}
