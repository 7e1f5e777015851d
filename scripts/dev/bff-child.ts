/**
 * A BFF process started before it is needed (a "spare"), in the child.
 *
 * Of the 1.3 s a BFF takes to start, about 0.9 s is node loading its dependencies (graphql,
 * yoga, undici, pino, jose…) and 0.3 s our own modules and the schema. A spare loads the
 * dependencies ahead of time and waits; when a save calls for a new BFF it is told which client
 * and port, and imports `bffs/<client>/main.ts` then, so the swap pays only for our code. Our
 * modules are never loaded ahead: ESM cannot unload a module, so the code a spare runs is read
 * from disk after the save, and nothing stale survives from one generation to the next.
 *
 * Protocol (IPC): { type: 'start', entry, port } in; { type: 'warm' }, { type: 'listening' } out.
 * An entry that does not load (a syntax error, a resolver that throws at import, an SDL that
 * does not build) prints the reason, file first, and exits 1.
 */
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface StartMessage {
  type: 'start';
  /** Relative to the repository root. */
  entry: string;
  port: number;
}

const root = process.cwd();
let started = false;

/**
 * What a BFF never loads: tsx (already loaded), and the mocks' identity provider, whose import
 * alone prints its runtime warning once per process: once per spare, 15 times and more a run.
 */
const NOT_PRELOADED = new Set(['tsx', 'oidc-provider']);

/** Every runtime dependency in package.json a BFF may load; one that does not load alone is simply left for later. */
async function preload(): Promise<void> {
  const { dependencies = {} } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  await Promise.allSettled(Object.keys(dependencies).filter((name) => !NOT_PRELOADED.has(name)).map((name) => import(name)));
}

/** The error and the frames in our own files, with paths from the repository root. */
function describeLoadError(entry: string, error: unknown): string {
  const toRelative = (text: string) =>
    text.replace(/file:\/\/[^\s):]+/g, (url) => relative(root, fileURLToPath(url))).split(`${root}/`).join('');
  if (!(error instanceof Error)) return `${entry} did not load: ${String(error)}`;
  const [head, ...frames] = (error.stack ?? String(error)).split('\n');
  const message = error.stack ? [head, ...frames.filter((line) => !/^\s+at /.test(line))].join('\n') : error.message;
  // A GraphQLError from building the schema knows its line but not the file (bff.ts read the SDL).
  const { locations } = error as { locations?: { line: number; column: number }[] };
  const sdl = `schemas/${entry.split('/')[1]}.graphql`;
  const where = locations?.length ? [`  at ${sdl}:${locations[0]!.line}:${locations[0]!.column} (if it is the schema that does not build)`] : [];
  const ours = frames.filter((line) => /^\s+at /.test(line) && line.includes(root) && !line.includes('node_modules') && !line.includes('/scripts/dev/')).slice(0, 6);
  return toRelative([`${entry} did not load:`, message, ...where, ...ours].join('\n'));
}

const warm = preload();

process.on('message', (message: StartMessage) => {
  if (message.type !== 'start' || started) return;
  started = true;
  void (async () => {
    await warm;
    process.env.PORT = String(message.port);
    try {
      await import(pathToFileURL(join(root, message.entry)).href);
      process.send?.({ type: 'listening' });
    } catch (error) {
      console.error(describeLoadError(message.entry, error));
      process.exit(1);
    }
  })();
});

// The supervisor is gone (Ctrl-C, or it was killed): a spare just leaves; a BFF stops as it
// would on SIGTERM (serve.ts), finishing what it has in flight.
process.on('disconnect', () => {
  if (!started) process.exit(0);
  process.kill(process.pid, 'SIGTERM');
});

await warm;
process.send?.({ type: 'warm' });
