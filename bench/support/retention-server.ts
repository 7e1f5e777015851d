/**
 * The smallest node:http server that shows what a long-lived collection of in-flight responses does
 * to the young generation (bench/young-generation-retention.ts starts it). Each request reads its
 * body, makes ~200 KB of short-lived garbage, and answers on the next turn of the event loop; how
 * the server keeps its in-flight responses is RETENTION_KEEP:
 *   none   it keeps nothing
 *   set    a Set: added on arrival, deleted on close (as serve.ts did)
 *   map    a Map from a per-request key, deleted on close
 *   list   InFlightResponses (bffs/kit/server/in-flight-responses.ts), as serve.ts does now
 */
import { createServer, type ServerResponse } from 'node:http';
import { InFlightResponses } from '../../bffs/kit/server/in-flight-responses.ts';

const keep = process.env.RETENTION_KEEP ?? 'none';
const track: (res: ServerResponse) => void = (() => {
  switch (keep) {
    case 'set': {
      const responses = new Set<ServerResponse>();
      return (res) => {
        responses.add(res);
        res.once('close', () => responses.delete(res));
      };
    }
    case 'map': {
      const responses = new Map<number, ServerResponse>();
      let next = 0;
      return (res) => {
        const key = next++;
        responses.set(key, res);
        res.once('close', () => responses.delete(key));
      };
    }
    case 'list': {
      const responses = new InFlightResponses();
      return (res) => responses.track(res);
    }
    case 'none':
      return () => {};
    default:
      throw new Error(`RETENTION_KEEP must be none, set, map or list, got "${keep}"`);
  }
})();

const server = createServer((req, res) => {
  track(res);
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const garbage = Array.from({ length: 2_000 }, (_, i) => ({ i, text: `item ${i}` }));
    setImmediate(() => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ items: garbage.length, chunks: chunks.length }));
    });
  });
});
server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as { port: number }).port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
