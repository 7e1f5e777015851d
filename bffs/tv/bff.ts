import { readFileSync } from 'node:fs';
import type { BffConfig } from '../kit/config.ts';
import { createBff, type Bff, type CreateBffOptions } from '../kit/server/create-bff.ts';
import { deviceFromHeaders } from './device.ts';
import { TV_NEEDS } from './needs.ts';
import { resolvers } from './resolvers/index.ts';

const typeDefs = readFileSync(new URL('../../schemas/tv.graphql', import.meta.url), 'utf8');
const defaultQuery = readFileSync(new URL('./operations/TvHome.graphql', import.meta.url), 'utf8');

export const TV_PORT = 4002;

export function createTvBff(config: BffConfig, overrides: Partial<Pick<CreateBffOptions<never, never, object>, 'clock' | 'services' | 'logger'>> = {}): Bff {
  return createBff({
    client: 'tv',
    typeDefs,
    resolvers: resolvers as never,
    config,
    needs: TV_NEEDS,
    defaultQuery,
    extendContext: (request) => ({ device: deviceFromHeaders(request) }),
    ...overrides,
  });
}
