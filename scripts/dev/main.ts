/**
 * `npm run dev`: `npm start` that follows your edits. The ten mocks and a BFF per client of
 * bffs/clients.ts, on the same ports (CONCIERGE_PORT_OFFSET shifts them all), and a save
 * replaces what it affects:
 *
 *   watcher.ts        which files changed (debounced, content-hashed)
 *   plan.ts           what that calls for (codegen of which clients, which BFFs, the mocks)
 *   codegen-step.ts   runs codegen.ts in a warm worker (codegen-worker.ts)
 *   slot.ts           one client: start the next generation, check it, swap, drain the old one
 *   front.ts          the public port, which never closes: forwards to the live generation
 *   bff-process.ts    warm spare processes (bff-child.ts) and the checks before a swap
 *   mocks.ts          the mocks, restarted only when downstream-mocks/ changes
 *   typecheck.ts      DEV_TYPECHECK=on: tsc --watch beside it, errors printed, swaps never held
 *
 * A broken edit (an SDL that does not build, a module that does not load) never reaches the
 * front: the last good generation keeps serving and the error is printed; the next save that
 * fixes it swaps as usual.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CLIENTS } from '../../bffs/clients.ts';
import { DOWNSTREAM_DEFAULTS, urlVariableOf, type DownstreamName } from '../../bffs/kit/config.ts';
import { BFF_NODE_FLAGS } from '../../bffs/kit/server/node-flags.ts';
import { CodegenStep } from './codegen-step.ts';
import { Mocks } from './mocks.ts';
import { complain, indent, say } from './output.ts';
import { planFor } from './plan.ts';
import { SparePool } from './bff-process.ts';
import { ClientSlot } from './slot.ts';
import { startTypecheck } from './typecheck.ts';
import { SourceWatcher } from './watcher.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OFFSET = Number(process.env.CONCIERGE_PORT_OFFSET ?? 0);
/** Where the fronts listen: the public ports, as the BFFs do under `npm start` (HOST applies). */
const PUBLIC_HOST = process.env.HOST || '127.0.0.1';
const WATCHED_TREES = ['schemas', 'bffs', 'downstream-mocks', 'scripts/codegen'];
const WATCHED_ROOT_FILES = ['codegen.ts', 'package-lock.json'];
// The list is read once: a client added to bffs/clients.ts is served after a restart of `npm run dev`.
const clients: { name: string; entry: string; port: number }[] = CLIENTS.map(({ name, port }) => ({ name, entry: `bffs/${name}/main.ts`, port: port + OFFSET }));
const names: string[] = clients.map((client) => client.name);

const mocks = new Mocks(ROOT, OFFSET);
const downstreamUrls = Object.fromEntries(
  (Object.keys(DOWNSTREAM_DEFAULTS) as DownstreamName[]).map((name) => {
    const url = new URL(DOWNSTREAM_DEFAULTS[name]);
    url.port = String(Number(url.port) + OFFSET);
    return [urlVariableOf(name), process.env[urlVariableOf(name)] ?? url.origin];
  }),
);
const { PORT: _port, ...inherited } = process.env;
const bffEnv: NodeJS.ProcessEnv = {
  ...inherited,
  ...downstreamUrls,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  // Behind the front, on loopback only; the front is what HOST exposes.
  HOST: '127.0.0.1',
  // The front is one more proxy: its X-Forwarded-For entry is the client's address.
  TRUSTED_PROXY_HOPS: String(Number(process.env.TRUSTED_PROXY_HOPS ?? 0) + 1),
  // Every request runs the resolvers being edited: a cached home would hide a change for its
  // maxAge. The headers (Cache-Control, ETag, 304) stay, so they can be seen and tried.
  RESPONSE_CACHE: process.env.RESPONSE_CACHE ?? 'off',
};

/** A development token for the warm-up request of each new generation (identity signs it; the BFF checks it). */
let token: Promise<string | undefined> | undefined;
function devToken(): Promise<string | undefined> {
  if (token) return token;
  // Minted again in 10 minutes (they last an hour), or after the mocks restart with a new key.
  const minted = setTimeout(() => (token = undefined), 600_000);
  minted.unref();
  token = (async () => {
    try {
      const res = await fetch(`${mocks.identityUrl}/dev/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sub: 'u_1' }),
        signal: AbortSignal.timeout(2_000),
      });
      if (!res.ok) return undefined;
      return ((await res.json()) as { access_token: string }).access_token;
    } catch {
      return undefined;
    }
  })();
  return token;
}

const spares = new SparePool(ROOT, BFF_NODE_FLAGS, bffEnv, clients.length);
const codegen = new CodegenStep(ROOT);
const slots = new Map<string, ClientSlot>(clients.map((client) => [client.name, new ClientSlot({ client: client.name, entry: client.entry, spares, token: devToken })]));
/** Clients whose last codegen failed: replacing them runs their codegen again first. */
const owed = new Set<string>();

let typecheck: ChildProcess | undefined;
let stopping = false;
async function stopAll(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  say(`${signal}: stopping`);
  // If something hangs, the children still go: each leaves when its IPC channel to us closes.
  setTimeout(() => process.exit(1), 15_000).unref();
  mocks.expectExit();
  watcher.close();
  spares.stop();
  codegen.stop();
  typecheck?.kill('SIGTERM');
  await Promise.all([...slots.values()].map((slot) => slot.stop()));
  await mocks.stop();
  process.exit(0);
}
process.on('SIGINT', () => void stopAll('SIGINT'));
process.on('SIGTERM', () => void stopAll('SIGTERM'));
// Started by a program over IPC (the tests): when it goes, so does all of this.
if (process.send) process.on('disconnect', () => void stopAll('parent gone'));

const pending: string[] = [];
let pendingSince: number | undefined;
/** True while starting too: saves made meanwhile are built once everything is up. */
let building = true;

const watcher = new SourceWatcher({
  root: ROOT,
  trees: WATCHED_TREES,
  rootFiles: WATCHED_ROOT_FILES,
  onBatch: (paths, since) => {
    pending.push(...paths);
    pendingSince ??= since;
    void drive();
  },
});

/** One build at a time; saves made during a build are taken together by the next one. */
async function drive(): Promise<void> {
  if (building || stopping) return;
  building = true;
  try {
    while (pending.length && !stopping) {
      const paths = pending.splice(0);
      const since = pendingSince ?? performance.now();
      pendingSince = undefined;
      await build(paths, since);
    }
  } finally {
    building = false;
  }
}

async function build(paths: string[], since: number): Promise<void> {
  const plan = planFor(paths, names);
  for (const client of owed) if (plan.replace.has(client) && plan.codegen !== 'all') plan.codegen.add(client);
  const shown = paths.length > 3 ? `${paths.slice(0, 3).join(', ')} and ${paths.length - 3} more` : paths.join(', ');
  if (plan.ignored.length === paths.length) return say(`changed: ${shown}; nothing npm run dev serves reads it`);
  const codegenFor = plan.codegen === 'all' ? 'all' : [...plan.codegen];
  say(`changed: ${shown} → ${[
    codegenFor === 'all' ? 'codegen (everything)' : codegenFor.length ? `codegen (${codegenFor.join(', ')})` : '',
    plan.restartMocks ? 'restart the mocks' : '',
    plan.replace.size ? `replace ${[...plan.replace].join(', ')}` : '',
  ].filter(Boolean).join(', ')}`);

  if (plan.restartCodegen) codegen.restart();
  if (plan.recycleSpares) spares.recycle();
  if (plan.clientList) say('bffs/clients.ts is read when npm run dev starts: restart it to serve a client added there');
  if (plan.restartMocks) {
    try {
      await mocks.restart();
      token = undefined;
    } catch (error) {
      complain(`the mocks did not restart: ${(error as Error).message}`);
    }
  }

  let codegenMs = 0;
  // Each client apart, so an SDL that does not build holds back only its own client.
  for (const target of codegenFor === 'all' ? ['all' as const] : codegenFor) {
    watcher.codegenStarting();
    const result = await codegen.run(target === 'all' ? 'all' : [target]);
    watcher.codegenDone(result.ok ? result.outputs : []);
    codegenMs += result.ms;
    const held = target === 'all' ? names : [target];
    if (result.ok) {
      held.forEach((client) => owed.delete(client));
      continue;
    }
    held.forEach((client) => {
      owed.add(client);
      plan.replace.delete(client);
    });
    const serving = held.map((client) => slots.get(client)!.front.current?.label ?? `${client} (nothing yet)`).join(', ');
    complain(`codegen failed for ${target === 'all' ? 'every client' : target}; still serving ${serving}, the last good version. Fix it and save.\n${indent(result.error)}`);
  }

  await Promise.all(
    [...plan.replace].map(async (client) => {
      const outcome = await slots.get(client)!.replace();
      if (!outcome.ok) return;
      const total = (performance.now() - since) / 1000;
      say(`${outcome.label} is serving, ${total.toFixed(2)} s after the save (codegen ${Math.round(codegenMs)} ms, start and checks ${Math.round(outcome.startMs)} ms)`);
    }),
  );
}

// Start: the fronts first (a port already taken fails here, before anything else starts; a
// request that comes early is told the BFF is starting rather than refused), then the mocks,
// the spares and a first codegen side by side, so the generated code matches the sources
// even if they were edited while nothing was watching; then the first generation of each client.
try {
  await Promise.all([...slots.values()].map((slot, i) => slot.front.listen(clients[i]!.port, PUBLIC_HOST)));
} catch (error) {
  complain(`cannot listen: ${(error as Error).message}. Is \`npm start\` or another \`npm run dev\` running? CONCIERGE_PORT_OFFSET shifts every port.`);
  process.exit(1);
}
await watcher.start();
spares.fill();
codegen.warm();
if (/^(on|true|1)$/i.test(process.env.DEV_TYPECHECK ?? '')) typecheck = startTypecheck(ROOT);
const first = (async () => {
  watcher.codegenStarting();
  const result = await codegen.run('all');
  watcher.codegenDone(result.ok ? result.outputs : []);
  if (!result.ok) {
    names.forEach((client) => owed.add(client));
    complain(`codegen failed; starting from the generated code on disk.\n${indent(result.error)}`);
  }
})();
try {
  await mocks.start();
} catch (error) {
  complain(`${(error as Error).message}; the BFFs start anyway, and a change under downstream-mocks/ restarts the mocks`);
}
await first;
const started = await Promise.all([...slots.values()].map((slot) => slot.replace()));
// "Up" once the spares that replaced the ones just used are warm too: from then on a save swaps
// in about a second. (They would otherwise still be loading, on the same two cores, at the first save.)
spares.fill();
await spares.whenWarm();
building = false;
if (!stopping) {
  say(`Concierge is up in dev mode${started.every((outcome) => outcome.ok) ? '' : ' (with errors above)'}. GraphiQL (signed in as u_1, speaking as the newest app version; add ?as=u_42 to be someone else):`);
  for (const client of clients) say(`  ${client.name.padEnd(7)} http://127.0.0.1:${client.port}/graphql`);
  say(`Watching ${[...WATCHED_TREES.map((tree) => `${tree}/`), ...WATCHED_ROOT_FILES].join(', ')}: a save regenerates what depends on it and replaces the BFF it affects, with no request dropped. Ctrl-C stops everything.`);
  void drive();
}
