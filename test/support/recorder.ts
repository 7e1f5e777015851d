import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A real HTTP hop in front of one mock service that records what the BFF sends (headers, query,
 * body) and passes the call on. The mocks count calls but keep no bodies; this sees them.
 */
export async function startRecorder(upstream: string) {
  const seen: RecordedRequest[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    seen.push({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, body });
    const answer = await fetch(`${upstream}${req.url}`, {
      method: req.method,
      headers: { authorization: req.headers.authorization ?? '', ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body || undefined,
    });
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(await answer.text());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
