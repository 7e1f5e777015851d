import type { Wing } from '../perimeter/wing.ts';
import { useDevelopmentGraphiQL, type DevelopmentGraphiQLOptions } from './plugin.ts';

/**
 * GraphiQL as a wing: development only, a route of its own (the endpoint's page, for a browser's
 * GET of HTML, and its assets) and no stage: what GraphiQL sends is an ordinary GraphQL request,
 * which meets the whole lifecycle like any other.
 */
export function createGraphiQLWing(options: DevelopmentGraphiQLOptions): Wing {
  return {
    name: 'graphiql',
    firstStages: [],
    paths: [], // a page and its assets: nothing to shed
    routes: [useDevelopmentGraphiQL(options)],
    close: async () => undefined,
  };
}
