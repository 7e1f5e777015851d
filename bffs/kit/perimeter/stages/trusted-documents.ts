import { createHash } from 'node:crypto';
import { concierge } from '../../errors.ts';
import type { Stage } from '../pipeline.ts';

export type TrustedDocumentsMode = 'only' | 'arbitrary';

/** A client's manifest: `sha256:<hex>` → the stored document text (bffs/<client>/generated/). */
export type TrustedDocuments = ReadonlyMap<string, string>;

/**
 * Names the text to run. A document is named by `documentId` (`sha256:<hex>`, or bare hex) or by
 * Apollo's `extensions.persistedQuery.sha256Hash`, so Apollo iOS and Kotlin clients work
 * unchanged. In `only` mode (production's default) a raw `query` is refused; in `arbitrary` mode
 * (development: GraphiQL) it runs too.
 *
 * The Apollo form keeps Apollo's protocol: an unknown hash answers "PersistedQueryNotFound", and
 * the client then sends the hash with the full text, which runs in `arbitrary` mode once the text
 * matches its hash.
 */
export function trustedDocumentsStage(manifest: TrustedDocuments, mode: TrustedDocumentsMode): Stage {
  return (passage) => {
    const { query, documentId } = passage;
    const apolloHash = apolloHashOf(passage.request.params.extensions);
    if (documentId !== undefined && query !== undefined) throw concierge('BAD_REQUEST', 'Send either "documentId" or "query", not both.');

    const id = documentId ?? apolloHash;
    if (id !== undefined) {
      const text = manifest.get(id.startsWith('sha256:') ? id : `sha256:${id}`);
      if (text !== undefined) {
        passage.text = text;
        passage.trusted = true;
        return;
      }
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

function apolloHashOf(extensions: unknown): string | undefined {
  const persisted = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | undefined)?.persistedQuery;
  if (persisted === undefined) return undefined;
  if (typeof persisted?.sha256Hash !== 'string') throw concierge('BAD_REQUEST', 'extensions.persistedQuery.sha256Hash must be a string.');
  return persisted.sha256Hash;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
