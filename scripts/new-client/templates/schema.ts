import { CACHE_CONTROL_SDL } from '../../../bffs/kit/caching/cache-hints.ts';
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

/** schemas/<name>.graphql: a home with the viewer's name and one row of top picks. */
export const schemaTemplate = ({ name }: NewClient) => `# The ${name} BFF. Written by \`npm run new-client\`: only what the ${name} app shows.
# Never here: billing, payment methods, email, billing address, reviews, DRM licence URLs
# (see test/policy/forbidden-concepts.ts, and change that list with this file).

${SINCE_DIRECTIVE}
${CACHE_CONTROL_SDL}
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
