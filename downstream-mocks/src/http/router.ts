import type http from 'node:http';
import type { RouteContext } from './server.ts';
import { badRequest } from './errors.ts';

export type Handler = (ctx: RouteContext) => unknown | Promise<unknown>;

export interface RawContext {
  params: Record<string, string>;
  query: URLSearchParams;
  /** Counts a finer key under the route (e.g. a grant type), read at `/__admin/counters` as `details`. */
  countDetail(key: string): void;
}

/**
 * A handler that owns the request and the response: the server neither reads the body nor
 * writes the answer. For routes served by a library with its own HTTP stack (identity's OpenID
 * provider, form-encoded login pages), which still get the counters, latency and faults.
 */
export type RawHandler = (req: http.IncomingMessage, res: http.ServerResponse, ctx: RawContext) => Promise<void>;

interface RouteBase {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** OpenAPI-style template, e.g. `/users/{id}`. Also the key of the request counters. */
  path: string;
  /** Routes that are public (JWKS, discovery, the OpenAPI document) skip token checks. */
  public?: boolean;
  /** When set, the token's subject must equal this path parameter, unless it has the service scope. */
  ownerParam?: string;
  /** Counted, but never delayed or faulted: the services' event channel, not a data call. */
  unfaulted?: boolean;
}

/** A JSON route (`handler`: body parsed, result sent as JSON) or a raw one (`raw`, always public). */
export type RouteDefinition = RouteBase & ({ handler: Handler; raw?: never } | { raw: RawHandler; handler?: never; public: true });

export interface MatchedRoute {
  route: RouteDefinition;
  params: Record<string, string>;
}

interface CompiledRoute {
  route: RouteDefinition;
  pattern: RegExp;
  names: string[];
}

/** A tiny template router: the mocks have a handful of routes each, so a linear scan is plenty. */
export class Router {
  private readonly compiled: CompiledRoute[];

  constructor(routes: RouteDefinition[]) {
    this.compiled = routes.map(compileRoute);
  }

  /** Returns the match, `'method'` when the path exists under another method, or undefined. */
  match(method: string, path: string): MatchedRoute | 'method' | undefined {
    let pathExists = false;
    for (const { route, pattern, names } of this.compiled) {
      const m = pattern.exec(path);
      if (!m) continue;
      if (route.method !== method) {
        pathExists = true;
        continue;
      }
      const params: Record<string, string> = {};
      names.forEach((name, i) => (params[name] = decodeParam(name, m[i + 1]!)));
      return { route, params };
    }
    return pathExists ? 'method' : undefined;
  }
}

/** `%E0%A4%A` is a client's mistake, not the mock's: a 400, never a 500. */
function decodeParam(name: string, raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw badRequest('VALIDATION_FAILED', `path parameter ${name} is not valid percent-encoding`);
  }
}

function compileRoute(route: RouteDefinition): CompiledRoute {
  const names: string[] = [];
  const source = route.path
    .split('/')
    .map((segment) => {
      const param = /^\{(\w+)\}$/.exec(segment);
      if (!param) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(param[1]!);
      return '([^/]+)';
    })
    .join('/');
  return { route, pattern: new RegExp(`^${source}$`), names };
}
