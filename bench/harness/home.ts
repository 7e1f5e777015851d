/**
 * The one request every system is measured on: MobileHome, as each system's client sends it. Also
 * the equality check that must pass before any timing: a faster server that returns other data
 * would not be a faster server of the same thing.
 */
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { request } from 'undici';

export const VIEWER = 'u_1';
/** The app version every system is measured as (homeHeaders). */
const APP_VERSION = '1.0.0';

/**
 * MobileHome as the mobile app's SDK sends it: the working copy's trusted document
 * (bffs/mobile/generated/trusted-documents.generated.json), with the `__typename` codegen adds for
 * a normalised client cache. Sent as app 1.0.0 (homeHeaders), it is served gated as 1.0.0, the
 * three-row home the peers implement (README: Releasing a client), whatever field the working
 * copy has added since.
 */
const [HOME_ID, HOME_TEXT] = workingCopyHome();
export const MOBILE_HOME = HOME_TEXT;

/** MobileHome as query text, `{"query": ...}`: what the peers are sent (they know no trusted documents), and concierge-open. */
export const QUERY_HOME_BODY = JSON.stringify({ query: MOBILE_HOME });

/** MobileHome by its trusted-document id, `{"documentId":"sha256:<hex>"}`: what our BFF is sent (production runs trusted documents only). */
export const TRUSTED_HOME_BODY = JSON.stringify({ documentId: HOME_ID });

function workingCopyHome(): [id: string, text: string] {
  const manifest = JSON.parse(readFileSync(new URL('../../bffs/mobile/generated/trusted-documents.generated.json', import.meta.url), 'utf8')) as Record<string, string>;
  const found = Object.entries(manifest).filter(([, text]) => /^query MobileHome\b/.test(text));
  if (found.length !== 1) throw new Error(`bffs/mobile/generated/trusted-documents.generated.json holds ${found.length} MobileHome documents, not one (run npm run codegen)`);
  return found[0]!;
}

/**
 * A token from the mocks' identity service, long enough for the whole run, for the mobile BFF's
 * audience: ours runs as deployed (NODE_ENV=production), where a BFF takes only its own.
 */
export async function mintToken(identityUrl: string, sub = VIEWER): Promise<string> {
  const res = await fetch(`${identityUrl}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub, ttlSeconds: 86_400, aud: 'mobile' }),
  });
  if (!res.ok) throw new Error(`token minting failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

/**
 * What the app sends with every request: its language (the peers answer in English only), and its version. The version is 1.0.0's, whose home (three rows) is the
 * one the peers implement; 1.1.0 adds the new-releases row (README: Releasing a client).
 */
export const homeHeaders = (token: string) => ({ 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-client-version': APP_VERSION, 'accept-language': 'en-US' });

/** One MobileHome round trip with `body` (the system's, systems.ts); the raw body text and its status. */
export async function fetchHome(url: string, token: string, body: string): Promise<{ status: number; text: string }> {
  const { statusCode, body: answer } = await request(url, { method: 'POST', headers: homeHeaders(token), body });
  return { status: statusCode, text: await answer.text() };
}

/** A home that must be complete: 200, JSON, data and no errors. Returns the body and its size. */
export async function completeHome(name: string, url: string, token: string, body: string): Promise<{ json: unknown; bytes: number }> {
  const { status, text } = await fetchHome(url, token, body);
  let json: { data?: unknown; errors?: unknown };
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${name}: MobileHome answered ${status} with a body that is not JSON: ${text.slice(0, 300)}`);
  }
  if (status !== 200 || json.errors !== undefined || !json.data) {
    throw new Error(`${name}: MobileHome answered ${status} without complete data: ${text.slice(0, 500)}`);
  }
  return { json, bytes: Buffer.byteLength(text) };
}

/** Throws, naming the first path where `actual` departs from `expected` (`reference`'s), unless they are deep-equal. */
export function assertSameHome(name: string, actual: unknown, expected: unknown, reference = 'concierge'): void {
  if (isDeepStrictEqual(actual, expected)) return;
  const diff = firstDifference(actual, expected, '$') ?? { path: '$', actual, expected };
  throw new Error(
    `${name} does not return the same MobileHome data as ${reference}; first difference at ${diff.path}:\n` +
      `  ${name}: ${JSON.stringify(diff.actual)?.slice(0, 300)}\n  ${reference}: ${JSON.stringify(diff.expected)?.slice(0, 300)}`,
  );
}

/**
 * A home that evaluated flags, checked to expose exactly `experiments` (`extensions.experiments`),
 * and returned without them, to compare with the answers of systems that run no experiment. Throws
 * when the flags were not evaluated or landed elsewhere: its figures would measure something else.
 */
export function withoutExperiments(name: string, json: unknown, experiments: Readonly<Record<string, string>>): unknown {
  const { extensions, ...rest } = json as { extensions?: { experiments?: unknown } };
  if (!isDeepStrictEqual(extensions?.experiments, experiments)) {
    throw new Error(`${name} exposed experiments ${JSON.stringify(extensions?.experiments)}, not ${JSON.stringify(experiments)}: its flags were not evaluated as its definitions pin them`);
  }
  const { experiments: _, ...otherExtensions } = extensions!;
  return Object.keys(otherExtensions).length > 0 ? { ...rest, extensions: otherExtensions } : rest;
}

function firstDifference(a: unknown, b: unknown, path: string): { path: string; actual: unknown; expected: unknown } | undefined {
  if (isDeepStrictEqual(a, b)) return undefined;
  if (a && b && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    if (Array.isArray(a) && a.length !== (b as unknown[]).length) return { path: `${path}.length`, actual: a.length, expected: (b as unknown[]).length };
    for (const key of new Set([...Object.keys(ra), ...Object.keys(rb)])) {
      const found = firstDifference(ra[key], rb[key], Array.isArray(a) ? `${path}[${key}]` : `${path}.${key}`);
      if (found) return found;
    }
  }
  return { path, actual: a, expected: b };
}
