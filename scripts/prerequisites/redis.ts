import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import { REDIS_SERVER } from './debian-tools.ts';

/** Where every test that shares a Redis finds it (test/support/, the perimeter's rate limits). */
export const SHARED_REDIS = { host: '127.0.0.1', port: 6379 } as const;

async function answers(): Promise<boolean> {
  const client = createClient({ socket: { ...SHARED_REDIS, connectTimeout: 1_000, reconnectStrategy: false } });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    if (client.isOpen) client.destroy();
  }
}

/**
 * Resolves with what was done once Redis answers PING at 127.0.0.1:6379: nothing, or start
 * `redis-server` (daemonized, no persistence: the tests' keys are throwaway). Throws when it
 * cannot.
 */
export async function ensureSharedRedis(binary = REDIS_SERVER): Promise<'answering' | 'started'> {
  if (await answers()) return 'answering';
  const run = spawnSync(binary, ['--daemonize', 'yes', '--bind', SHARED_REDIS.host, '--port', String(SHARED_REDIS.port), '--save', '', '--appendonly', 'no'], { encoding: 'utf8' });
  if (run.error || run.status !== 0) throw new Error(`Redis does not answer at ${SHARED_REDIS.host}:${SHARED_REDIS.port}, and ${binary} could not start: ${run.error?.message ?? (run.stdout + run.stderr).trim()}`);
  for (let attempt = 0; attempt < 40; attempt += 1) {
    if (await answers()) return 'started';
    await sleep(250);
  }
  throw new Error(`${binary} started but Redis does not answer PING at ${SHARED_REDIS.host}:${SHARED_REDIS.port} within 10 s`);
}
