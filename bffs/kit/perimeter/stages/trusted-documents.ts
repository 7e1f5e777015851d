import { createHash } from 'node:crypto';
import type { DocumentCatalog } from '../../contracts/document-catalog.ts';
import { concierge } from '../../errors.ts';
import type { TrustedDocumentsMode } from '../../core/trusted-documents.ts';
import type { Stage } from '../pipeline.ts';

/**
 * Names the text to run. A document is named by `documentId` (`sha256:<hex>`, or bare hex) or by
 * Apollo's `extensions.persistedQuery.sha256Hash`, so Apollo iOS and Kotlin clients work
 * unchanged. In `only` mode (production's default) a raw `query` is refused; in `arbitrary` mode
 * (development: GraphiQL) it runs too.
 *
 * The documents are those of every supported release and of the working copy
 * (contracts/document-catalog.ts); an id that only retired releases shipped is refused with
 * CLIENT_VERSION_UNSUPPORTED and the minimum version, so the app can ask its user to update.
 *
 * The Apollo form keeps Apollo's protocol: an unknown hash answers "PersistedQueryNotFound", and
 * the client then sends the hash with the full text, which runs in `arbitrary` mode once the text
 * matches its hash.
 */
export function trustedDocumentsStage(catalog: DocumentCatalog, mode: TrustedDocumentsMode): Stage {
  return (passage) => {
    const { query, documentId } = passage;
    const apolloHash = apolloHashOf(passage.request.params.extensions);
    if (documentId !== undefined && query !== undefined) throw concierge('BAD_REQUEST', 'Send either "documentId" or "query", not both.');

    const id = documentId ?? apolloHash;
    if (id !== undefined) {
      const key = id.startsWith('sha256:') ? id : `sha256:${id}`;
      const trusted = catalog.documents.get(key);
      if (trusted !== undefined) {
        passage.text = trusted.text;
        passage.trusted = true;
        passage.document = trusted;
        return;
      }
      if (catalog.retired.has(key)) throw unsupported(catalog.minimumVersion);
      if (documentId !== undefined || query === undefined) {
        throw concierge('PERSISTED_DOCUMENT_NOT_FOUND', documentId !== undefined ? `No trusted document has the id ${JSON.stringify(documentId.slice(0, 80))}.` : 'PersistedQueryNotFound');
      }
      if (sha256(query) !== id) throw concierge('BAD_REQUEST', 'persistedQuery.sha256Hash is not the SHA-256 of the query.');
    }
    if (query === undefined) throw concierge('BAD_REQUEST', 'Send "documentId" (or "query" in development).');
    if (mode === 'only') throw concierge('PERSISTED_DOCUMENT_REQUIRED', 'This BFF runs trusted documents only: send "documentId" from the generated SDK.');
    passage.text = query;
    passage.trusted = false;
  };
}

/** The app is older than every version still served: it should ask its user to update. */
export const unsupported = (minimumVersion: string) =>
  concierge('CLIENT_VERSION_UNSUPPORTED', `This app version is no longer supported: update to ${minimumVersion} or later.`, { minimumVersion });

function apolloHashOf(extensions: unknown): string | undefined {
  const persisted = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery;
  if (persisted === undefined) return undefined;
  if (typeof persisted?.sha256Hash !== 'string') throw concierge('BAD_REQUEST', 'extensions.persistedQuery.sha256Hash must be a string.');
  return persisted.sha256Hash;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
