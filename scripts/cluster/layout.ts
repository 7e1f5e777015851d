/**
 * Where every process of the cluster listens. `npm run cluster` and `npm run cluster:proof` use
 * the fixed layout (the product's ports in front, shifted by CLUSTER_PORT_OFFSET); the test takes
 * free ports for everything, so it runs beside anything else on the machine.
 */
import { CLIENTS, type ClientName } from '../../bffs/clients.ts';
import { freePort } from '../../bench/support/host.ts';
import { SERVICE_NAMES, SERVICES, type ServiceName } from '../../downstream-mocks/src/registry.ts';

export interface ReplicaPorts {
  /** `web-1`, `web-2`, …: HAProxy's server name too, so `x-served-by` and `show stat` say it. */
  id: string;
  client: ClientName;
  port: number;
  adminPort: number;
}

export interface Layout {
  /** HAProxy's frontends: the product's ports (web 4000, mobile 4001, tv 4002). */
  front: Partial<Record<ClientName, number>>;
  /** HAProxy's stats page (`/stats`), beside its stats socket. */
  statsPort: number;
  /** `fixed` ports from `mocksOffset`, or `ephemeral` ones the mocks report. */
  mocks: { ports: 'fixed'; offset: number } | { ports: 'ephemeral' };
  redisPort: number;
  replicas: ReplicaPorts[];
}

const DEFAULT_PORT = Object.fromEntries(CLIENTS.map(({ name, port }) => [name, port])) as Record<ClientName, number>;

/**
 * Replicas sit at 5000 + 10 × the client's index + the replica's (web 5000/5001, mobile
 * 5010/5011, tv 5020/5021), their admin ports 1000 above (6000/6001, …): explicit, since the
 * default ADMIN_PORT (PORT + 90) of one replica would be another's neighbourhood. Redis at 6390.
 */
export function fixedLayout({ offset = 0, clients = CLIENTS.map(({ name }) => name) as ClientName[], replicas = 2 }: { offset?: number; clients?: ClientName[]; replicas?: number } = {}): Layout {
  return {
    front: Object.fromEntries(clients.map((client) => [client, DEFAULT_PORT[client] + offset])),
    statsPort: 4098 + offset,
    mocks: { ports: 'fixed', offset },
    redisPort: 6390 + offset,
    replicas: clients.flatMap((client) => {
      const index = CLIENTS.findIndex(({ name }) => name === client);
      return Array.from({ length: replicas }, (_, i) => ({ id: `${client}-${i + 1}`, client, port: 5000 + 10 * index + i + offset, adminPort: 6000 + 10 * index + i + offset }));
    }),
  };
}

/** Every port free at the time of asking (the mocks pick their own). */
export async function freeLayout({ clients, replicas = 2 }: { clients: ClientName[]; replicas?: number }): Promise<Layout> {
  const front: Partial<Record<ClientName, number>> = {};
  for (const client of clients) front[client] = await freePort();
  const list: ReplicaPorts[] = [];
  for (const client of clients) for (let i = 0; i < replicas; i++) list.push({ id: `${client}-${i + 1}`, client, port: await freePort(), adminPort: await freePort() });
  return { front, statsPort: await freePort(), mocks: { ports: 'ephemeral' }, redisPort: await freePort(), replicas: list };
}

/** The mocks' URLs in a fixed layout, known before they start. */
export function fixedMockUrls(offset: number): Record<ServiceName, string> {
  return Object.fromEntries(SERVICE_NAMES.map((name) => [name, `http://127.0.0.1:${SERVICES[name].port + offset}`])) as Record<ServiceName, string>;
}

/** Every port of a layout, to check none is taken before starting. */
export function portsOf(layout: Layout): number[] {
  const mocks = layout.mocks.ports === 'fixed' ? Object.values(fixedMockUrls(layout.mocks.offset)).map((url) => Number(new URL(url).port)) : [];
  return [...Object.values(layout.front), layout.statsPort, layout.redisPort, ...layout.replicas.flatMap(({ port, adminPort }) => [port, adminPort]), ...mocks];
}
