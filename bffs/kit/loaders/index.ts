import type { CallContext, ServiceClients } from '../downstream/index.ts';
import { TITLE_BATCH_LIMIT, type SparseTitle, type TitleField } from '../downstream/services/catalog.ts';
import type { User, UserField } from '../downstream/services/users.ts';
import { SUMMARY_BATCH_LIMIT } from '../downstream/services/reviews.ts';
import { LICENSE_BATCH_LIMIT, type DrmSystem } from '../downstream/services/playback.ts';
import { batchLoader, once, oncePerKey } from './batch.ts';

/** What one BFF reads from the generic services: the sparse fieldsets it asks for. */
export interface LoaderNeeds<TF extends TitleField, UF extends UserField> {
  titleFields: readonly TF[];
  userFields: readonly UF[];
  /** For a detail page that reads more than a card (web's cast): a second, separate batch. */
  detailTitleFields?: readonly TitleField[];
}

/**
 * Everything a request reads, deduplicated and batched for that request only. Resolvers load
 * through here and never call a service client for a read, so one screen costs one call per
 * service however many rows and items ask.
 */
export function createLoaders<TF extends TitleField, UF extends UserField>(
  services: ServiceClients,
  call: CallContext,
  viewerId: string,
  needs: LoaderNeeds<TF, UF>,
) {
  const licenseLoaders = new Map<DrmSystem, ReturnType<typeof licenseLoader>>();
  const licenseLoader = (drm: DrmSystem) =>
    batchLoader((ids) => services.playback.licenses(call, ids, drm), LICENSE_BATCH_LIMIT);

  return {
    titles: batchLoader<SparseTitle<TF>>((ids) => services.catalog.batch(call, ids, needs.titleFields), TITLE_BATCH_LIMIT),
    titleDetails: batchLoader((ids) => services.catalog.batch(call, ids, needs.detailTitleFields ?? needs.titleFields), TITLE_BATCH_LIMIT),
    reviewSummaries: batchLoader((ids) => services.reviews.summaries(call, ids), SUMMARY_BATCH_LIMIT),
    licenses: (drm: DrmSystem) => {
      let loader = licenseLoaders.get(drm);
      if (!loader) licenseLoaders.set(drm, (loader = licenseLoader(drm)));
      return loader;
    },
    viewer: once(() => services.users.get(call, viewerId, needs.userFields) as Promise<Pick<User, UF | 'id'>>),
    continueWatching: once(() => services.continueWatching.forUser(call, viewerId)),
    myList: once(() => services.myList.get(call, viewerId)),
    recommendations: oncePerKey((limit) => services.recommendations.forUser(call, viewerId, Number(limit))),
    trending: oncePerKey((region) => services.recommendations.trending(call, region)),
    unreadNotifications: once(() => services.notifications.unreadCount(call, viewerId)),
    billing: once(() => services.billing.forUser(call, viewerId)),
  };
}

export type Loaders<TF extends TitleField, UF extends UserField> = ReturnType<typeof createLoaders<TF, UF>>;
