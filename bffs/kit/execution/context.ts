import type { TitleSource } from '../caching/title-cache.ts';
import type { ClientVersionView } from '../contracts/gates.ts';
import type { CallContext, ServiceClients } from '../downstream/index.ts';
import type { ServiceCredentials } from '../downstream/call.ts';
import { createLoaders, type LoaderNeeds, type Loaders } from '../loaders/index.ts';
import type { TitleField } from '../downstream/services/catalog.ts';
import type { UserField } from '../downstream/services/users.ts';
import type { Viewer, ViewerDevices } from '../core/viewer.ts';
import type { Deadline } from '../resilience/deadline.ts';
import type { LastGoodStore } from '../resilience/last-good.ts';
import { RequestLastGood } from '../resilience/stale-if-error.ts';
import type { DownstreamName } from '../core/services.ts';
import type { RequestObservation } from '../observability/request-observation.ts';
import type { RequestHeaders } from '../core/headers.ts';
import type { ViewerLiveEvents } from '../live/live-events.ts';

/** What every resolver of every BFF gets. A BFF may add its own fields (TV adds the device). */
export interface BffContext<TF extends TitleField = TitleField, UF extends UserField = UserField> {
  viewer: Viewer;
  /**
   * The app's version as gating sees it: `client.sees('RowLayout.SQUARE')` before fetching what
   * only newer apps are sent (the executor takes it out of older apps' results regardless).
   */
  client: ClientVersionView;
  requestId: string;
  loaders: Loaders<TF, UF>;
  /** For mutations only: reads go through `loaders`. */
  services: ServiceClients;
  call: CallContext;
  /** The clock: injected, so snapshots of "new" badges and token ages are stable. */
  now: () => Date;
  /** The policy's share of the deadline a screen's lists may take (see `listsCutoff`). */
  listsShare: number;
  /** The viewer's signed-in devices (web's account page), where the BFF lists them (`deviceClient`). */
  devices?: ViewerDevices;
  /** The viewer's last good values, for the fields that are stale-if-error (`staleIfError`). */
  lastGood: RequestLastGood;
  /** The viewer's live events (live/), for subscription fields, in a BFF whose schema has subscriptions. */
  live?: ViewerLiveEvents;
}

/** What the context is built from, the same on yoga's path and the fast lane. */
export interface RequestFacts {
  headers: RequestHeaders;
  /** Verified by the perimeter (stages/authentication.ts). */
  viewer: Viewer;
  /** stages/client-version.ts */
  client: ClientVersionView;
  requestId: string;
  deadline: Deadline;
  /** The request's observation (observability/): its downstream calls' metrics and spans. */
  observation?: RequestObservation;
  /** What the wings give the resolvers (core/variation.ts `context`): each under the wing's own name. */
  wings?: Record<string, unknown>;
}

export interface ContextFactoryOptions<TF extends TitleField, UF extends UserField, TExtra extends object> {
  services: ServiceClients;
  needs: LoaderNeeds<TF, UF>;
  /** The BFF's shared title cache (caching/title-cache.ts), which every request's title loaders read through. */
  titles: TitleSource;
  clock: () => Date;
  listsShare: number;
  /** What a read from each non-critical service may take (`nonCriticalBudgets`). */
  budgets: Readonly<Partial<Record<DownstreamName, number>>>;
  /** The BFF's last good values of every viewer. */
  lastGood: LastGoodStore;
  extendContext?: (headers: RequestHeaders) => TExtra;
  /** The device sessions a viewer may list and end, from the BFF's session store. */
  devices?: (viewerId: string) => ViewerDevices;
  /** A viewer's live events, where the schema has subscriptions. */
  live?: (viewerId: string) => ViewerLiveEvents;
  /** The tokens a viewer's downstream calls carry: exchanged for each service, never the viewer's own (downstream/service-tokens.ts). */
  credentials: (viewer: Viewer) => ServiceCredentials;
}

/**
 * Builds a request's context: the viewer the perimeter verified, per-request loaders bound to the
 * viewer's service credentials, the request's id and deadline, and whatever the BFF adds. Throws a catalog error (TV's 400
 * for a device header) when the request cannot be served at all.
 */
export function createContextFactory<TF extends TitleField, UF extends UserField, TExtra extends object>(options: ContextFactoryOptions<TF, UF, TExtra>) {
  const { services, needs, titles, clock, listsShare, budgets, lastGood, extendContext, devices, live, credentials } = options;
  return ({ headers, requestId, deadline, viewer, client, observation, wings }: RequestFacts): BffContext<TF, UF> => {
    const call: CallContext = { credentials: credentials(viewer), requestId, deadline, budgets, observation };
    const base: BffContext<TF, UF> = {
      viewer,
      client,
      requestId,
      loaders: createLoaders(services, call, viewer.id, needs, titles),
      services,
      call,
      now: clock,
      listsShare,
      // Bound to the verified viewer here, so no resolver can name another user's devices.
      ...(devices ? { devices: devices(viewer.id) } : {}),
      // Bound to the verified viewer too: a subscription follows this viewer's events only.
      ...(live ? { live: live(viewer.id) } : {}),
      // Bound to the verified viewer too: a resolver reads and writes this viewer's values only.
      lastGood: new RequestLastGood(lastGood.forViewer(viewer.id)),
    };
    const withWings = wings ? Object.assign(base, wings) : base;
    return extendContext ? { ...withWings, ...extendContext(headers) } : withWings;
  };
}

export type ContextFactory = ReturnType<typeof createContextFactory<TitleField, UserField, object>>;
