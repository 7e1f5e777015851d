/**
 * `npm run cluster`: the mocks, a Redis of the cluster's own, two production replicas of each
 * BFF and HAProxy in front on the product's ports (web 4000, mobile 4001, tv 4002). Prints where
 * everything is; Ctrl-C stops everything it started. CLUSTER_PORT_OFFSET shifts every port;
 * CLUSTER_REPLICAS sets the replicas per client (default 2). docs/cluster.md describes it.
 */
import { CLIENT_NAMES } from '../../bffs/clients.ts';
import { HAPROXY_TIMINGS, haproxyVersion } from './haproxy.ts';
import { fixedLayout } from './layout.ts';
import { SHUTDOWN_DELAY_MS, startCluster, type Cluster } from './cluster.ts';

const offset = Number(process.env.CLUSTER_PORT_OFFSET ?? 0);
const replicas = Number(process.env.CLUSTER_REPLICAS ?? 2);
const layout = fixedLayout({ offset, replicas });

console.log(`Starting the cluster: ${haproxyVersion()}, ${replicas} replicas of ${CLIENT_NAMES.join(', ')}…`);
const started = Date.now();
let cluster: Cluster | undefined;
let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping HAProxy, the replicas (SIGTERM, each drains), the mocks and Redis…`);
  await cluster?.stop();
  console.log(`stopped. Logs: ${cluster?.dir}`);
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

cluster = await startCluster({ layout, echo: (line) => console.log(line), mocksEnv: { MOCKS_LATENCY_MS: process.env.MOCKS_LATENCY_MS ?? '0', MOCKS_JITTER_MS: process.env.MOCKS_JITTER_MS ?? '0' } });

const pad = (text: string, width: number) => text.padEnd(width);
console.log(`\nThe cluster is up in ${((Date.now() - started) / 1000).toFixed(1)} s. Every replica runs NODE_ENV=production (trusted documents by id; web and TV take sessions only).\n`);
console.log('HAProxy (what clients call):');
for (const [client, origin] of Object.entries(cluster.front)) console.log(`  ${pad(client, 7)} ${origin}/graphql`);
console.log(`  stats   http://127.0.0.1:${layout.statsPort}/stats   (stats socket ${cluster.haproxy.statsSocket}: \`show stat\`, \`disable server web/web-1\`)`);
console.log(`          echo "show stat" | socat stdio ${cluster.haproxy.statsSocket}   (or: npm run cluster:stat)`);
console.log('\nReplicas (health-checked on /ready every ' + `${HAPROXY_TIMINGS.checkInterMs} ms; SIGTERM drains for ${SHUTDOWN_DELAY_MS} ms):`);
for (const replica of cluster.replicas) console.log(`  ${pad(replica.id, 9)} ${replica.origin}   admin :${replica.adminPort}   pid ${replica.pid()}   log ${replica.logPath}`);
console.log(`\nRedis    ${cluster.redis.url} (the cluster's own; pid ${cluster.redis.pid()})`);
console.log(`Mocks    identity ${cluster.mocks.urls.identity} … notifications ${cluster.mocks.urls.notifications} (pid ${cluster.mocks.pid})`);
console.log(`Files    ${cluster.dir} (haproxy.cfg, haproxy.log, one log per replica)`);
console.log(`\nSign in on web: ${cluster.front.web}/auth/login?returnTo=/ (users u_1…u_1000, password dev-password).`);
console.log('npm run cluster:proof starts a cluster of its own (CLUSTER_PORT_OFFSET=200 beside this one).');
console.log('\nCtrl-C stops everything.');
