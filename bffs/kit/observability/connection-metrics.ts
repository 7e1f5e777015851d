import { Counter, Gauge, type Registry } from 'prom-client';

/** Why the connection guard (server/connection-guard.ts) closed a socket: the metric's label. */
export type ClosedReason = 'address_cap' | 'evicted_idle' | 'cap_full';

/**
 * The listener's sockets, on the BFF's registry (the admin port serves it): how many are open,
 * and how many the connection caps closed and why (server/connection-guard.ts). `serve()` adds
 * them, since only a listening BFF has sockets.
 */
export function connectionMetrics(registry: Registry, open: () => number): (reason: ClosedReason) => void {
  new Gauge({
    name: 'concierge_connections_open',
    help: 'Sockets open on the public listener',
    registers: [registry],
    collect() {
      this.set(open());
    },
  });
  const closed = new Counter({
    name: 'concierge_connections_closed_total',
    help: 'Sockets the connection caps closed: "address_cap" (one address over its cap), "evicted_idle" (the oldest idle one, for a new socket at the total cap), "cap_full" (at the total cap with none idle)',
    labelNames: ['reason'],
    registers: [registry],
  });
  return (reason) => closed.inc({ reason });
}
