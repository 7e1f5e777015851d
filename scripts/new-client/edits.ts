import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { insertBeforeClose } from './insert.ts';
import type { NewClient } from './names.ts';
import { forbiddenEntryTemplate, forbiddenExamplesTemplate, registryLineTemplate } from './templates/registry.ts';

/** An edit of a file every client shares: where, and what goes in. */
interface SharedEdit {
  file: string;
  opener: string;
  closer: string;
  lines: (client: NewClient) => string;
}

/**
 * The only shared files a new client touches: its line in the registry (which codegen.ts,
 * npm start, contracts:check and the tests read), and what it must never expose.
 */
const EDITS: SharedEdit[] = [
  { file: 'bffs/clients.ts', opener: 'export const CLIENTS = [', closer: '] as const', lines: registryLineTemplate },
  { file: 'test/policy/forbidden-concepts.ts', opener: 'export const FORBIDDEN: Record<Client, ForbiddenConcept[]> = {', closer: '};', lines: forbiddenEntryTemplate },
  { file: 'test/policy/schema-policy.test.ts', opener: 'const EXAMPLES: Record<Client, Record<string, string>> = {', closer: '};', lines: forbiddenExamplesTemplate },
];

/** Every shared file with the client added, computed before any is written: a file shaped unexpectedly stops the scaffold before it writes anything. */
export function planSharedEdits(root: string, client: NewClient): { file: string; text: string }[] {
  return EDITS.map(({ file, opener, closer, lines }) => {
    const text = readFileSync(join(root, file), 'utf8');
    return { file, text: insertBeforeClose(text, { file, opener, closer, lines: lines(client) }) };
  });
}

export function applySharedEdits(root: string, edits: readonly { file: string; text: string }[]): string[] {
  for (const { file, text } of edits) writeFileSync(join(root, file), text);
  return edits.map(({ file }) => file);
}
