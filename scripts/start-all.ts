/**
 * `npm start`: the eleven mocks (ten REST, search over gRPC) and every client BFF listed in bffs/clients.ts, each BFF in its own
 * process so a crash in one never takes another down. Embedded defaults only: no Redis, no
 * configuration.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { CLIENTS } from '../bffs/clients.ts';
import { DOWNSTREAM_DEFAULTS, urlVariableOf, type DownstreamName } from '../bffs/kit/config.ts';
import { nodeFlagsOf } from '../bffs/kit/server/node-flags.ts';
import { waitForOk } from './support/wait-for.ts';

interface Proc {
  name: string;
  entry: string;
  port: number;
}

/** Shifts every port, so a second stack (or a test of this script) can run beside the first. */
const OFFSET = Number(process.env.CONCIERGE_PORT_OFFSET ?? 0);
/** search (4110) is the last mock to listen: when its admin routes answer, every mock does. */
const MOCKS_READY_URL = `http://127.0.0.1:${4110 + OFFSET}/__admin/faults`;
const BFFS: Proc[] = CLIENTS.map(({ name, port }) => ({ name, entry: `bffs/${name}/main.ts`, port: port + OFFSET }));
const downstreamUrls = Object.fromEntries(
  (Object.keys(DOWNSTREAM_DEFAULTS) as DownstreamName[]).map((name) => {
    const url = new URL(DOWNSTREAM_DEFAULTS[name]);
    url.port = String(Number(url.port) + OFFSET);
    return [urlVariableOf(name), process.env[urlVariableOf(name)] ?? url.origin];
  }),
);

const children = new Set<ChildProcess>();
let stopping = false;

function start(name: string, entry: string, env: NodeJS.ProcessEnv = {}, nodeFlags: readonly string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', entry], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const prefix = `[${name}] `;
  console.log(`${prefix}started, pid ${child.pid}`);
  const relay = (stream: NodeJS.WritableStream) => (chunk: Buffer) =>
    stream.write(chunk.toString().replace(/^(?=.)/gm, prefix));
  child.stdout?.on('data', relay(process.stdout));
  child.stderr?.on('data', relay(process.stderr));
  child.on('exit', (code, signal) => {
    children.delete(child);
    if (!stopping) console.error(`${prefix}exited (${signal ?? code}); the other servers keep running`);
  });
  return child;
}


function stopAll(): void {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  setTimeout(() => process.exit(0), 6_000).unref();
  const check = setInterval(() => children.size === 0 && process.exit(0), 50);
  check.unref();
}

process.on('SIGINT', stopAll);
process.on('SIGTERM', stopAll);

start('mocks', 'downstream-mocks/src/main.ts', { MOCKS_PORT_OFFSET: String(OFFSET) });
await waitForOk(MOCKS_READY_URL, 15_000);
for (const bff of BFFS) start(`bff-${bff.name}`, bff.entry, { ...downstreamUrls, PORT: String(bff.port), LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' }, nodeFlagsOf(bff.name));
await Promise.all(BFFS.map((bff) => waitForOk(`http://127.0.0.1:${bff.port}/health`, 15_000)));

console.log('\nConcierge is up. GraphiQL (signed in as u_1, speaking as the newest app version; add ?as=u_42 to be someone else):');
for (const bff of BFFS) console.log(`  ${bff.name.padEnd(7)} http://127.0.0.1:${bff.port}/graphql`);
console.log('\nCtrl-C stops everything.');
