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

/**
 * A TCP port free on 127.0.0.1 at the time of asking, for a server that is started later (often in
 * another process). It is drawn below the kernel's ephemeral range (32768 and up by default), where
 * nothing that listens on port 0 or connects out is handed a port: asking the kernel for port 0
 * here would return one it hands out again to the next `listen(0)`, and a mock started in between
 * took it (EADDRINUSE in CI).
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
  throw new Error('no free port found between 20000 and 32000');
}

function canListen(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
