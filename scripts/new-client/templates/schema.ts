import type { NewClient } from '../names.ts';

/**
 * The @since declaration every client SDL carries, as in schemas/mobile.graphql (the scaffold's
 * test holds the two to the same text).
 */
export const SINCE_DIRECTIVE = `"""
Gates part of the schema by app version (bffs/kit/contracts/since.ts): an older app cannot select
a gated field or argument, and is never sent a gated enum value or union member (the value becomes
\`fallback\`, or the list item holding it is left out). README: Releasing a client.
"""
directive @since(version: String!, fallback: String) on FIELD_DEFINITION | ARGUMENT_DEFINITION | ENUM_VALUE | OBJECT
`;

/** The @cacheControl declaration every client SDL carries, as in schemas/mobile.graphql. */
export const CACHE_CONTROL_DIRECTIVE = `"""
How long an answer holding this field may be reused, and by whom (bffs/kit/caching/cache-hints.ts):
the answer gets the smallest maxAge of its fields, and is PRIVATE if any is. A field without a hint
takes its type's, else its parent's; the root fields start from the client's policy (private).
README: Caching.
"""
directive @cacheControl(maxAge: Int, scope: CacheControlScope) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION

"PUBLIC: the same for every viewer, so the BFF's response cache may share it. PRIVATE: one viewer's."
enum CacheControlScope {
  PUBLIC
  PRIVATE
}
`;

/** schemas/<name>.graphql: a home with the viewer's name and one row of top picks. */
export const schemaTemplate = ({ name }: NewClient) => `# The ${name} BFF. Written by \`npm run new-client\`: only what the ${name} app shows.
# Never here: billing, payment methods, email, billing address, reviews, DRM licence URLs
# (see test/policy/forbidden-concepts.ts, and change that list with this file).

${SINCE_DIRECTIVE}
${CACHE_CONTROL_DIRECTIVE}
type Query {
  "The viewer's home screen. The viewer is always the user in the token."
  home: Home!
}

type Home {
  profile: Profile!
  """
  The viewer's top picks, from recommendations. Empty when there is none; null, with an error,
  when recommendations or the catalog failed.
  """
  row: Row
}

type Profile {
  name: String!
}

type Row {
  id: ID!
  title: String!
  "At most 10 items."
  items: [RowItem!]!
}

type RowItem {
  contentId: ID!
  "At most 24 characters, ending in an ellipsis when cut."
  title: String!
  "A 1:1 thumbnail, sized for a small screen."
  thumbnail: String!
  kind: TitleKind!
}

enum TitleKind {
  MOVIE
  SERIES
}
`;
