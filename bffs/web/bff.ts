import { readFileSync } from 'node:fs';
import type { BffConfig } from '../kit/config.ts';
import { createBff, type Bff, type CreateBffOptions } from '../kit/server/create-bff.ts';
import { WEB_NEEDS } from './needs.ts';
import { resolvers } from './resolvers/index.ts';

const typeDefs = readFileSync(new URL('../../schemas/web.graphql', import.meta.url), 'utf8');
const defaultQuery = readFileSync(new URL('./operations/WebHome.graphql', import.meta.url), 'utf8');

export const WEB_PORT = 4000;

export function createWebBff(config: BffConfig, overrides: Partial<Pick<CreateBffOptions<never, never, object>, 'clock' | 'services' | 'logger'>> = {}): Bff {
  return createBff({ client: 'web', typeDefs, resolvers: resolvers as never, config, needs: WEB_NEEDS, defaultQuery, ...overrides });
}
