import type { NewClient } from '../names.ts';

/** bffs/<name>/resolvers/Query/home.ts */
export const queryHomeTemplate = () => `import type { QueryResolvers } from '../../generated/resolvers.generated.ts';

/** Home's fields resolve on their own, so a document pays only for what it selects. */
export const home: QueryResolvers['home'] = () => ({});
`;

/** bffs/<name>/resolvers/Home/profile.ts */
export const homeProfileTemplate = () => `import { toProfile } from '../../mappers/profile.ts';
import type { HomeResolvers } from '../../generated/resolvers.generated.ts';

export const profile: HomeResolvers['profile'] = async (_, __, { loaders }) => toProfile(await loaders.viewer());
`;

/** bffs/<name>/resolvers/Home/row.ts */
export const homeRowTemplate = ({ pascal }: NewClient) => `import { loadRows, listsCutoff } from '../../../kit/index.ts';
import { toRowItem } from '../../mappers/row-item.ts';
import type { HomeResolvers } from '../../generated/resolvers.generated.ts';
import type { ${pascal}Title } from '../../needs.ts';

export const ROW_LIMIT = 10;

/**
 * The viewer's top picks: ids from recommendations (given until the lists cutoff), their titles in
 * one catalog batch. Either failing nulls this field alone, with the service's error.
 */
export const row: HomeResolvers['row'] = async (_, __, { loaders, call, listsShare }) => {
  const cutoff = listsCutoff(call.deadline, listsShare);
  const topPicks = await cutoff.settle('recommendations', loaders.recommendations(String(ROW_LIMIT)));
  cutoff.done();
  const [loaded] = await loadRows<${pascal}Title>(loaders.titles, [{ id: 'top-picks', entries: topPicks, contentIdOf: (id: string) => id, limit: ROW_LIMIT }]);
  if (loaded instanceof Error) throw loaded;
  return { id: 'top-picks', title: 'Top Picks', items: loaded?.items.map(({ title }) => toRowItem(title)) ?? [] };
};
`;

/** bffs/<name>/resolvers/index.ts */
export const resolversIndexTemplate = () => `import type { Resolvers } from '../generated/resolvers.generated.ts';
import { home } from './Query/home.ts';
import { profile } from './Home/profile.ts';
import { row } from './Home/row.ts';

export const resolvers: Resolvers = {
  Query: { home },
  Home: { profile, row },
};
`;
