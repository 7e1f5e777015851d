import { createHash } from 'node:crypto';
import type { CodegenPlugin } from '@graphql-codegen/plugin-helpers';
import { sortTopLevelDefinitions } from '@apollo/persisted-query-lists';
import { concatAST, getOperationAST, print, separateOperations, type DocumentNode, type OperationTypeNode } from 'graphql';

/**
 * Trusted documents: the exact text of every operation an app sends, keyed by the hash of that
 * text, so a BFF can run only documents it knows and the app can send the id instead of the text.
 */
export interface TrustedDocument {
  /** The operation's name, which the SDK looks the id up by. */
  name: string;
  /** `sha256:` + the lowercase hex SHA-256 of `text` (UTF-8). */
  id: string;
  /** graphql-js `print()` of the operation plus the fragments it uses. */
  text: string;
  type: OperationTypeNode;
}

/** One trusted document per operation in `documents`, sorted by operation name. */
export function trustedDocuments(documents: readonly { document?: DocumentNode | undefined }[]): TrustedDocument[] {
  const all = concatAST(documents.flatMap(({ document }) => (document ? [document] : [])));
  // separateOperations keeps each operation with exactly the fragments it spreads, transitively.
  return Object.entries(separateOperations(all))
    .map(([name, document]) => {
      // The SDK finds an id by operation name, so an anonymous operation could never be sent by id.
      if (name === '') throw new Error('Trusted documents need named operations; found an anonymous one.');
      // Apollo's order (the operation, then its fragments by name), as its manifest generator and
      // createPersistedQueryManifestVerificationLink print a document: separateOperations keeps the file's order.
      const text = print(sortTopLevelDefinitions(document));
      return { name, id: `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`, text, type: getOperationAST(document, name)!.operation };
    })
    .sort((a, b) => compare(a.name, b.name));
}

/** The manifest a BFF loads: `{ "sha256:<hex>": "<document text>" }`, keys sorted for a stable diff. */
export const trustedDocumentsManifest: CodegenPlugin = {
  plugin: (_schema, documents) => {
    const entries = trustedDocuments(documents)
      .map(({ id, text }): [string, string] => [id, text])
      .sort(([a], [b]) => compare(a, b));
    return `${JSON.stringify(Object.fromEntries(entries), null, 2)}\n`;
  },
};

/**
 * The same documents in Apollo's persisted query manifest format, which
 * `@apollo/persisted-query-lists` reads (`generatePersistedQueryIdsFromManifest`,
 * `createPersistedQueryManifestVerificationLink`) and urql's `persistedExchange` can take its
 * `generateHash` from. `id` is the bare hex Apollo sends as `extensions.persistedQuery.sha256Hash`,
 * which the BFF reads as `sha256:<id>`; `body` is the same text, so Apollo's printed document
 * matches it byte for byte (it carries the `__typename` Apollo adds: scripts/codegen/typename.ts).
 */
export const persistedQueryManifest: CodegenPlugin = {
  plugin: (_schema, documents) => {
    const operations = trustedDocuments(documents).map(({ name, id, text, type }) => ({ id: id.slice('sha256:'.length), name, type, body: text }));
    return `${JSON.stringify({ format: 'apollo-persisted-query-manifest', version: 1, operations }, null, 2)}\n`;
  },
};

/** The SDK's side of the manifest: operation name → id, which `createClient` sends instead of the text. */
export const trustedDocumentIds: CodegenPlugin = {
  plugin: (_schema, documents) => {
    const lines = trustedDocuments(documents).map(({ name, id }) => `  ${name}: '${id}',`);
    return ['export const trustedDocumentIds = {', ...lines, '} as const;', ''].join('\n');
  },
};

// Code-unit order, not the locale's, so every machine writes the same file.
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
