/**
 * The ten mocks in their own process for the cluster: on their fixed ports (shifted by
 * MOCKS_PORT_OFFSET, read by startMocks) or, with CLUSTER_MOCKS_PORTS=ephemeral, on free ones.
 * Prints `{"pid": …, "urls": {…}}` as one JSON line once every service listens, and stops on
 * SIGTERM/SIGINT or when stdin closes, so a parent that died leaves none behind.
 */
import { startMocks } from '../../downstream-mocks/src/start-mocks.ts';

const mocks = await startMocks({ ports: process.env.CLUSTER_MOCKS_PORTS === 'ephemeral' ? 'ephemeral' : 'fixed', env: process.env });
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
