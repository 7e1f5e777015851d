import { readFileSync } from 'node:fs';
import { DEFAULT_KEEP_ALIVE_TIMEOUT_MS, type BffConfig } from '../config.ts';
import { DOWNSTREAM_DEFAULTS } from '../core/services.ts';
/**
 * Reached directly (no balancer declared): node's own default idle timeout, and headers within
 * 10 s. Nothing reuses these sockets but the clients themselves, and an idle or slow socket held
 * 75 s was the cheapest way to use up the process's file descriptors.
 */
export const DIRECT_KEEP_ALIVE_TIMEOUT_MS = 5_000;
export const DIRECT_HEADERS_TIMEOUT_MS = 10_000;
/** A request's body (32 KiB at most) within this much after its headers' bound. */
export const BODY_ALLOWANCE_MS = 10_000;
/** Reached directly, one address holds at most this many sockets (browsers open 6 per origin; NATs share an address). */
export const DIRECT_CONNECTIONS_PER_ADDRESS = 64;
/**
 * File descriptors kept out of the connection cap: beside each downstream origin's pool
 * (`connections` sockets each), Redis, the admin port, logs and the files tsx and node open.
 */
const FD_RESERVE = 64;
/** When the limit cannot be read (not Linux): the usual soft limit. */
const ASSUMED_FD_LIMIT = 1_024;
/** How often node checks the headers and request timeouts (its default, 30 s, let a bound run 30 s late). */
export const TIMEOUT_CHECK_INTERVAL_MS = 1_000;

export interface SocketLimits {
  keepAliveTimeout: number;
  headersTimeout: number;
  requestTimeout: number;
  /** Sockets open at once; at the cap the oldest socket with no request in progress is closed for a new one. */
  maxConnections: number;
  /** Sockets per peer address, or undefined behind a balancer (every socket is the balancer's). */
  maxConnectionsPerAddress: number | undefined;
}

/**
 * The listener's socket bounds. A balancer is declared by `TRUSTED_PROXY_HOPS` ≥ 1 (the proxies
 * in front, already counted for the address budget): then the keep-alive rule of
 * docs/keep-alive.md holds (65 s idle, headers 5 s longer) and the balancer bounds slow clients
 * (HAProxy's `timeout http-request`). Without one, the BFF bounds them itself. Set values
 * (`KEEP_ALIVE_TIMEOUT_MS`, `HEADERS_TIMEOUT_MS`, `MAX_CONNECTIONS`, `MAX_CONNECTIONS_PER_ADDRESS`) win.
 */
export function socketLimits(config: BffConfig, downstreamConnections: number, fdLimit = openFilesLimit()): SocketLimits {
  const balanced = (config.trustedProxyHops ?? 0) > 0;
  const keepAliveTimeout = config.keepAliveTimeoutMs ?? (balanced ? DEFAULT_KEEP_ALIVE_TIMEOUT_MS : DIRECT_KEEP_ALIVE_TIMEOUT_MS);
  const headersTimeout = config.headersTimeoutMs ?? (balanced || config.keepAliveTimeoutMs !== undefined ? keepAliveTimeout + 5_000 : DIRECT_HEADERS_TIMEOUT_MS);
  const origins = Object.keys(DOWNSTREAM_DEFAULTS).length;
  const fromFds = fdLimit - downstreamConnections * origins - FD_RESERVE;
  return {
    keepAliveTimeout,
    headersTimeout,
    requestTimeout: headersTimeout + BODY_ALLOWANCE_MS,
    maxConnections: config.maxConnections ?? Math.max(16, fromFds),
    maxConnectionsPerAddress: config.maxConnectionsPerAddress ?? (balanced ? undefined : DIRECT_CONNECTIONS_PER_ADDRESS),
  };
}

/** The soft limit on open files (`ulimit -n`), from /proc on Linux. */
export function openFilesLimit(): number {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft && /^\d+$/.test(soft) ? Number(soft) : ASSUMED_FD_LIMIT;
  } catch {
    return ASSUMED_FD_LIMIT;
  }
}
