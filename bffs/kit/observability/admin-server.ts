import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/**
 * The admin port: Prometheus scrapes `/metrics` here. It is a server of its own, on a port of
 * its own (`ADMIN_PORT`), so the public listener never serves the metrics and a balancer or an
 * ingress never routes to them; Kubernetes scrapes it on the pod's address.
 */
export async function serveAdmin(registry: Registry, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = req.url?.split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('The admin port serves GET /metrics.\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : text),
      (error: Error) => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`metrics failed: ${error.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return server;
}
