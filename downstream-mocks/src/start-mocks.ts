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
import { GRPC_SERVICES, REST_SERVICES, SERVICE_NAMES, isGrpcService, type RestServiceName, type ServiceName } from './registry.ts';
import { createGrpcServiceServer } from './grpc/server.ts';

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
function openApiRoute(name: RestServiceName): RouteDefinition {
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

/** Starts all eleven services (ten REST, one gRPC). Identity starts first, because the others verify tokens against it. */
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
      const verifier = name === 'identity' ? undefined : createJwksVerifier(urls.identity, { audience: serviceAudienceOf(name), scope: serviceScopeOf(name) });
      const latency = latencyFromEnv(name, env);
      let service: ServiceServer;
      let port: number;
      if (isGrpcService(name)) {
        const spec = GRPC_SERVICES[name];
        service = createGrpcServiceServer({ name, service: spec.grpc(deps), verifier, latency, now });
        port = spec.port;
      } else {
        const spec = REST_SERVICES[name];
        const routes = [...(await spec.routes(deps)), openApiRoute(name)];
        service = createServiceServer({ name, routes, verifier, latency, now });
        port = spec.port;
      }
      servers[name] = service;
      urls[name] = await service.listen(ports === 'fixed' ? port + portOffset : 0, host);
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
