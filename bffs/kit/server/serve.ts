import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BffConfig } from '../config.ts';
import { connectionMetrics } from '../observability/connection-metrics.ts';
import { guardConnections } from './connection-guard.ts';
import { InFlightResponses } from './in-flight-responses.ts';
import { socketLimits, TIMEOUT_CHECK_INTERVAL_MS } from './socket-limits.ts';
import type { Bff } from './create-bff.ts';
import { serveAdmin } from '../observability/admin-server.ts';

/** In-flight requests get the deadline and this much more (their answer still has to be written) before their sockets are cut. */
export const DRAIN_MARGIN_MS = 1_000;
/** The admin port's interface unless `ADMIN_HOST` is set: its `/metrics` has no authentication. */
export const ADMIN_HOST_DEFAULT = '127.0.0.1';

export interface Serving {
  server: Server;
  /** The admin port's server (`/metrics`), unless `ADMIN_PORT=off` or `METRICS=off`. */
  admin: Server | undefined;
  /**
   * The graceful shutdown (SIGTERM's, without the exit): drains `/ready`, waits
   * `shutdownDelayMs`, stops accepting, lets in-flight requests finish within the deadline,
   * closes the BFF. Called again, it returns the same promise.
   */
  shutdown(reason?: string): Promise<void>;
}

export interface ServeOptions {
  /** SIGTERM and SIGINT run `shutdown()` then exit 0; a second signal exits at once (130/143). @default true */
  signals?: boolean;
}

/**
 * Listens on `config.port` and, on SIGTERM or SIGINT, stops the way a balancer needs:
 *
 * 1. `/ready` answers 503 at once, and everything else is still served: Kubernetes removes the
 *    endpoint at the same moment as it sends SIGTERM, not before, so requests keep coming for a while;
 * 2. after `shutdownDelayMs` (by then the balancer has stopped sending), it stops accepting,
 *    closes idle keep-alive sockets, and answers what is in flight with `Connection: close`, so
 *    no client reuses a socket that is about to go (each one is closed as its request ends);
 * 3. in-flight requests have the deadline plus a margin to finish; then every socket is cut;
 * 4. `bff.close()` (yoga, the title cache, downstream pools, Redis after its pending commands), exit 0.
 *
 * A second signal during the shutdown exits at once with 128 + the signal's number (130 for
 * SIGINT, 143 for SIGTERM): whoever sent it wants the process gone, not drained.
 */
export async function serve(bff: Bff, config: BffConfig, { signals = true }: ServeOptions = {}): Promise<Serving> {
  const log = bff.log.child({ component: 'serve' });
  const limits = socketLimits(config, bff.policy.connections);
  const { keepAliveTimeout, headersTimeout, requestTimeout } = limits;
  // Node measures the headers timeout from a request's first byte, but balancers and older
  // Nodes differ (docs/keep-alive.md): the rule "longer than keep-alive" costs nothing to hold.
  if (headersTimeout <= keepAliveTimeout) throw new Error(`HEADERS_TIMEOUT_MS (${headersTimeout}) must be longer than KEEP_ALIVE_TIMEOUT_MS (${keepAliveTimeout})`);
  const server = createServer({ keepAliveTimeout, headersTimeout, requestTimeout, connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS });
  const connections = guardConnections(server, { ...limits, logger: log, onClosed: bff.metrics && connectionMetrics(bff.metrics, () => connections.open) });
  log.info({ keepAliveTimeout, headersTimeout, requestTimeout, maxConnections: limits.maxConnections, maxConnectionsPerAddress: limits.maxConnectionsPerAddress ?? 'none' }, 'socket limits');
  // What this replica runs on, whole: the client's policies with the environment's overrides (settings.ts).
  log.debug({ settings: bff.settings }, 'settings');

  let closing = false;
  const inFlight = new InFlightResponses(() => {
    // Its socket may have gone idle (an answer whose head left before the close): close it now.
    if (closing) setImmediate(() => server.closeIdleConnections());
  });
  // Registered before the BFF's listener, so a response is marked before anything writes its head.
  server.on('request', (_req: IncomingMessage, res: ServerResponse) => {
    inFlight.track(res);
    if (closing) res.setHeader('connection', 'close'); // a request that came on a socket kept open: its last
  });
  server.on('request', bff.nodeListener);
  // WebSockets (graphql-transport-ws) at the endpoint, where the schema has subscriptions.
  if (bff.live) server.on('upgrade', bff.live.upgrade);
  else server.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n'));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });

  // Metrics stay scrapeable through the drain: the last scrape sees how the replica ended.
  // Loopback unless ADMIN_HOST says otherwise, whatever HOST is: /metrics has no authentication.
  const admin = config.adminPort !== undefined && bff.metrics ? await serveAdmin(bff.metrics, config.adminPort, config.adminHost ?? ADMIN_HOST_DEFAULT) : undefined;
  if (admin) log.info({ adminPort: (admin.address() as { port: number }).port, adminHost: config.adminHost ?? ADMIN_HOST_DEFAULT }, 'metrics on the admin port at /metrics');

  const delayMs = config.shutdownDelayMs ?? 0;
  const graceMs = bff.policy.deadlineMs + DRAIN_MARGIN_MS;
  let stopped: Promise<void> | undefined;

  async function drain(reason: string): Promise<void> {
    bff.readiness.drain();
    log.info({ reason, delayMs, inFlight: inFlight.size }, 'shutdown: /ready answers 503; still serving while the balancer takes this replica out');
    if (delayMs > 0) await sleep(delayMs);

    closing = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    // Live sockets never go idle: closed now with 1012 (service restart), spread over a moment, so
    // their apps reconnect, through the balancer to another replica, and resume with `after`
    // (README: Live updates).
    const socketsClosed = bff.live?.sockets.closeAll();
    for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
    server.closeIdleConnections(); // server.close() does too (Node 19+); said here, as it is a step
    log.info({ inFlight: inFlight.size, graceMs }, 'shutdown: stopped accepting; idle keep-alive sockets closed, in-flight requests answer with Connection: close');

    const cut = setTimeout(() => {
      log.warn({ inFlight: inFlight.size }, 'shutdown: in-flight requests outlived the deadline; closing every connection');
      server.closeAllConnections();
    }, graceMs);
    await closed;
    await socketsClosed;
    clearTimeout(cut);
    log.info('shutdown: every connection closed; closing the BFF (yoga, title cache, downstream pools, Redis)');
    await bff.close();
    if (admin) await new Promise<void>((resolve) => admin.close(() => resolve()));
    log.info('shutdown: done');
  }

  const shutdown = (reason = 'shutdown()') => (stopped ??= drain(reason));

  if (signals) {
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopped) {
        log.warn({ signal }, 'shutdown: second signal; exiting now, without finishing the drain');
        process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
      }
      shutdown(signal).then(
        () => process.exit(0),
        (error: unknown) => {
          log.error({ err: error }, 'shutdown: failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  }
  return { server, admin, shutdown };
}
