import type { IncomingMessage } from 'node:http';
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Budget } from '../core/perimeter-policy.ts';
import { createCostLimiter } from '../stores/rate-limiter.ts';
import type { RedisClient } from '../stores/redis.ts';
import { createGate, type Gate } from './pipeline.ts';
import { clientAddressStage } from './stages/client-address.ts';
import { rateLimitStage } from './stages/rate-limit.ts';

export interface AddressGateOptions {
  client: string;
  /** The budget's name, in RateLimit headers, refusals and its Redis key (sign-in's: `sign-in`). */
  name: string;
  budget: Budget;
  /** `TRUSTED_PROXY_HOPS` (stages/client-address.ts). */
  trustedProxyHops: number;
  redis?: RedisClient;
}

/**
 * A wing's gate for its routes: the client address (stages/client-address.ts), then its budget of
 * requests, one point each, kept under `concierge:rate:<client>:<name>` (shared by the replicas on
 * Redis). The same stage code and refusals as the perimeter's address budget.
 */
export function createAddressGate({ client, name, budget, trustedProxyHops, redis }: AddressGateOptions): Gate {
  const limiter = createCostLimiter(budget, `concierge:rate:${client}:${name}`, redis);
  return createGate([clientAddressStage(trustedProxyHops), rateLimitStage(name, limiter, (passage) => passage.clientAddress!, () => 1)]);
}

/**
 * Runs a gate (`createAddressGate`) in front of a wing's routes, which are not GraphQL, so routes
 * that call out (sign-in's, to the provider) cannot be flooded: over budget is 429 RATE_LIMITED
 * with Retry-After, and every answer carries RateLimit headers. These routes are yoga's alone (the
 * fast lane takes only POST /graphql), so this is their one path.
 */
export function useRouteGate(gate: Gate, paths: readonly string[]): Plugin {
  const gated = new Set(paths);
  const answered = new WeakMap<Request, Record<string, string>>();
  return {
    onRequest({ request, url, endResponse, fetchAPI, serverContext }) {
      if (!gated.has(url.pathname)) return;
      const peer = (serverContext as { req?: IncomingMessage } | undefined)?.req?.socket.remoteAddress ?? 'unknown';
      return gate({ method: request.method, headers: request.headers, peer, params: {} }).then(({ refused, headers }) => {
        if (!refused) return void answered.set(request, headers);
        const error = refused.errors![0] as GraphQLError;
        const { http, ...extensions } = error.extensions as { http?: { status?: number; headers?: Record<string, string> } };
        endResponse(
          new fetchAPI.Response(JSON.stringify({ errors: [{ message: error.message, extensions }] }), {
            status: http?.status ?? 429,
            headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers, ...http?.headers },
          }),
        );
      });
    },
    onResponse({ request, response }) {
      for (const [name, value] of Object.entries(answered.get(request) ?? {})) response.headers.set(name, value);
    },
  };
}
