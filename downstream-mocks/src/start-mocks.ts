import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createJwksVerifier } from './http/auth.ts';
import { serviceAudienceOf, serviceScopeOf } from './services/identity/clients.ts';
import { notFound } from './http/errors.ts';
import { latencyFromEnv } from './http/latency.ts';
import { RawJson, createServiceServer, type ServiceServer } from './http/server.ts';
import type { RouteDefinition } from './http/router.ts';
import { seedFromEnv } from './data/random.ts';
import { TitleStore } from './data/titles.ts';
import { ReviewStore } from './data/reviews.ts';
import { createEventLogs, type EventLogs } from './events/index.ts';
import { SERVICES, SERVICE_NAMES, type ServiceName } from './registry.ts';

export interface StartMocksOptions {
  /** Use the fixed ports of product.md (default) or let the OS pick free ones (tests). */
  ports?: 'fixed' | 'ephemeral';
  host?: string;
  env?: NodeJS.ProcessEnv;
}

export interface RunningMocks {
  urls: Record<ServiceName, string>;
  servers: Record<ServiceName, ServiceServer>;
  /** The event logs of the services that publish their changes. */
  events: EventLogs;
  close(): Promise<void>;
}

const OPENAPI_DIR = fileURLToPath(new URL('../openapi/', import.meta.url));

/** The committed OpenAPI document, served as-is so the contract and the server never diverge. */
function openApiRoute(name: ServiceName): RouteDefinition {
  let cached: string | undefined;
  return {
    method: 'GET',
    path: '/openapi.json',
    public: true,
    handler: async () => {
      try {
        cached ??= await readFile(`${OPENAPI_DIR}${name}.json`, 'utf8');
      } catch {
        throw notFound(`no OpenAPI document for ${name}`);
      }
      return new RawJson(cached);
    },
  };
}

/** Starts all ten services. Identity starts first, because the others verify tokens against it. */
export async function startMocks({ ports = 'fixed', host = '127.0.0.1', env = process.env }: StartMocksOptions = {}): Promise<RunningMocks> {
  const seed = seedFromEnv(env);
  const portOffset = Number(env.MOCKS_PORT_OFFSET ?? 0);
  if (!Number.isInteger(portOffset) || portOffset < 0) throw new Error(`MOCKS_PORT_OFFSET must be a non-negative integer, got "${env.MOCKS_PORT_OFFSET}"`);
  const frozen = env.MOCKS_NOW ? new Date(env.MOCKS_NOW) : undefined;
  if (frozen && Number.isNaN(frozen.getTime())) throw new Error(`MOCKS_NOW is not a date: "${env.MOCKS_NOW}"`);
  const now = frozen ? () => new Date(frozen) : () => new Date();

  const urls = {} as Record<ServiceName, string>;
  const servers = {} as Record<ServiceName, ServiceServer>;
  const events = await createEventLogs(env);
  const deps = {
    seed,
    env,
    titles: new TitleStore(seed),
    reviews: new ReviewStore(seed),
    events,
    identityUrl: () => urls.identity,
  };

  try {
    for (const name of SERVICE_NAMES) {
      const spec = SERVICES[name];
      const routes = [...(await spec.routes(deps)), openApiRoute(name)];
      const verifier = name === 'identity' ? undefined : createJwksVerifier(urls.identity, { audience: serviceAudienceOf(name), scope: serviceScopeOf(name) });
      const service = createServiceServer({ name, routes, verifier, latency: latencyFromEnv(name, env), now });
      servers[name] = service;
      urls[name] = await service.listen(ports === 'fixed' ? spec.port + portOffset : 0, host);
    }
  } catch (error) {
    await Promise.all(Object.values(servers).map((s) => s.close()));
    await events.close();
    throw error;
  }

  return {
    urls,
    servers,
    events,
    close: async () => {
      await Promise.all(Object.values(servers).map((s) => s.close()));
      await events.close();
    },
  };
}
