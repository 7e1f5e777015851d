import type { HomeResolvers } from '../../generated/resolvers.generated.ts';

/** The users service decides entitlements; the BFF only shows them. */
export const downloadEnabled: HomeResolvers['downloadEnabled'] = async (_, __, { loaders }) =>
  (await loaders.viewer()).entitlements.downloads;
