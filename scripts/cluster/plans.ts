/**
 * The requests the apps send, as the load's plans: each home by its trusted-document id (what the
 * generated SDKs send; the replicas run in production and take nothing else), POST as the SDKs
 * do, with each app's own credential and headers. Each plan rotates over its viewers.
 */
import type { ClientName } from '../../bffs/clients.ts';
import { documentId } from '../../test/support/documents.ts';
import type { Plan, Shot } from './load.ts';
import { SESSION_COOKIE, currentVersion } from './viewers.ts';

const ACCEPT = 'application/graphql-response+json, application/json';

function rotating(client: ClientName, name: string, credentials: readonly string[], headers: (credential: string) => Record<string, string>): Plan {
  if (credentials.length === 0) throw new Error(`${name}: no viewers`);
  const body = JSON.stringify({ documentId: documentId(client, name) });
  let next = 0;
  return {
    client,
    name,
    next(): Shot {
      const credential = credentials[next++ % credentials.length]!;
      return { method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json', accept: ACCEPT, ...headers(credential) }, body };
    },
  };
}

export const mobileHomePlan = (tokens: readonly string[]) =>
  rotating('mobile', 'MobileHome', tokens, (token) => ({ authorization: `Bearer ${token}`, 'x-client-version': currentVersion('mobile') }));

export const webHomePlan = (sessions: readonly string[]) =>
  rotating('web', 'WebHome', sessions, (session) => ({ cookie: `${SESSION_COOKIE}=${session}`, 'x-csrf': '1' }));

export const tvHomePlan = (sessionTokens: readonly string[]) =>
  rotating('tv', 'TvHome', sessionTokens, (token) => ({ authorization: `Bearer ${token}`, 'x-client-version': currentVersion('tv'), 'x-device-drm': 'widevine', 'x-device-capabilities': 'uhd,hdr' }));
