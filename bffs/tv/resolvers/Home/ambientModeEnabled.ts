import type { HomeResolvers } from '../../generated/resolvers.generated.ts';

export const ambientModeEnabled: HomeResolvers['ambientModeEnabled'] = async (_, __, { loaders, device }) =>
  device.capabilities.has('ambient') && (await loaders.viewer()).preferences.ambientMode;
