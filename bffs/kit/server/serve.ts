import { createServer, type Server } from 'node:http';
import type { Bff } from './create-bff.ts';

/**
 * Listens on `port` and stops cleanly on SIGINT/SIGTERM: stop accepting, let in-flight requests
 * finish (bounded), close downstream pools.
 */
export async function serve(bff: Bff, port: number, { host = '127.0.0.1', drainMs = 5_000 } = {}): Promise<Server> {
  const server = createServer(bff.nodeListener);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => server.closeAllConnections(), drainMs).unref();
    server.close(() => void bff.close().then(() => process.exit(0)));
    server.closeIdleConnections();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return server;
}
