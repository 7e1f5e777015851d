/**
 * The kit's front door: what a client BFF (bffs/<client>/) imports from the kit, and nothing
 * more. A client that needs something else of the kit adds it here, so this file stays the list
 * of what the clients depend on (`npm run arch:check` refuses any other kit import from a client).
 *
 * The one exception is a client's SDK (bffs/<client>/sdk/), which ships to apps and so imports
 * only the kit's request function (bffs/kit/sdk/request.ts): this door would pull in the server.
 */

// Shared types (the ground floor)
export type { RequestHeaders } from './core/headers.ts';

// Building and serving a client's BFF
export { configFromEnv, type BffConfig } from './config.ts';
export { createBff, type Bff, type BffOverrides } from './server/create-bff.ts';
export type { BffContext } from './execution/context.ts';
export type { ViewerLiveEvents } from './live/live-events.ts';
export type { ServiceEvent } from './live/feed.ts';
export { serve } from './server/serve.ts';
export { readClientDocuments } from './contracts/document-catalog.ts';

// A client's policies (bffs/<client>/policy.ts, dependencies.ts)
export { BEARER_VARY, type CachingPolicy } from './caching/policy.ts';
export type { ClientVersionPolicy } from './contracts/versions.ts';
export type { PerimeterPolicy } from './core/perimeter-policy.ts';
export type { DependencyMap, ResiliencePolicy } from './resilience/policy.ts';

// The downstream models a client's needs, models and mappers name
export type { BillingAccount } from './downstream/services/billing.ts';
export type { SparseTitle, TitleField } from './downstream/services/catalog.ts';
export type { SearchHit } from './downstream/services/search.ts';
export type { ContinueWatchingItem } from './downstream/services/continue-watching.ts';
export type { DrmSystem } from './downstream/services/playback.ts';
export type { Review } from './downstream/services/reviews.ts';
export type { User, UserField } from './downstream/services/users.ts';
export type { ViewerDevices } from './sign-in/devices.ts';

// What resolvers use
export { concierge } from './errors.ts';
export { listsCutoff } from './resilience/cutoff.ts';
export { staleIfError } from './resilience/stale-if-error.ts';
export { loadTitleOrNotFound } from './resolvers/title.ts';
export { addToMyList, isInMyList, removeFromMyList } from './resolvers/my-list.ts';

// Locale (locale/): the request's localizer, and what a client's context holds of it
export { localize, SHIPPED_LOCALES, type LocaleChoice } from './locale/wing.ts';
export type { Localizer } from './locale/localizer.ts';

// Flags (flags/): a client's declarations, what its targeting adds, and the value a resolver reads
export { flagValue, type FlagDeclarations, type FlaggedContext } from './flags/wing.ts';

// Presentation helpers
export { decodeCursor, encodeCursor, pageSize } from './presentation/connection.ts';
export { pickImage } from './presentation/images.ts';
export { perRequest } from './presentation/per-request.ts';
export { progressPercent, progressSubtitle } from './presentation/progress.ts';
export { loadRows, withFailedRowsAsNull } from './presentation/rows.ts';
export { truncate } from './presentation/text.ts';
export { isNewRelease, newReleasesSince, olderThanDays } from './presentation/time.ts';
