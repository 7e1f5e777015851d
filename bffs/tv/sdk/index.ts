/** The tv app's typed SDK: generated documents plus the kit's typed request function. */
import { createClient as createKitClient, type ClientOptions } from '../../kit/sdk/request.ts';
import { trustedDocumentIds } from './trusted-documents.generated.ts';
import { clientVersion } from './version.generated.ts';

export * from './sdk.generated.ts';
export { clientVersion, trustedDocumentIds };
export type { ClientOptions, GraphQLResponse } from '../../kit/sdk/request.ts';

/**
 * The kit's client, sending this app's operations by trusted-document id (queries as GET, the
 * cacheable form), which is all the BFF needs once it knows the manifest, and this SDK's version
 * as `x-client-version`; `documentIds: {}` sends the query text instead.
 */
export function createClient(options: ClientOptions) {
  return createKitClient({ ...options, documentIds: options.documentIds ?? trustedDocumentIds, clientVersion: options.clientVersion ?? clientVersion });
}
