import { join } from 'node:path';
import type { CodegenPlugin } from '@graphql-codegen/plugin-helpers';
import { readReleases } from '../../bffs/kit/contracts/releases.ts';
import { versionOf } from '../sdk-pack/version.ts';
import { trustedDocuments } from './trusted-documents.ts';

/**
 * `bffs/<client>/sdk/version.generated.ts`: the app version this SDK is, which its `createClient`
 * sends as `x-client-version` and `npm run sdk:pack` gives the package (scripts/sdk-pack/version.ts:
 * the latest release when the documents are that release's, else a `-next-` prerelease).
 *
 * Read from `bffs/<client>/releases/` as well as the operations, so recording a release
 * (`npm run release`) makes this file stale until `npm run codegen` runs again.
 */
export const clientVersion: CodegenPlugin<{ client: string }> = {
  plugin: (_schema, documents, { client }) => {
    const ids = trustedDocuments(documents).map(({ id }) => id);
    const { version, reason } = versionOf(client, ids, readReleases(join(process.cwd(), 'bffs', client, 'releases')));
    return [
      `/** The ${client} app version these documents are (${reason}): sent as \`x-client-version\`. */`,
      `export const clientVersion = '${version}';`,
      '',
    ].join('\n');
  },
};
