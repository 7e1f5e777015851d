/**
 * The cluster's own Redis: a `redis-server` child on its own port, never the machine's shared one
 * (other tests use 127.0.0.1:6379), so the proof can stop and start it.
 *
 * No RDB save points and no AOF (nothing is written while it runs); `stop()` is a planned restart,
 * SHUTDOWN SAVE, which writes one dump into the cluster's directory that the next `start()` loads,
 * as a Redis with persistence (or a promoted replica) comes back with its sessions. `kill()` is
 * the crash: whatever was not in the last dump is gone.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { track } from './children.ts';

const run = promisify(execFile);

export interface OwnRedis {
  url: string;
  port: number;
  pid(): number | undefined;
  running(): boolean;
  start(): Promise<void>;
  /** SHUTDOWN SAVE, and resolves once the process has exited. */
  stop(): Promise<void>;
  /** SIGKILL. */
  kill(): Promise<void>;
}

export function ownRedis(dir: string, port: number): OwnRedis {
  let child: ChildProcess | undefined;
  const log = createWriteStream(join(dir, 'redis.log'), { flags: 'a' });
  const cli = (...args: string[]) => run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 2_000 });
  const exited = (process: ChildProcess) =>
    process.exitCode !== null || process.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => process.once('exit', () => resolve()));

  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: () => child?.pid,
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    async start() {
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--dbfilename', 'cluster.rdb', '--daemonize', 'no', '--loglevel', 'warning'];
      const started = track(spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
      child = started;
      started.stdout!.pipe(log, { end: false });
      started.stderr!.pipe(log, { end: false });
      for (let attempt = 0; ; attempt++) {
        if (started.exitCode !== null) throw new Error(`redis-server on ${port} exited (${started.exitCode}); see ${join(dir, 'redis.log')}`);
        const pong = await cli('ping').then(({ stdout }) => stdout.trim(), () => '');
        if (pong === 'PONG') return;
        if (attempt > 200) throw new Error(`redis-server on ${port} does not answer PING`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async stop() {
      if (!child) return;
      const process = child;
      // SHUTDOWN closes the connection without a reply, so redis-cli may report an error.
      await cli('shutdown', 'save').catch(() => undefined);
      const timer = setTimeout(() => process.kill('SIGKILL'), 5_000);
      await exited(process);
      clearTimeout(timer);
    },
    async kill() {
      if (!child) return;
      child.kill('SIGKILL');
      await exited(child);
    },
  };
}
