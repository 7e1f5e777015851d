import { Kind, type ConstDirectiveNode } from 'graphql';
import { parseVersion } from './versions.ts';

/**
 * The SDL directive that gates part of a schema by client version. Every client's SDL declares
 * it; the BFF reads it at run time (gates.ts) and `npm run contracts:check` in CI.
 * - on a field or an argument: not selectable by an older app (400 at validation);
 * - on an enum value: never sent to an older app; the value becomes `fallback` when the SDL names
 *   one, else the list item holding it is left out;
 * - on an object type: as a union member or an interface's implementation, never sent to an
 *   older app (the list item holding it is left out).
 */
export const SINCE_DIRECTIVE_SDL =
  'directive @since(version: String!, fallback: String) on FIELD_DEFINITION | ARGUMENT_DEFINITION | ENUM_VALUE | OBJECT';

export interface Since {
  version: string;
  fallback?: string;
}

/** The `@since` on a schema element's AST node, when it has one. */
export function sinceOf(node: { directives?: readonly ConstDirectiveNode[] | undefined } | null | undefined): Since | undefined {
  const directive = node?.directives?.find((d) => d.name.value === 'since');
  if (!directive) return undefined;
  const argument = (name: string) => {
    const value = directive.arguments?.find((a) => a.name.value === name)?.value;
    return value?.kind === Kind.STRING ? value.value : undefined;
  };
  const version = argument('version');
  if (version === undefined) throw new Error('@since needs a version');
  if (parseVersion(version) !== version) throw new Error(`@since(version: ${JSON.stringify(version)}) must be a release version, major.minor.patch like 1.2.0.`);
  const fallback = argument('fallback');
  return fallback === undefined ? { version } : { version, fallback };
}
