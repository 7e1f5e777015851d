import type { Plugin } from 'graphql-yoga';
import { requestId } from '../perimeter/request-id.ts';
import type { Observer } from './observer.ts';
import type { RequestObservation } from './request-observation.ts';

/** Where a request's observation travels when one transport hands it to yoga (a replay, a HEAD's GET). */
export interface ObservedServerContext {
  observation?: RequestObservation;
}

const observations = new WeakMap<Request, RequestObservation>();

/** The observation of a request on yoga's path (yoga-perimeter.ts hands it to the perimeter and the responder). */
export const observationOf = (request: Request): RequestObservation | undefined => observations.get(request);

/**
 * yoga's side of the observer: every request it serves, probes aside, is observed from its
 * arrival to its response, as the fast lane observes its own. A request the lane read and
 * replayed to yoga, or a HEAD answered by the GET it stands for, arrives with its observation
 * in the server context: it is filled in here and ended by whoever began it, so it counts once.
 * Put it first, so a request refused by load shedding is seen too.
 */
export function useObservation(observer: Observer, unobserved: readonly string[]): Plugin {
  const skipped = new Set(unobserved);
  const ownedHere = new WeakSet<RequestObservation>();
  return {
    onRequest({ request, url, serverContext }) {
      if (skipped.has(url.pathname)) return;
      const inherited = (serverContext as ObservedServerContext | undefined)?.observation;
      if (inherited) return void observations.set(request, inherited);
      const observation = observer.begin(request.method, url.pathname, request.headers, requestId(request));
      ownedHere.add(observation);
      observations.set(request, observation);
    },
    async onResponse({ request, response }) {
      const observation = observations.get(request);
      if (!observation || !ownedHere.has(observation)) return;
      // yoga's own refusals (406, 415, a shed request) name their code only in the body.
      if (observation.codes.length === 0 && response.status >= 400) await noteCodesOfBody(observation, response);
      observer.end(observation, response.status);
    },
  };
}

async function noteCodesOfBody(observation: RequestObservation, response: Response): Promise<void> {
  if (!response.headers.get('content-type')?.includes('json')) return;
  try {
    const body = (await response.clone().json()) as { errors?: { extensions?: { code?: unknown } }[] };
    for (const error of body.errors ?? []) if (typeof error.extensions?.code === 'string') observation.noteCode(error.extensions.code);
  } catch {
    // not one JSON body: the status says enough
  }
}
