/**
 * `npm start`: the ten mocks and the three BFFs, each BFF in its own process so a crash in one
 * never takes another down. Embedded defaults only: no Redis, no configuration.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

interface Proc {
  name: string;
  entry: string;
  port: number;
}

const MOCKS_READY_URL = 'http://127.0.0.1:4109/openapi.json';
const BFFS: Proc[] = [
  { name: 'web', entry: 'bffs/web/main.ts', port: 4000 },
  { name: 'mobile', entry: 'bffs/mobile/main.ts', port: 4001 },
  { name: 'tv', entry: 'bffs/tv/main.ts', port: 4002 },
];

const children = new Set<ChildProcess>();
let stopping = false;

function start(name: string, entry: string, env: NodeJS.ProcessEnv = {}): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', entry], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const prefix = `[${name}] `;
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

async function waitFor(url: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`);
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

start('mocks', 'downstream-mocks/src/main.ts');
await waitFor(MOCKS_READY_URL);
for (const bff of BFFS) start(`bff-${bff.name}`, bff.entry, { PORT: String(bff.port), LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
await Promise.all(BFFS.map((bff) => waitFor(`http://127.0.0.1:${bff.port}/health`)));

console.log('\nConcierge is up. GraphiQL (development token for u_1 filled in; add ?as=u_42 to be someone else):');
for (const bff of BFFS) console.log(`  ${bff.name.padEnd(7)} http://127.0.0.1:${bff.port}/graphql`);
console.log('\nCtrl-C stops everything.');
