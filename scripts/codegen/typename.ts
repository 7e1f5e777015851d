import type { Types } from '@graphql-codegen/plugin-helpers';
import { addTypenameToDocument } from '@apollo/client/utilities';
import type { DocumentNode } from 'graphql';

/**
 * `__typename` in every selection set but the operation's root, appended last, as Apollo Client's
 * InMemoryCache (`addTypenameToDocument`) and urql (`formatDocument`) add it before they print and
 * hash a document. The stored trusted document, its id and what the BFF runs are then exactly what
 * those clients send, and the answer carries what a normalised cache keys its objects by.
 *
 * Apollo's own function, so the rule cannot drift from the client's (test/clients/ checks urql's
 * and Apollo's printed documents against the manifest). The operation files stay as the apps
 * wrote them; codegen adds the field to everything it generates from them.
 */
export function withTypenames(document: DocumentNode): DocumentNode {
  return addTypenameToDocument(document);
}

/** The same, as a codegen document transform: the SDK's documents, types, ids and manifest all get it. */
export const addTypenames: Types.DocumentTransformObject = {
  transform: ({ documents }) => documents.map((file) => (file.document ? { ...file, document: withTypenames(file.document) } : file)),
};
