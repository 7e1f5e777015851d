import { staleIfError } from '../../../kit/index.ts';
import type { RowItemResolvers } from '../../generated/resolvers.generated.ts';
import type { TvContext } from '../../needs.ts';
import type { RowItemModel } from '../../models.ts';

/**
 * The licence for this device, batched into one playback call; the viewer's last good one if
 * playback fails (licences last hours, far longer than the stale bound).
 */
const licenseUrl = staleIfError(
  (item: RowItemModel, _: unknown, { device }: TvContext) => `${device.drm}:${item.contentId}`,
  async (item: RowItemModel, _: unknown, { loaders, device }: TvContext) => (await loaders.licenses(device.drm).load(item.contentId))?.licenseUrl ?? null,
);

/** Continue-watching items carry one; the others never ask playback. */
export const drmLicenseUrl: RowItemResolvers['drmLicenseUrl'] = (item, args, context, info) => (item.playable ? licenseUrl(item, args, context, info) : null);
