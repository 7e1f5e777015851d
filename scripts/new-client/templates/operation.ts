import type { NewClient } from '../names.ts';

/** bffs/<name>/operations/<Name>Home.graphql: what the app sends for its home. */
export const homeOperationTemplate = ({ pascal }: NewClient) => `query ${pascal}Home {
  home {
    profile { name }
    row { id title items { contentId title thumbnail kind } }
  }
}
`;
