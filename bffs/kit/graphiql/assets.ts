import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';

/**
 * GraphiQL's heavy, static part: its JS (with the three Monaco editor workers inlined), its CSS
 * and its favicon, about 9 MB together, taken from `@graphql-yoga/render-graphiql` (which inlines
 * them so the page works with no internet) and served from this BFF at content-hashed URLs.
 *
 * Why split it from the page (graphiql-page.ts) rather than serve yoga's single 9 MB page:
 * the page carries a bearer token minted for one viewer, so it must never be stored
 * (`Cache-Control: no-store`), and a page that cannot be stored is re-sent whole on every
 * reload. Split, the page is a few kilobytes rendered per request, and what is the same for
 * every viewer is:
 * - built once per process (the first GraphiQL request imports the package and builds it; the
 *   old page re-ran the template over the 9 MB, JSON-escaping the workers, on every request);
 * - compressed once per process, off the event loop (node:zlib's async calls run in libuv's
 *   thread pool): brotli quality 9 and gzip level 9, chosen by `Accept-Encoding`. Brotli's
 *   quality 11 would save another 10% but takes about 20 s on this bundle, a long first wait;
 * - cacheable by anyone: `public, max-age=31536000, immutable`, since a new bundle gets a new
 *   URL; a reload takes it from the browser cache without even asking. A cache that asks anyway
 *   (a forced reload, a proxy) sends `If-None-Match` and gets a bodiless 304.
 *
 * Nothing here is loaded in production: GraphiQL is off there, and the package is imported only
 * by the first request for GraphiQL.
 */

export const ASSET_PREFIX = '/graphiql/';

export type Encoding = 'br' | 'gzip';

export interface StaticAsset {
  /** `/graphiql/graphiql.<hash>.js` */
  path: string;
  contentType: string;
  body: Buffer;
  /** The first 16 hex digits of the SHA-256 of `body`: in the URL and in every ETag. */
  hash: string;
  /** Compressed once, on first demand, in the thread pool. */
  encoded(encoding: Encoding): Promise<Buffer>;
}

export interface GraphiQLAssets {
  js: StaticAsset;
  css: StaticAsset;
  favicon: StaticAsset;
  byPath: ReadonlyMap<string, StaticAsset>;
  /** How long building them took (import, concatenation, hashing), for the record. */
  buildMs: number;
}

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

function asset(name: string, ext: string, contentType: string, body: Buffer): StaticAsset {
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
  const cache = new Map<Encoding, Promise<Buffer>>();
  return {
    path: `${ASSET_PREFIX}${name}.${hash}.${ext}`,
    contentType,
    body,
    hash,
    encoded(encoding) {
      let done = cache.get(encoding);
      if (!done) {
        done =
          encoding === 'br'
            ? brotli(body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_SIZE_HINT]: body.length } })
            : gzipAsync(body, { level: 9 });
        cache.set(encoding, done);
      }
      return done;
    },
  };
}

let assets: Promise<GraphiQLAssets> | undefined;

/** The assets, built on first call and then shared by every BFF of the process. */
export function graphiqlAssets(): Promise<GraphiQLAssets> {
  assets ??= build().catch((error: unknown) => {
    assets = undefined; // a failed import is not remembered: the next request tries again
    throw error;
  });
  return assets;
}

async function build(): Promise<GraphiQLAssets> {
  const started = performance.now();
  const parts = await import('@graphql-yoga/render-graphiql/graphiql');
  // What render-graphiql's page does in its inline script, as one static file: each editor
  // worker becomes a blob URL Monaco asks for by label, then the GraphiQL bundle itself (a UMD
  // script that defines `YogaGraphiQL` on the window).
  const js = [
    '(function () {',
    "  function prepareBlob(source) { return URL.createObjectURL(new Blob([source], { type: 'application/javascript' })); }",
    '  var workers = {',
    `    editorWorkerService: prepareBlob(${JSON.stringify(parts.editorWorkerService)}),`,
    `    json: prepareBlob(${JSON.stringify(parts.jsonWorker)}),`,
    `    graphql: prepareBlob(${JSON.stringify(parts.graphqlWorker)}),`,
    '  };',
    '  self.MonacoEnvironment = { globalAPI: false, getWorkerUrl: function (moduleId, label) { return workers[label]; } };',
    '})();',
    `${parts.js};`,
    '',
  ].join('\n');
  const favicon = /^data:([^;,]+);base64,(.*)$/s.exec(parts.favicon);
  const built = {
    js: asset('graphiql', 'js', 'text/javascript; charset=utf-8', Buffer.from(js, 'utf8')),
    css: asset('graphiql', 'css', 'text/css; charset=utf-8', Buffer.from(parts.css, 'utf8')),
    favicon: favicon
      ? asset('favicon', 'ico', favicon[1]!, Buffer.from(favicon[2]!, 'base64'))
      : asset('favicon', 'txt', 'text/plain; charset=utf-8', Buffer.from('')),
  };
  return {
    ...built,
    byPath: new Map(Object.values(built).map((a) => [a.path, a])),
    buildMs: performance.now() - started,
  };
}

/** Brotli when the client takes it, else gzip, else none; `q=0` refuses a coding. */
export function negotiateEncoding(acceptEncoding: string | null): Encoding | undefined {
  if (!acceptEncoding) return undefined;
  const q = new Map<string, number>();
  for (const part of acceptEncoding.toLowerCase().split(',')) {
    const [coding, ...params] = part.trim().split(';');
    if (!coding) continue;
    const weight = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((w) => w !== undefined);
    q.set(coding.trim(), weight === undefined ? 1 : Number(weight));
  }
  const accepts = (coding: string) => (q.get(coding) ?? q.get('*') ?? 0) > 0;
  if (accepts('br')) return 'br';
  if (accepts('gzip') || (q.get('x-gzip') ?? 0) > 0) return 'gzip';
  return undefined;
}

const etagOf = (asset: StaticAsset, encoding: Encoding | undefined) => `"${asset.hash}${encoding ? `-${encoding}` : ''}"`;

/**
 * Whether `If-None-Match` names this asset. Weak comparison (RFC 9110 §13.1.2), and any of its
 * encodings matches: they decode to the same bytes, so the copy the client holds is current.
 */
function matches(ifNoneMatch: string, asset: StaticAsset): boolean {
  return ifNoneMatch.split(',').some((raw) => {
    const tag = raw.trim().replace(/^W\//, '');
    return tag === '*' || tag.replace(/^"|"$/g, '').replace(/-(br|gzip)$/, '') === asset.hash;
  });
}

export const ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/** The answer to a GET or HEAD of an asset: 200 in the best encoding the client takes, or 304. */
export async function assetResponse(request: Request, asset: StaticAsset, fetchAPI: { Response: typeof Response }): Promise<Response> {
  const encoding = negotiateEncoding(request.headers.get('accept-encoding'));
  const headers: Record<string, string> = {
    'cache-control': ASSET_CACHE_CONTROL,
    etag: etagOf(asset, encoding),
    vary: 'Accept-Encoding',
  };
  const ifNoneMatch = request.headers.get('if-none-match');
  if (ifNoneMatch !== null && matches(ifNoneMatch, asset)) return new fetchAPI.Response(null, { status: 304, headers });
  const body = encoding ? await asset.encoded(encoding) : asset.body;
  headers['content-type'] = asset.contentType;
  headers['content-length'] = String(body.length);
  headers['x-content-type-options'] = 'nosniff';
  if (encoding) headers['content-encoding'] = encoding;
  return new fetchAPI.Response(request.method === 'HEAD' ? null : (body as Uint8Array<ArrayBuffer>), { status: 200, headers });
}
