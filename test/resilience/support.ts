import { createServer } from 'node:net';
import { pino } from 'pino';
import type { DownstreamUrls } from '../../bffs/kit/config.ts';
import type { ResiliencePolicy } from '../../bffs/kit/resilience/policy.ts';
import type { Bff, BffOverrides } from '../../bffs/kit/server/create-bff.ts';
import { createMobileBff } from '../../bffs/mobile/bff.ts';
import { createTvBff } from '../../bffs/tv/bff.ts';
import { createWebBff } from '../../bffs/web/bff.ts';
import { MOBILE_POLICY } from '../../bffs/mobile/policy.ts';
import { TV_POLICY } from '../../bffs/tv/policy.ts';
import { WEB_POLICY } from '../../bffs/web/policy.ts';
import type { ServiceName } from '../../downstream-mocks/src/registry.ts';
import { TEST_NOW, testConfig } from '../support/bffs.ts';
import { operation } from '../support/documents.ts';

export type Client = 'web' | 'mobile' | 'tv';
const factories = { web: createWebBff, mobile: createMobileBff, tv: createTvBff };
const policies = { web: WEB_POLICY, mobile: MOBILE_POLICY, tv: TV_POLICY };

/** A short deadline (that still leaves room on a busy two-core runner) and a quick half-open keep the fault matrix fast; thresholds are the clients own. */
export const FAST = { deadlineMs: 1_000, halfOpenAfterMs: 300 };

export function bffFor(client: Client, urls: DownstreamUrls, policy: Partial<ResiliencePolicy> = {}): Bff {
  const overrides: BffOverrides = {
    clock: () => new Date(TEST_NOW),
    logger: pino({ level: 'silent' }),
    policy: {
      deadlineMs: FAST.deadlineMs,
      breaker: { ...policies[client].breaker, halfOpenAfterMs: FAST.halfOpenAfterMs },
      shedding: { maxInFlight: 1_000, maxEventLoopDelayMs: 10_000 },
      ...policy,
    },
  };
  return factories[client](testConfig(urls), overrides);
}

/** A port nothing listens on: the service is down (connection refused). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/** The screen each service is exercised through, and what its failure must look like there. */
export interface Scenario {
  service: Exclude<ServiceName, 'identity'>;
  client: Client;
  document: string;
  headers?: Record<string, string>;
  /** The error paths (as strings) a failure of the service may produce. */
  failedPath: RegExp;
  /** Critical: the screen fails with 503 CRITICAL_DEPENDENCY_FAILED. */
  critical?: boolean;
  /** Something that must still be drawn when the service fails. */
  intact?: (data: any) => void;
}

const mobileHome = operation('mobile', 'MobileHome');
const rowIds = (data: any) => data.home.rows.filter(Boolean).map((row: { id: string }) => row.id);

export const SCENARIOS: Scenario[] = [
  { service: 'users', client: 'mobile', document: mobileHome, failedPath: /^home\.(profile|downloadEnabled)$/, critical: true },
  {
    service: 'catalog', client: 'mobile', document: mobileHome, failedPath: /^home\.rows\.\d$/,
    intact: (data) => { if (!data.home.profile.name) throw new Error('profile missing'); },
  },
  {
    service: 'recommendations', client: 'mobile', document: mobileHome, failedPath: /^home\.rows\.2$/,
    intact: (data) => { if (rowIds(data).join() !== 'continue-watching,my-list') throw new Error(`rows ${rowIds(data)}`); },
  },
  {
    service: 'continue-watching', client: 'mobile', document: mobileHome, failedPath: /^home\.rows\.0$/,
    intact: (data) => { if (rowIds(data).join() !== 'my-list,top-picks') throw new Error(`rows ${rowIds(data)}`); },
  },
  {
    service: 'my-list', client: 'mobile', document: mobileHome, failedPath: /^home\.rows\.1$/,
    intact: (data) => { if (rowIds(data).join() !== 'continue-watching,top-picks') throw new Error(`rows ${rowIds(data)}`); },
  },
  {
    service: 'notifications', client: 'mobile', document: mobileHome, failedPath: /^home\.unreadNotificationCount$/,
    intact: (data) => { if (rowIds(data).length !== 3) throw new Error(`rows ${rowIds(data)}`); },
  },
  {
    service: 'billing', client: 'web', document: operation('web', 'WebAccount'), failedPath: /^account\.billing$/,
    intact: (data) => { if (!data.account.email) throw new Error('email missing'); },
  },
  {
    service: 'reviews', client: 'web', document: operation('web', 'WebHome'), failedPath: /^home\.rows\.\d+\.items\.\d+\.averageRating$/,
    intact: (data) => { if (rowIds(data).length !== 4 || !data.home.hero) throw new Error(`rows ${rowIds(data)}`); },
  },
  {
    service: 'playback', client: 'tv', document: operation('tv', 'TvHome'), failedPath: /^home\.rows\.0\.items\.\d+\.drmLicenseUrl$/,
    intact: (data) => { if (rowIds(data).length !== 3 || !data.home.hero) throw new Error(`rows ${rowIds(data)}`); },
  },
  // gRPC (downstream/grpc-client.ts): the same faults, through the same guard.
  { service: 'search', client: 'web', document: '{ search(query: "moon", first: 5) { totalCount edges { node { id title highlights { start length } } } } }', failedPath: /^search$/, critical: true },
];
