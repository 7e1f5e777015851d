import type { IncomingMessage } from 'node:http';
import type { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Gate } from './pipeline.ts';

/**
 * Runs a gate (pipeline.ts `createGate`: the client address and its sign-in budget) in front of
 * routes that are not GraphQL, so the sign-in routes, which call the provider, cannot be flooded:
 * over budget is 429 RATE_LIMITED with Retry-After, and every answer carries RateLimit headers.
 * These routes are yoga's alone (the fast lane takes only POST /graphql), so this is their one path.
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
