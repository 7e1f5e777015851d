import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Where the traced systems export their spans during a run: an OTLP/HTTP endpoint that reads
 * each batch whole and answers 200, as a collector would, so the exporter's work is all paid.
 * It counts what it received, to show the sampling did what it says.
 */
export async function startOtlpSink(): Promise<{ url: string; batches: () => number; bytes: () => number; close(): Promise<void> }> {
  let batches = 0;
  let bytes = 0;
  const server: Server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      batches++;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`,
    batches: () => batches,
    bytes: () => bytes,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
