import { concierge } from '../errors.ts';

/** The GraphQL-over-HTTP parameters as sent, before the perimeter's params stage checks them. */
export type Params = Record<string, unknown>;

/** The parameters GraphQL over HTTP names (and the persisted-documents `documentId`). */
const GRAPHQL_PARAMS = new Set(['query', 'documentId', 'variables', 'operationName', 'extensions']);

/** The body types a POST may have (GraphQL over HTTP, and the two forms yoga reads besides JSON). */
const JSON_TYPES = ['application/json', 'application/graphql+json'];

/**
 * A GET's (or HEAD's) parameters from its query string: `variables` and `extensions` as JSON,
 * every other one as it is (`query`, `documentId`, and any unknown one, for the perimeter's
 * params stage to refuse, as it refuses one in a POST body). A repeated name counts once, its
 * first value, as `URLSearchParams.get` does. An empty value of a GraphQL parameter is as good as
 * absent (`variables=`), as yoga and the apps in the field have always had it.
 */
export function paramsOfQueryString(search: string): Params {
  const params: Params = {};
  for (const [name, value] of new URLSearchParams(search)) {
    if (name in params) continue;
    if (value === '' && GRAPHQL_PARAMS.has(name)) continue;
    if (name !== 'variables' && name !== 'extensions') {
      params[name] = value;
      continue;
    }
    try {
      params[name] = JSON.parse(value);
    } catch {
      throw concierge('BAD_REQUEST', '"variables" and "extensions" must be JSON maps.');
    }
  }
  return params;
}

/**
 * A POST's URL query string carries none of its parameters: GraphQL over HTTP puts a POST's in
 * its body. A GraphQL parameter named there (`query`, `documentId`, `variables`, `operationName`,
 * `extensions`, even empty) is refused 400 BAD_REQUEST rather than ignored: graphql.org's old
 * advice (express-graphql) read `?query=` even on a POST, so a client or a proxy (a WAF, a log
 * reader) may take the URL's operation for the one that runs while the body's would. Any other
 * name is not a parameter of the request (a tracing tag, `?op=MobileHome` for the logs) and is
 * ignored, as a POST's answer never depends on its URL. Checked before the body is read.
 */
export function refuseParamsInPostUrl(search: string): void {
  if (search === '') return;
  for (const name of new URLSearchParams(search).keys()) {
    if (GRAPHQL_PARAMS.has(name)) throw concierge('BAD_REQUEST', `A POST sends "${name}" in its body, not in the URL's query string.`);
  }
}

/** Whether a POST's body is of a type read here (`paramsOfBody`); else 415. */
export function readsBodyOf(contentType: string | null): boolean {
  const type = mediaTypeOf(contentType);
  return JSON_TYPES.includes(type) || type === 'application/graphql' || type === 'application/x-www-form-urlencoded';
}

/**
 * A POST's parameters from its body: one JSON object (a JSON array is a batch, which no client
 * of ours sends), a GraphQL document as text (`application/graphql`), or a form. A body that is
 * not what its type says is 400 BAD_REQUEST. A compressed body is not inflated: its bytes are
 * not JSON, so it is 400 too.
 */
export function paramsOfBody(contentType: string | null, body: Uint8Array): Params {
  const type = mediaTypeOf(contentType);
  const text = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
  if (type === 'application/graphql') return { query: text };
  if (type === 'application/x-www-form-urlencoded') return paramsOfQueryString(text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw concierge('BAD_REQUEST', 'POST body sent invalid JSON.');
  }
  if (Array.isArray(parsed)) throw concierge('BAD_REQUEST', 'Batching is not supported: send one operation per request.');
  if (typeof parsed !== 'object' || parsed === null) throw concierge('BAD_REQUEST', `POST body is expected to be an object but received ${parsed === null ? 'null' : typeof parsed}.`);
  return parsed as Params;
}

/** `application/json; charset=utf-8` → `application/json`; a list (which some clients send) by its first. */
function mediaTypeOf(contentType: string | null): string {
  return (contentType?.split(',')[0]?.split(';')[0] ?? '').trim().toLowerCase();
}
