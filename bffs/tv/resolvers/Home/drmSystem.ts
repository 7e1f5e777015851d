import type { HomeResolvers } from '../../generated/resolvers.generated.ts';

export const drmSystem: HomeResolvers['drmSystem'] = (_, __, { device }) =>
  device.drm.toUpperCase() as 'WIDEVINE' | 'PLAYREADY' | 'FAIRPLAY';
