import type { NewClient } from '../names.ts';

/** bffs/<name>/bff.ts: mobile's shape, with the client's own default port. */
export const bffTemplate = ({ name, pascal, constant, port }: NewClient) => `import { readFileSync } from 'node:fs';
import { readClientDocuments, createBff, type BffConfig, type Bff, type BffOverrides } from '../kit/index.ts';
import { ${constant}_DEPENDENCIES } from './dependencies.ts';
import { ${constant}_CACHING, ${constant}_PERIMETER, ${constant}_POLICY, ${constant}_VERSIONS } from './policy.ts';
import { ${constant}_NEEDS } from './needs.ts';
import { resolvers } from './resolvers/index.ts';

const typeDefs = readFileSync(new URL('../../schemas/${name}.graphql', import.meta.url), 'utf8');
const documents = readClientDocuments(new URL('./', import.meta.url), ${constant}_VERSIONS);
const defaultQuery = readFileSync(new URL('./operations/${pascal}Home.graphql', import.meta.url), 'utf8');

/** The same as its line in bffs/clients.ts. */
export const ${constant}_PORT = ${port};

export function create${pascal}Bff(config: BffConfig, { policy, perimeter, caching, documents: history, ...overrides }: BffOverrides = {}): Bff {
  return createBff({ client: '${name}', typeDefs, resolvers, config, needs: ${constant}_NEEDS, defaultQuery, policy: { ...${constant}_POLICY, ...policy }, perimeter: { ...${constant}_PERIMETER, ...perimeter }, caching: { ...${constant}_CACHING, ...caching }, documents: { ...documents, ...history }, dependencies: ${constant}_DEPENDENCIES, ...overrides });
}
`;

/** bffs/<name>/main.ts: listens on PORT, or the default. */
export const mainTemplate = ({ name, pascal, constant }: NewClient) => `import { configFromEnv, serve } from '../kit/index.ts';
import { ${constant}_PORT, create${pascal}Bff } from './bff.ts';

const config = configFromEnv(process.env, ${constant}_PORT);
await serve(create${pascal}Bff(config), config);
console.log(\`${name} BFF on http://127.0.0.1:\${config.port}/graphql\`);
`;

/** bffs/<name>/sdk/index.ts: the app's typed SDK, as every client has. */
export const sdkIndexTemplate = ({ name }: NewClient) => `/** The ${name} app's typed SDK: generated documents plus the kit's typed request function. */
import { createClient as createKitClient, type ClientOptions } from '../../kit/sdk/request.ts';
import { trustedDocumentIds } from './trusted-documents.generated.ts';
import { clientVersion } from './version.generated.ts';

export * from './sdk.generated.ts';
export { clientVersion, trustedDocumentIds };
export type { ClientOptions, GraphQLResponse } from '../../kit/sdk/request.ts';

/**
 * The kit's client, sending this app's operations by trusted-document id (queries as GET, the
 * cacheable form), which is all the BFF needs once it knows the manifest, and this SDK's version
 * as \`x-client-version\`; \`documentIds: {}\` sends the query text instead.
 */
export function createClient(options: ClientOptions) {
  return createKitClient({ ...options, documentIds: options.documentIds ?? trustedDocumentIds, clientVersion: options.clientVersion ?? clientVersion });
}
`;
