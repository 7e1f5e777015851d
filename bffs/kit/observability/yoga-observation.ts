import type { Plugin } from 'graphql-yoga';
import { requestId } from '../core/request-id.ts';
import type { Observer } from './observer.ts';
import type { RequestObservation } from './request-observation.ts';

const observations = new WeakMap<Request, RequestObservation>();

/** The observation of a request on yoga's path (server/yoga-lane.ts hands it to the request lifecycle). */
export const observationOf = (request: Request): RequestObservation | undefined => observations.get(request);

/**
 * yoga's side of the observer: every request it serves, probes aside, is observed from its
 * arrival to its response, as the fast lane observes its own. Put it first, so a request a
 * wing's route refuses (load shedding, the sign-in budget) is seen too.
 */
export function useObservation(observer: Observer, unobserved: readonly string[]): Plugin {
  const skipped = new Set(unobserved);
  return {
    onRequest({ request, url }) {
      if (skipped.has(url.pathname)) return;
      observations.set(request, observer.begin(request.method, url.pathname, request.headers, requestId(request)));
    },
    async onResponse({ request, response }) {
      const observation = observations.get(request);
      if (!observation) return;
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
