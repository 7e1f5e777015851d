import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../bench/support/host.ts';

/**
 * A redis-server of the test's own, which it may stop, stall and start again on the same port
 * (the shared one at 6379 is other tests'). No persistence of its own (`--save ''`); `save()`
 * writes a snapshot to its directory on demand, which the next start loads, as a Redis with
 * persistence comes back with its data after a crash.
 */
export interface OwnRedis {
  readonly url: string;
  readonly port: number;
  /** SAVE: a snapshot the next `start()` loads. */
  save(): void;
  /** SIGKILL: connections reset, as in a crash. */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: the socket stays up and nothing answers. */
  pause(): void;
  resume(): void;
  /** Starts it again on the same port; resolves once it answers PING. */
  start(): Promise<void>;
  /** Kills it and removes its directory. */
  close(): Promise<void>;
}

export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'concierge-redis-'));
  let child: ChildProcess | undefined;

  const ping = () => {
    try {
      return execFileSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8', timeout: 1_000, stdio: ['ignore', 'pipe', 'ignore'] }).trim() === 'PONG';
    } catch {
      return false;
    }
  };
  async function start() {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    for (let i = 0; i < 100 && !ping(); i++) await sleep(50);
    if (!ping()) throw new Error(`redis-server did not answer on port ${port}`);
  }
  async function kill() {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGCONT'); // a paused one must be able to die
    child.kill('SIGKILL');
    await exited;
  }
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    save: () => void execFileSync('redis-cli', ['-p', String(port), 'save'], { timeout: 5_000 }),
    kill,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    start,
    async close() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
