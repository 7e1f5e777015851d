import { toProfile } from '../../mappers/profile.ts';
import type { HomeResolvers } from '../../generated/resolvers.generated.ts';

export const profile: HomeResolvers['profile'] = async (_, __, { loaders, now }) => toProfile(await loaders.viewer(), now());
