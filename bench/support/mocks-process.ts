/**
 * Runs the ten mocks in their own process, for benchmarks that must not share an event loop (or
 * a core) with the load generator, and for `npm run cluster`: on ephemeral ports, or on their
 * fixed ones (shifted by MOCKS_PORT_OFFSET, read by startMocks) with MOCKS_PORTS=fixed. Prints `{"urls": {...}}` as one JSON line on
 * stdout once every service listens, and stops on SIGTERM/SIGINT or when stdin closes (so a
 * crashed parent never leaves it behind).
 */
import { startMocks } from '../../downstream-mocks/src/start-mocks.ts';

const mocks = await startMocks({ ports: process.env.MOCKS_PORTS === 'fixed' ? 'fixed' : 'ephemeral', env: process.env });
process.stdout.write(`${JSON.stringify({ pid: process.pid, urls: mocks.urls })}\n`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  void mocks.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop).on('close', stop).resume();
