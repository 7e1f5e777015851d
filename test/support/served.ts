import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bff } from '../../bffs/kit/server/create-bff.ts';

const origins = new WeakMap<Bff, Promise<string>>();

/**
 * The BFF listening on an ephemeral port with the listener `serve()` uses (fast lane, then
 * yoga), so a test sees what a client over HTTP sees. Listens once per BFF; `bff.close()` also
 * closes the listener.
 */
export function originOf(bff: Bff): Promise<string> {
  let origin = origins.get(bff);
  if (!origin) {
    const server = createServer(bff.nodeListener);
    if (bff.live) server.on('upgrade', bff.live.upgrade); // WebSockets, as serve() attaches them
    origin = new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
    origins.set(bff, origin);
    const close = bff.close.bind(bff);
    bff.close = async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await close();
    };
  }
  return origin;
}

/** `fetch` against the BFF over HTTP: `path` is `/graphql`, `/health`, ... */
export async function fetchOver(bff: Bff, path: string, init?: RequestInit): Promise<Response> {
  return fetch(`${await originOf(bff)}${path}`, init);
}
