/**
 * A steady load through HAProxy: a fixed number of workers, each sending one request at a time
 * (closed loop, an optional pause between), over undici keep-alive pools, one pool per front.
 * Every request is recorded with when it started and ended, how it ended and which replica
 * answered (HAProxy's `x-served-by`), so a phase can count its failures by kind.
 *
 * undici closes an idle socket after 4 s, before HAProxy's client keep-alive timeout (10 s): the
 * client side never sends on a socket HAProxy is closing.
 */
import { Pool } from 'undici';
import type { ClientName } from '../../bffs/clients.ts';

export interface Shot {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** What one worker sends, again and again: `next()` may rotate viewers. */
export interface Plan {
  client: ClientName;
  /** A label for the report (`MobileHome`). */
  name: string;
  next(): Shot;
}

export interface Outcome {
  client: ClientName;
  name: string;
  /** Date.now() when sent and when the answer (or the error) was complete. */
  start: number;
  end: number;
  ok: boolean;
  /** `200`, `503 SESSION_STORE_UNAVAILABLE`, `502 haproxy`, `error UND_ERR_SOCKET`… */
  kind: string;
  status?: number;
  servedBy?: string;
}

export interface RunningLoad {
  readonly outcomes: readonly Outcome[];
  /** Requests sent and not yet answered, now. */
  outstanding(): number;
  stop(): Promise<Outcome[]>;
}

export interface LoadOptions {
  fronts: Partial<Record<ClientName, string>>;
  /** Worker i sends plans[i % plans.length]. */
  plans: Plan[];
  concurrency: number;
  /** Pause between a worker's answer and its next request. */
  thinkMs?: number;
  timeoutMs?: number;
}

/** The catalog code of a refusal's JSON body, or `haproxy` for one of HAProxy's own HTML pages. */
function refusalOf(text: string): string {
  if (/^\s*<html/i.test(text)) return 'haproxy';
  try {
    const code = (JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] }).errors?.[0]?.extensions?.code;
    return code ?? 'no code';
  } catch {
    return 'not JSON';
  }
}

export function startLoad({ fronts, plans, concurrency, thinkMs = 0, timeoutMs = 10_000 }: LoadOptions): RunningLoad {
  const outcomes: Outcome[] = [];
  const perClient = new Map<ClientName, number>();
  for (let i = 0; i < concurrency; i++) {
    const client = plans[i % plans.length]!.client;
    perClient.set(client, (perClient.get(client) ?? 0) + 1);
  }
  const pools = new Map<ClientName, Pool>();
  for (const [client, workers] of perClient) {
    const origin = fronts[client];
    if (!origin) throw new Error(`no front for ${client}`);
    pools.set(client, new Pool(origin, { connections: workers, pipelining: 1, keepAliveTimeout: 4_000, headersTimeout: timeoutMs, bodyTimeout: timeoutMs }));
  }
  let running = true;
  let outstanding = 0;

  async function once(plan: Plan): Promise<void> {
    const shot = plan.next();
    const start = Date.now();
    outstanding++;
    try {
      const res = await pools.get(plan.client)!.request({ method: shot.method, path: shot.path, headers: shot.headers, body: shot.body });
      const servedBy = (res.headers['x-served-by'] as string | undefined) ?? undefined;
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      const kind = ok ? String(res.statusCode) : `${res.statusCode} ${refusalOf(await res.body.text())}`;
      if (ok) await res.body.arrayBuffer();
      outcomes.push({ client: plan.client, name: plan.name, start, end: Date.now(), ok, kind, status: res.statusCode, servedBy });
    } catch (error) {
      const code = (error as { code?: string }).code ?? (error as Error).name;
      outcomes.push({ client: plan.client, name: plan.name, start, end: Date.now(), ok: false, kind: `error ${code}` });
    } finally {
      outstanding--;
    }
  }

  const workers = Array.from({ length: concurrency }, async (_, i) => {
    const plan = plans[i % plans.length]!;
    // Spread the first requests over the first 100 ms rather than sending them all at once.
    await new Promise((resolve) => setTimeout(resolve, (i * 100) / concurrency));
    while (running) {
      await once(plan);
      if (thinkMs && running) await new Promise((resolve) => setTimeout(resolve, thinkMs));
    }
  });

  return {
    outcomes,
    outstanding: () => outstanding,
    async stop() {
      running = false;
      await Promise.all(workers);
      await Promise.all([...pools.values()].map((pool) => pool.close()));
      return outcomes;
    },
  };
}

/** Outcomes that ended within [from, to). */
export const within = (outcomes: readonly Outcome[], from: number, to: number) => outcomes.filter((o) => o.end >= from && o.end < to);

/** `{ "200": 812, "502 haproxy": 1 }`, most frequent first. */
export function countKinds(outcomes: readonly Outcome[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const o of outcomes) counts.set(o.kind, (counts.get(o.kind) ?? 0) + 1);
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]));
}

export const failures = (outcomes: readonly Outcome[]) => outcomes.filter((o) => !o.ok);
