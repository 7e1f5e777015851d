import { MatchersV3 } from '@pact-foundation/pact';
import type { ClientName } from '../../bffs/clients.ts';
import type { DownstreamName } from '../../bffs/kit/core/services.ts';
import type { ObservedCall } from './observe.ts';

const { eachLike, like, regex } = MatchersV3;

/**
 * From what the BFFs were seen to send and read (observe.ts) to Pact interactions, one per
 * distinct request of an operation: the request exactly as the service client sent it (path,
 * query with its sparse `fields`, JSON body), and of the answer only what the BFF read, by type
 * (Pact's `like`/`eachLike`), with the seeded answer as the example. A field the BFF never read
 * is not in the pact, so a service may drop or change it freely; one it reads must be there,
 * with its type.
 *
 * Pact has no "optional": a field read but absent or null in some answers (a movie's
 * `seasonCount`) cannot be required of every one, so it is left out; what is always there is kept.
 */

export const PACT_CONSUMER_PREFIX = 'concierge-';
export const consumerName = (client: ClientName) => `${PACT_CONSUMER_PREFIX}${client}`;

/** The provider states the verification sets up (verify.ts holds their handlers). */
export const STATES = {
  viewer: 'a signed-in viewer',
  notInList: "a title that is not on the viewer's list",
  inList: "a title that is on the viewer's list",
} as const;

export interface InteractionSpec {
  consumer: ClientName;
  provider: DownstreamName;
  description: string;
  states: { name: string; params: Record<string, string> }[];
  /** The service client method the replay calls, and its arguments after the call context. */
  method: string;
  args: unknown[];
  request: { method: string; path: string; query: Record<string, string>; headers: Record<string, string>; body: unknown };
  response: { status: number; headers: Record<string, string>; body: unknown; reads: string[] };
}

/** A bearer token shaped like identity's: the pact's example (the verification sends a real one, verify.ts). */
export const EXAMPLE_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1XzEifQ.c2lnbmF0dXJl';

/** One interaction per operation, service client method, route, query and body shape; reads merged. */
export function interactionsOf(calls: readonly ObservedCall[]): InteractionSpec[] {
  const groups = new Map<string, ObservedCall[]>();
  for (const call of calls) {
    const { method, route, query, body } = call.request;
    const shape = JSON.stringify([call.consumer, call.provider, call.operation, call.method, method, route, Object.keys(query).sort(), query.fields, bodyShape(body)]);
    groups.set(shape, [...(groups.get(shape) ?? []), call]);
  }
  // Calls made at once finish in any order: groups and their examples are taken in a stable one.
  const stable = (call: ObservedCall) => JSON.stringify([call.request.path, call.request.query, call.request.body, call.request.headers]);
  const specs = [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, group]) => specOf([...group].sort((a, b) => stable(a).localeCompare(stable(b)))));
  // Two shapes of one description (a batch for the rows, another for the hero) are told apart by their fields.
  const seen = new Map<string, number>();
  for (const spec of specs) {
    const key = `${spec.consumer}/${spec.provider}/${spec.description}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    if (n > 1) spec.description += ` (${n})`;
  }
  return specs.sort((a, b) => `${a.consumer}/${a.provider}/${a.description}`.localeCompare(`${b.consumer}/${b.provider}/${b.description}`));
}

/** What keys a body has and its `fields`: ids differ between calls of one shape, fields do not. */
const bodyShape = (body: unknown) =>
  body && typeof body === 'object' ? Object.keys(body).sort().map((key) => (key === 'fields' ? `fields=${String((body as Record<string, unknown>).fields)}` : key)) : body;

function specOf(group: ObservedCall[]): InteractionSpec {
  const first = group[0]!;
  const reads = [...new Set(group.flatMap((call) => [...call.reads]))].sort();
  const headersRead = new Set(group.flatMap((call) => [...call.headersRead]));
  const { method, route, path, query, headers, body } = first.request;
  const states: InteractionSpec['states'] = [{ name: STATES.viewer, params: { sub: first.viewer } }];
  // The list's writes answer `changed: true` only from the state the BFF found: a title on the list, or not.
  if (first.provider === 'my-list' && (method === 'PUT' || method === 'DELETE')) {
    const [, , userId, contentId] = path.split('/');
    states.push({ name: method === 'PUT' ? STATES.notInList : STATES.inList, params: { userId: userId!, contentId: contentId! } });
  }
  const responseHeaders = Object.fromEntries(Object.entries(first.response.headers).filter(([name]) => headersRead.has(name)));
  return {
    consumer: first.consumer,
    provider: first.provider,
    description: `${first.operation}: ${first.method} ${method} ${route}`,
    states,
    method: first.method,
    args: first.args,
    request: {
      method,
      path,
      query,
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body,
    },
    response: { status: first.response.status, headers: responseHeaders, body: first.response.body, reads },
  };
}

/** The request headers as Pact matches them: the token by its shape, the rest exactly. */
export const requestHeaders = (spec: InteractionSpec) => ({
  ...spec.request.headers,
  authorization: regex('^Bearer [A-Za-z0-9._~+/-]+=*$', `Bearer ${EXAMPLE_TOKEN}`),
});

/** The answer's headers the BFF read, present (any value). */
export const responseHeaders = (spec: InteractionSpec) =>
  Object.fromEntries(Object.entries(spec.response.headers).map(([name, value]) => [name, regex('.+', value)]));

/**
 * The answer's body as Pact matches it: only the paths read, each by type, with every array by
 * its items (`eachLike`, at least one). `samples` are every value seen at `path` (all the items
 * of an array), so a field is kept only when every one of them has it.
 */
export function bodyTemplate(body: unknown, reads: readonly string[]): unknown {
  return template([body], '', new Set(reads)) ?? {};
}

function template(samples: unknown[], path: string, reads: Set<string>): unknown {
  const present = samples.filter((sample) => sample !== null && sample !== undefined);
  if (present.length === 0 || present.length < samples.length) return undefined;
  if (present.every(Array.isArray)) {
    const items = (present as unknown[][]).flat();
    if (items.length === 0) return undefined;
    const item = template(items, `${path}[]`, reads);
    return item === undefined ? undefined : eachLike(item, 1);
  }
  if (present.every((sample) => typeof sample === 'object')) {
    const objects = present as Record<string, unknown>[];
    const children = [...reads].filter((read) => read.startsWith(path ? `${path}.` : '') && !read.slice(path ? path.length + 1 : 0).match(/[.[]/)).map((read) => read.slice(path ? path.length + 1 : 0));
    // An object read but none of its fields: handed on whole, so all of it is needed.
    if (children.length === 0) return like(objects[0]);
    const shaped: Record<string, unknown> = {};
    for (const key of children.sort()) {
      const value = template(objects.map((object) => object[key]), path ? `${path}.${key}` : key, reads);
      if (value !== undefined) shaped[key] = value;
    }
    return shaped;
  }
  return like(present[0]);
}
