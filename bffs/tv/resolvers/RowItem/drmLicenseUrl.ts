import type { RowItemResolvers } from '../../generated/resolvers.generated.ts';

/** Continue-watching items carry a licence for this device, batched into one playback call. */
export const drmLicenseUrl: RowItemResolvers['drmLicenseUrl'] = async (item, _, { loaders, device }) => {
  if (!item.playable) return null;
  const license = await loaders.licenses(device.drm).load(item.contentId);
  return license?.licenseUrl ?? null;
};
