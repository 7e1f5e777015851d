/**
 * The dev front: what listens on a client's public port under `npm run dev`, forwarding every
 * request to the BFF process currently serving that client on an internal port.
 *
 * Stopping one generation of a BFF before the next listens would refuse connections in between,
 * and sharing the public port (Node 24's `reusePort`, SO_REUSEPORT) would let the kernel spread new
 * connections over both generations until the old one closed. Here the public
 * socket never closes: a swap is one assignment (`switchTo`), taken by every request that
 * arrives after it, while the requests already forwarded finish on the old process, which is
 * drained (`Target.drained`) before it is stopped. Clients keep their keep-alive connections to
 * the front across swaps; the front keeps its own pool of connections to each generation.
 *
 * The original Host header is passed through, so a BFF still recognises GraphiQL on its own
 * (public) origin, and X-Forwarded-For carries the client's address (the children are started
 * with one more TRUSTED_PROXY_HOPS, so the address budget is still kept per client).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Pool } from 'undici';

// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection, not to the request; undici
// refuses most of them, and it sets its own framing (content-length or chunked) for the body.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authorization', 'proxy-authenticate', 'expect', 'http2-settings']);

export class Target {
  private inFlight = 0;
  private idle: (() => void)[] = [];
  readonly pool: Pool;

  constructor(readonly origin: string, readonly label: string) {
    this.pool = new Pool(origin, { connections: 64, pipelining: 1 });
  }

  acquire(): void {
    this.inFlight++;
  }

  release(): void {
    if (--this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
  }

  get active(): number {
    return this.inFlight;
  }

  /** Resolves when no request forwarded here is still running, or after `timeoutMs` (false). */
  drained(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private closing: Promise<void> | undefined;

  /** Closes the connections to it once their requests are done (idempotent). */
  close(): Promise<void> {
    this.closing ??= this.pool.close().catch(() => undefined);
    return this.closing;
  }
}

export class DevFront {
  private server: Server | undefined;
  private target: Target | undefined;
  /** Why there is no target (the first version has not started, or the live one crashed). */
  private unavailable = 'it is starting';

  constructor(readonly client: string) {}

  listen(port: number, host: string): Promise<void> {
    const server = createServer((req, res) => void this.forward(req, res));
    server.keepAliveTimeout = 65_000;
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  get current(): Target | undefined {
    return this.target;
  }

  /**
   * From the next request on, everything goes to `next` (or, with `undefined`, is answered 503
   * with `reason`). Returns the previous target for the caller to drain and stop.
   */
  switchTo(next: Target | undefined, reason = ''): Target | undefined {
    const previous = this.target;
    this.target = next;
    if (!next) this.unavailable = reason;
    return previous;
  }

  /** Stops accepting and lets the requests in flight finish (up to `graceMs`); the targets are the slot's to close. */
  async close(graceMs = 5_000): Promise<void> {
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const force = setTimeout(() => server.closeAllConnections(), graceMs);
    await closed;
    clearTimeout(force);
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const target = this.target;
    if (!target) return this.refuse(res, 503, `dev: the ${this.client} BFF has no working version: ${this.unavailable.replace(/\.$/, '')}. npm run dev prints why; this port serves the next version that starts.`);
    // Counted before the first await, so a swap that happens during this request waits for it.
    target.acquire();
    const abort = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    try {
      const headers: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
      }
      const peer = req.socket.remoteAddress ?? '';
      headers['x-forwarded-for'] = req.headers['x-forwarded-for'] ? `${req.headers['x-forwarded-for']}, ${peer}` : peer;
      const hasBody = req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined;
      const upstream = await target.pool.request({
        path: req.url ?? '/',
        method: req.method as 'GET',
        headers,
        body: hasBody ? req : null,
        signal: abort.signal,
      });
      const out: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(upstream.headers)) {
        if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
      }
      res.writeHead(upstream.statusCode, out);
      await pipeline(upstream.body, res);
    } catch (error) {
      if (abort.signal.aborted) return; // the client left; nothing to answer
      if (!res.headersSent) this.refuse(res, 502, `dev: the ${this.client} BFF (${target.label}) did not answer: ${(error as Error).message}`);
      else res.destroy();
    } finally {
      target.release();
    }
  }

  /** In the error shape the BFFs answer with, so GraphiQL and the SDK show the message. */
  private refuse(res: ServerResponse, status: number, message: string): void {
    const body = JSON.stringify({ errors: [{ message, extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'retry-after': '1' });
    res.end(body);
  }
}
