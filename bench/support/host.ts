/**
 * Small facts about this host, for the benchmark scripts and their tests. No side effects on
 * import (processes.ts installs exit handlers; a test must not get those).
 */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';

/** Whether taskset (util-linux) can pin processes here. */
export function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A TCP port free on 127.0.0.1 at the time of asking. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
