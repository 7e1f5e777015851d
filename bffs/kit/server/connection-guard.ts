import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { ClosedReason } from '../observability/connection-metrics.ts';

export interface ConnectionGuardOptions {
  /** Sockets open at once. At the cap, the oldest socket with no request in progress is closed to make room; if every one is busy, the new one is. */
  maxConnections: number;
  /** Sockets per peer address (undefined: no such cap, as behind a balancer). One more is closed at once. */
  maxConnectionsPerAddress: number | undefined;
  logger: Logger;
  /** Counts each socket closed by the guard, by why (observability/connection-metrics.ts). */
  onClosed?: (reason: ClosedReason) => void;
}


interface Tracked {
  address: string;
  /** Requests in progress on the socket (a keep-alive socket between requests has none). */
  busy: number;
}

/** How often the guard logs a summary of what it closed (a flood must not flood the log too). */
const LOG_EVERY_MS = 10_000;

/**
 * Bounds the listener's sockets so that the process keeps answering (`/health` first) under
 * socket pressure: at most `maxConnectionsPerAddress` from one address, and at most
 * `maxConnections` in all, kept below the file-descriptor limit (socket-limits.ts). A new socket
 * over the total closes the oldest one that is idle or has not sent a whole request head yet,
 * so idle and slow-header sockets (the cheap way to hold a server) make room for live clients
 * rather than lock them out. node's own `server.maxConnections` only refuses the newest.
 */
export function guardConnections(server: Server, { maxConnections, maxConnectionsPerAddress, logger, onClosed }: ConnectionGuardOptions): { readonly open: number } {
  // Insertion order is age order: the first idle one found is the oldest.
  const sockets = new Map<Socket, Tracked>();
  const perAddress = new Map<string, number>();
  const closed: Record<ClosedReason, number> = { address_cap: 0, evicted_idle: 0, cap_full: 0 };
  let lastLog = 0;

  const close = (socket: Socket, reason: ClosedReason) => {
    socket.destroy();
    closed[reason]++;
    onClosed?.(reason);
    const now = Date.now();
    if (now - lastLog >= LOG_EVERY_MS) {
      lastLog = now;
      logger.warn({ closed: { ...closed }, open: sockets.size, maxConnections, maxConnectionsPerAddress }, 'connection caps: sockets closed (counts since start)');
    }
  };

  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? 'unknown';
    const fromAddress = perAddress.get(address) ?? 0;
    if (maxConnectionsPerAddress !== undefined && fromAddress >= maxConnectionsPerAddress) return close(socket, 'address_cap');
    if (sockets.size >= maxConnections) {
      let oldestIdle: Socket | undefined;
      for (const [candidate, tracked] of sockets) {
        if (tracked.busy === 0) {
          oldestIdle = candidate;
          break;
        }
      }
      if (!oldestIdle) return close(socket, 'cap_full');
      forget(oldestIdle);
      close(oldestIdle, 'evicted_idle');
    }
    sockets.set(socket, { address, busy: 0 });
    perAddress.set(address, fromAddress + 1);
    socket.once('close', () => forget(socket));
  });

  function forget(socket: Socket): void {
    const tracked = sockets.get(socket);
    if (!tracked) return;
    sockets.delete(socket);
    const left = (perAddress.get(tracked.address) ?? 1) - 1;
    if (left > 0) perAddress.set(tracked.address, left);
    else perAddress.delete(tracked.address);
  }

  // An upgraded socket (a WebSocket) is busy until it closes: never evicted as idle.
  server.on('upgrade', (req) => {
    const tracked = sockets.get(req.socket);
    if (tracked) tracked.busy++;
  });

  server.on('request', (req, res) => {
    const tracked = sockets.get(req.socket);
    if (!tracked) return;
    tracked.busy++;
    res.once('close', () => tracked.busy--);
  });

  return {
    get open() {
      return sockets.size;
    },
  };
}
