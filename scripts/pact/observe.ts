import { AsyncLocalStorage } from 'node:async_hooks';
import { readdirSync, readFileSync } from 'node:fs';
import { decodeJwt } from 'jose';
import { parse, type OperationDefinitionNode } from 'graphql';
import { pino } from 'pino';
import { CLIENT_NAMES, pascalName, type ClientName } from '../../bffs/clients.ts';
import type { BffConfig } from '../../bffs/kit/config.ts';
import type { DownstreamName } from '../../bffs/kit/core/services.ts';
import { createServiceClients, type ServiceClients } from '../../bffs/kit/downstream/index.ts';
import { DownstreamHttp, type Answer, type CallContext, type RequestOptions } from '../../bffs/kit/downstream/http-client.ts';
import type { Bff, BffOverrides } from '../../bffs/kit/server/create-bff.ts';
import { startMocks } from '../../downstream-mocks/src/start-mocks.ts';

/**
 * The consumer side of the contract tests, as the BFFs really are: every client BFF serves its
 * own operations (bffs/<client>/operations/) against the seeded mocks, on its real service
 * clients (bffs/kit/downstream/services/). Each downstream call is observed where it leaves
 * and where its answer comes back: which service client method made it, with which arguments
 * (the replay on Pact's mock server calls it again), what went on the wire (route, query,
 * body: the sparse fieldsets included), and which fields of the answer the BFF then read, to
 * the last mapper and resolver (a Proxy over the parsed body records every property read).
 * Nothing here is a list of fields written by hand: a field a mapper stops reading leaves the
 * pact, one it starts reading enters it.
 */

/** The instant the observation runs at (the mocks' clock and the BFFs'), so the pacts are deterministic. */
export const OBSERVED_AT = '2026-11-21T12:00:00.000Z';

/** The observed BFFs' deadline: the non-critical reads' budgets are shares of it. */
const OBSERVATION_DEADLINE_MS = 30_000;

/** One downstream call as a BFF made it and used its answer. */
export interface ObservedCall {
  consumer: ClientName;
  /** The operation being served when the call was made (`MobileHome`). */
  operation: string;
  provider: DownstreamName;
  /** The service client's method (`catalog.validatedBatch`) and its arguments after the call context. */
  method: string;
  args: unknown[];
  /** The viewer whose token the call carried (its `sub`). */
  viewer: string;
  request: { method: string; route: string; path: string; query: Record<string, string>; headers: Record<string, string>; body: unknown };
  response: { status: number; body: unknown; headers: Record<string, string> };
  /** Every property path of the answer's body the BFF read: `titles[].name`, `profile.displayName`. */
  reads: Set<string>;
  /** The answer's headers the BFF read (lower case). */
  headersRead: Set<string>;
}

/** One request an app sends: an operation file, as whom, with what. */
export interface Journey {
  operation: string;
  variables?: Record<string, unknown>;
  viewer?: string;
  headers?: Record<string, string>;
}

/** Premium (uhd, hdr, atmos, ambient mode): the TV shows its badges. */
const PREMIUM_VIEWER = 'u_6';
/** On u_1's list at no point before AddToMyList: added, then removed, both `changed: true`. */
const NOT_IN_MY_LIST = 't_42';
const FULL_TV = { 'x-device-drm': 'playready', 'x-device-capabilities': 'uhd,hdr,atmos,ambient' };

/**
 * What each app sends, in order (writes last). A query with no entry runs once, as u_1, without
 * variables; any other operation needs an entry here or in NOT_OBSERVED (observe() says so).
 */
export const JOURNEYS: Partial<Record<ClientName, Journey[]>> = {
  web: [
    { operation: 'WebHome' },
    { operation: 'WebAccount' },
    { operation: 'WebTitle', variables: { id: NOT_IN_MY_LIST, reviewsFirst: 3 } },
    { operation: 'WebSearch', variables: { query: 'moon', first: 5 } },
    { operation: 'AddToMyList', variables: { contentId: NOT_IN_MY_LIST } },
    { operation: 'RemoveFromMyList', variables: { contentId: NOT_IN_MY_LIST } },
  ],
  mobile: [
    { operation: 'MobileHome' },
    { operation: 'MobileTitle', variables: { id: NOT_IN_MY_LIST } },
    { operation: 'AddToMyList', variables: { contentId: NOT_IN_MY_LIST } },
    { operation: 'RemoveFromMyList', variables: { contentId: NOT_IN_MY_LIST } },
  ],
  tv: [
    { operation: 'TvHome', viewer: PREMIUM_VIEWER, headers: FULL_TV },
    { operation: 'TvTitle', viewer: PREMIUM_VIEWER, headers: FULL_TV, variables: { id: NOT_IN_MY_LIST } },
  ],
};

/** Operations whose calls are in no pact, and why. */
export const NOT_OBSERVED: Partial<Record<ClientName, Record<string, string>>> = {
  web: {
    SignOutDevice: "it ends a TV's session in the BFF's own session store and calls no service",
    WebMyListChanged: 'a subscription: the live feeds are streams (README: Contract tests)',
    WebNotificationsChanged: 'a subscription: the live feeds are streams (README: Contract tests)',
    WebProgressChanged: 'a subscription: the live feeds are streams (README: Contract tests)',
  },
};

/** A client's operation files (bffs/<client>/operations/): name, kind, text, and whether a variable must be given. */
const operationsOf = (client: ClientName) => {
  const dir = new URL(`../../bffs/${client}/operations/`, import.meta.url);
  return readdirSync(dir)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => {
      const text = readFileSync(new URL(file, dir), 'utf8');
      const definition = parse(text).definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition')!;
      return { name: definition.name!.value, kind: definition.operation, text, required: (definition.variableDefinitions ?? []).some((v) => v.type.kind === 'NonNullType' && !v.defaultValue) };
    });
};

/** The journeys of a client: its table's, then every other query of its operations folder that needs no variables. */
function journeysOf(client: ClientName): Journey[] {
  const listed = JOURNEYS[client] ?? [];
  const named = new Set(listed.map((journey) => journey.operation));
  const skipped = NOT_OBSERVED[client] ?? {};
  const rest = operationsOf(client).filter((op) => !named.has(op.name) && !(op.name in skipped));
  // A mutation changes the mocks' state and a subscription is a stream: each needs its entry, as does a query with required variables.
  const unplanned = rest.filter((op) => op.kind !== 'query' || op.required);
  if (unplanned.length > 0) {
    throw new Error(`scripts/pact/observe.ts: ${unplanned.map((op) => `${client} ${op.name}`).join(', ')} needs a journey in JOURNEYS (variables, order) or a reason in NOT_OBSERVED.`);
  }
  return [...listed, ...rest.map((op) => ({ operation: op.name }))];
}

interface CallScope {
  consumer: ClientName;
  operation: string;
  method: string;
  args: unknown[];
}

/**
 * A DownstreamHttp that tells `record` about each call it made and hands the BFF a body whose
 * reads are recorded. Everything else (guard, pool, wire) is the production class's.
 */
function watchedHttp(scope: AsyncLocalStorage<CallScope>, record: (call: ObservedCall) => void, only?: string) {
  return class WatchedHttp extends DownstreamHttp {
    override async answer<T>(context: CallContext, options: RequestOptions): Promise<Answer<T>> {
      const answer = await super.answer<T>(context, options);
      const caller = scope.getStore();
      if (!caller) throw new Error(`${this.service} ${options.route}: a call outside a service client method`);
      if (only !== undefined && caller.method !== only) return answer;
      const call: ObservedCall = {
        consumer: caller.consumer,
        operation: caller.operation,
        provider: this.service,
        method: caller.method,
        args: caller.args,
        // Whom the service was called for: the sub of the token it was sent (a viewer's, exchanged; the BFF's own for the catalog).
        viewer: String(decodeJwt(await context.credentials.tokenFor(this.service)).sub),
        request: {
          method: options.method ?? 'GET',
          route: options.route,
          path: options.route.replace(/:([A-Za-z]+)/g, (_, name: string) => options.params![name]!),
          query: Object.fromEntries(Object.entries(options.query ?? {}).flatMap(([key, value]) => (value === undefined ? [] : [[key, String(value)]]))),
          headers: { ...options.headers },
          body: options.body,
        },
        response: { status: answer.status, body: answer.body, headers: {} },
        reads: new Set(),
        headersRead: new Set(),
      };
      record(call);
      return {
        status: answer.status,
        body: watch(answer.body, '', call.reads, new Map()) as T | undefined,
        header: (name) => {
          const value = answer.header(name);
          call.headersRead.add(name);
          if (value !== undefined) call.response.headers[name] = value;
          return value;
        },
      };
    }
  };
}

/**
 * `value` behind a Proxy that adds the path of every own property read to `reads` (array items
 * as `[]`). One proxy per object and path, so identity holds for the code reading it.
 */
function watch(value: unknown, path: string, reads: Set<string>, proxies: Map<string, WeakMap<object, object>>): unknown {
  if (value === null || typeof value !== 'object') return value;
  const byObject = proxies.get(path) ?? proxies.set(path, new WeakMap()).get(path)!;
  const known = byObject.get(value);
  if (known) return known;
  const proxy = new Proxy(value, {
    get(target, key, receiver) {
      const found = Reflect.get(target, key, receiver);
      if (typeof key !== 'string' || key === 'then') return found; // `then`: an await asking whether it is a promise
      if (Array.isArray(target)) return /^\d+$/.test(key) ? watch(found, `${path}[]`, reads, proxies) : found;
      if (!Object.hasOwn(target, key) && key in target) return found; // the prototype's (toString, hasOwnProperty)
      const at = path ? `${path}.${key}` : key;
      reads.add(at);
      return watch(found, at, reads, proxies);
    },
  });
  byObject.set(value, proxy);
  return proxy;
}

type ClientMethods = Omit<ServiceClients, 'guards' | 'close'>;
export type ServiceClientName = keyof ClientMethods;

/** The service clients' key for a downstream service name (`continue-watching` → `continueWatching`). */
export const clientKeyOf = (service: DownstreamName) => service.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase()) as ServiceClientName;

/** Each service client method wrapped so the calls it makes know it, and their arguments. */
function scoped(clients: ServiceClients, consumer: ClientName, operation: () => string, scope: AsyncLocalStorage<CallScope>): ServiceClients {
  const wrapped: Record<string, unknown> = { guards: clients.guards, close: clients.close };
  for (const [name, client] of Object.entries(clients)) {
    if (name === 'guards' || name === 'close') continue;
    wrapped[name] = Object.fromEntries(
      Object.entries(client as Record<string, (...args: unknown[]) => unknown>).map(([method, fn]) => [
        method,
        (context: unknown, ...args: unknown[]) => scope.run({ consumer, operation: operation(), method: `${name}.${method}`, args: structuredClone(args) }, () => fn(context, ...args)),
      ]),
    );
  }
  return wrapped as ServiceClients;
}

const factoryOf = async (client: ClientName) =>
  ((await import(new URL(`../../bffs/${client}/bff.ts`, import.meta.url).href)) as Record<string, (config: BffConfig, overrides?: BffOverrides) => Bff>)[`create${pascalName(client)}Bff`]!;
/** `<NAME>_POLICY` from bffs/<client>/policy.ts (the convention of bffs/clients.ts). */
export const policyOf = async (client: ClientName) =>
  ((await import(new URL(`../../bffs/${client}/policy.ts`, import.meta.url).href)) as Record<string, Parameters<typeof createServiceClients>[1]>)[`${client.toUpperCase()}_POLICY`]!;

/**
 * Serves every client's journeys on the seeded mocks and returns each downstream call they
 * made, in the order made. Fails when an operation is not answered in full: a call that failed
 * would be missing from the pact.
 */
export async function observe(): Promise<ObservedCall[]> {
  const mocks = await startMocks({ ports: 'ephemeral', env: { MOCKS_NOW: OBSERVED_AT } });
  const calls: ObservedCall[] = [];
  const scope = new AsyncLocalStorage<CallScope>();
  const bffs: Bff[] = [];
  const clients: ServiceClients[] = [];
  /** A client BFF on service clients made by `Http`, its calls known by the operation `serving()` names. */
  const start = async (client: ClientName, Http: ReturnType<typeof watchedHttp>, serving: () => string, now: () => number, titleCacheMb: number) => {
    // What is observed is what is sent and read, not how fast: a loaded machine must not cut a
    // non-critical read short (its field would be missing from the pact), nor shed a request.
    const policy = { ...(await policyOf(client)), deadlineMs: OBSERVATION_DEADLINE_MS, shedding: { maxInFlight: 1_000, maxEventLoopDelayMs: 60_000 } };
    const real = createServiceClients(mocks.urls, policy, (...args) => new Http(...args));
    clients.push(real);
    const config: BffConfig = { port: 0, production: false, urls: mocks.urls, logLevel: 'silent', responseCache: false, titleCacheMb, rateLimits: false, deadlineMs: OBSERVATION_DEADLINE_MS };
    const bff = (await factoryOf(client))(config, { services: scoped(real, client, serving, scope), policy, clock: () => new Date(now()), logger: pino({ level: 'silent' }) });
    bffs.push(bff);
    return bff;
  };
  try {
    // Every journey, the shared title cache off: it keeps each title whole (every field would
    // count as read), and every call reaches the service.
    const Http = watchedHttp(scope, (call) => calls.push(call));
    for (const client of CLIENT_NAMES) {
      let serving = '';
      const bff = await start(client, Http, () => serving, () => Date.parse(OBSERVED_AT), 0);
      for (const journey of journeysOf(client)) {
        serving = journey.operation;
        await serve(bff, client, journey, mocks.urls.identity);
      }
    }
    // The title cache's revalidation: each client's home, then the same home once the titles'
    // copies are past their max-age (the BFF's clock moved on), which the cache asks the catalog
    // about with If-None-Match. Only those conditional GETs are recorded here; the reads of the
    // titles are the first pass's.
    const maxAge = Math.max(...calls.flatMap((call) => /max-age=(\d+)/.exec(call.provider === 'catalog' ? (call.response.headers['cache-control'] ?? '') : '')?.[1] ?? []).map(Number));
    if (!Number.isFinite(maxAge)) throw new Error('scripts/pact/observe.ts: no catalog answer said its max-age');
    const Revalidations = watchedHttp(scope, (call) => calls.push(call), 'catalog.revalidate');
    for (const client of CLIENT_NAMES) {
      const home = journeysOf(client)[0]!;
      let serving = home.operation;
      let now = Date.parse(OBSERVED_AT);
      const bff = await start(client, Revalidations, () => serving, () => now, 32);
      await serve(bff, client, home, mocks.urls.identity);
      now += (maxAge + 1) * 1000;
      serving = `${home.operation} once its titles' copies are stale`;
      await serve(bff, client, home, mocks.urls.identity);
      await bff.titleCache.settled();
    }
  } finally {
    await Promise.all(bffs.map((bff) => bff.close()));
    await Promise.all(clients.map((real) => real.close()));
    await mocks.close();
  }
  return calls;
}

/** One journey sent to the BFF as its app sends it; fails unless answered in full (a failed call would be missing from the pact). */
async function serve(bff: Bff, client: ClientName, journey: Journey, identityUrl: string): Promise<void> {
  const op = operationsOf(client).find((operation) => operation.name === journey.operation);
  if (!op) throw new Error(`scripts/pact/observe.ts: ${client} has no operation ${journey.operation}`);
  const token = await mintToken(identityUrl, journey.viewer ?? 'u_1');
  const send = () =>
    bff.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', authorization: `Bearer ${token}`, ...journey.headers },
      body: JSON.stringify({ query: op.text, variables: journey.variables }),
    });
  let response = await send();
  let result = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
  // The BFF's first look at identity's keys has a short timeout that a loaded machine can
  // miss; that refusal comes before any downstream call, so the request is sent again.
  for (let retry = 0; retry < 5 && response.status === 503 && result.errors?.[0]?.extensions?.code === 'IDENTITY_UNAVAILABLE'; retry++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    response = await send();
    result = (await response.json()) as typeof result;
  }
  if (response.status !== 200 || result.errors) {
    throw new Error(`${client} ${journey.operation} was not answered in full (${response.status}): ${JSON.stringify(result.errors ?? result).slice(0, 500)}`);
  }
}

/** A token from identity's development endpoint (the mocks' `POST /dev/token`). */
export async function mintToken(identityUrl: string, sub: string): Promise<string> {
  const response = await fetch(`${identityUrl}/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub }) });
  if (!response.ok) throw new Error(`${identityUrl}/dev/token answered ${response.status} for ${sub}: ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}
