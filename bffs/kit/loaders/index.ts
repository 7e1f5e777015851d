import type { CallContext, ServiceClients } from '../downstream/index.ts';
import { TITLE_BATCH_LIMIT, type SparseTitle, type TitleField } from '../downstream/services/catalog.ts';
import type { User, UserField } from '../downstream/services/users.ts';
import { SUMMARY_BATCH_LIMIT } from '../downstream/services/reviews.ts';
import { LICENSE_BATCH_LIMIT, type DrmSystem } from '../downstream/services/playback.ts';
import type DataLoader from 'dataloader';
import type { TitleSource } from '../caching/title-cache.ts';
import { batchLoader } from './batch.ts';

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
 *
 * A class with loaders made on first use: a screen touches a few of them, and this runs for
 * every request, so the others cost nothing.
 */
class RequestLoaders<TF extends TitleField, UF extends UserField> {
  private titlesLoader?: DataLoader<string, SparseTitle<TF> | null>;
  private titleDetailsLoader?: DataLoader<string, SparseTitle<TitleField> | null>;
  private reviewSummariesLoader?: ReturnType<RequestLoaders<TF, UF>['makeReviewSummaries']>;
  private licenseLoaders?: Map<DrmSystem, ReturnType<RequestLoaders<TF, UF>['makeLicenses']>>;
  private memo?: Map<string, Promise<unknown>>;

  constructor(
    private readonly services: ServiceClients,
    private readonly call: CallContext,
    private readonly viewerId: string,
    private readonly needs: LoaderNeeds<TF, UF>,
    /** The BFF's shared title cache: a request's batch asks the catalog only for what it lacks. */
    private readonly titleSource: TitleSource,
  ) {}

  get titles(): DataLoader<string, SparseTitle<TF> | null> {
    return (this.titlesLoader ??= batchLoader<SparseTitle<TF>>((ids) => this.titleSource.read(this.call, ids, this.needs.titleFields), TITLE_BATCH_LIMIT));
  }

  get titleDetails(): DataLoader<string, SparseTitle<TitleField> | null> {
    const fields = this.needs.detailTitleFields ?? this.needs.titleFields;
    return (this.titleDetailsLoader ??= batchLoader((ids) => this.titleSource.read(this.call, ids, fields), TITLE_BATCH_LIMIT));
  }

  get reviewSummaries() {
    return (this.reviewSummariesLoader ??= this.makeReviewSummaries());
  }

  licenses(drm: DrmSystem) {
    const loaders = (this.licenseLoaders ??= new Map());
    let loader = loaders.get(drm);
    if (!loader) loaders.set(drm, (loader = this.makeLicenses(drm)));
    return loader;
  }

  viewer(): Promise<Pick<User, UF | 'id'>> {
    return this.once('viewer', () => this.services.users.get(this.call, this.viewerId, this.needs.userFields) as Promise<Pick<User, UF | 'id'>>);
  }

  continueWatching() {
    return this.once('continue-watching', () => this.services.continueWatching.forUser(this.call, this.viewerId));
  }

  myList() {
    return this.once('my-list', () => this.services.myList.get(this.call, this.viewerId));
  }

  /** Per limit: two screens asking for different lengths are two calls. */
  recommendations(limit: string) {
    return this.once(`recommendations:${limit}`, () => this.services.recommendations.forUser(this.call, this.viewerId, Number(limit)));
  }

  /**
   * The ids of titles released on or after `releasedAfter`, newest first: the same for every
   * viewer, so only ids are asked for and the titles come through the shared batch.
   */
  newReleases(releasedAfter: string, limit: number) {
    return this.once(`new-releases:${releasedAfter}:${limit}`, async () => {
      const page = await this.services.catalog.newest(this.call, { releasedAfter, limit, fields: ['id'] });
      return page.items.map((title) => title.id);
    });
  }

  /** Per region: no batch endpoint, so each region is one call. */
  trending(region: string) {
    return this.once(`trending:${region}`, () => this.services.recommendations.trending(this.call, region));
  }

  unreadNotifications() {
    return this.once('unread-notifications', () => this.services.notifications.unreadCount(this.call, this.viewerId));
  }

  billing() {
    return this.once('billing', () => this.services.billing.forUser(this.call, this.viewerId));
  }

  /** A value fetched at most once per request, however many resolvers ask for it. */
  private once<T>(key: string, fetch: () => Promise<T>): Promise<T> {
    const memo = (this.memo ??= new Map());
    let pending = memo.get(key) as Promise<T> | undefined;
    if (!pending) memo.set(key, (pending = fetch()));
    return pending;
  }

  private makeReviewSummaries() {
    return batchLoader((ids) => this.services.reviews.summaries(this.call, ids), SUMMARY_BATCH_LIMIT);
  }

  private makeLicenses(drm: DrmSystem) {
    return batchLoader((ids) => this.services.playback.licenses(this.call, ids, drm), LICENSE_BATCH_LIMIT);
  }
}

export function createLoaders<TF extends TitleField, UF extends UserField>(
  services: ServiceClients,
  call: CallContext,
  viewerId: string,
  needs: LoaderNeeds<TF, UF>,
  titleSource: TitleSource,
): RequestLoaders<TF, UF> {
  return new RequestLoaders(services, call, viewerId, needs, titleSource);
}

export type Loaders<TF extends TitleField, UF extends UserField> = ReturnType<typeof createLoaders<TF, UF>>;
