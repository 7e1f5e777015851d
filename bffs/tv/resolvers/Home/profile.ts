import type { HomeResolvers } from '../../generated/resolvers.generated.ts';

export const profile: HomeResolvers['profile'] = async (_, __, { loaders }) => {
  const { profile } = await loaders.viewer();
  return { name: profile.name, avatarUrl: profile.avatarUrl };
};
