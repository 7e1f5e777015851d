/**
 * `npm run bench:starvation`: whether one viewer's burst slows another viewer's homes.
 *
 * The mocks (20 ms ± 2 per call, users slowed by 200 ms more, so a burst would fill its bulkhead)
 * and one mobile BFF as deployed (NODE_ENV=production, trusted documents, the response cache off
 * so every home reaches the services, the budgets raised so A stays within its own: only the
 * in-flight caps stand between A and B). Viewer B, from its own address, sends rounds of 10
 * concurrent MobileHomes:
 *   1. alone;
 *   2. each round 20 ms after viewer A, from another address, sent 100 MobileHomes at once;
 * in four alternating blocks of each. B alone in the even blocks against the odd ones is the noise:
 * the same thing measured twice.
 * It prints B's p50 and p99 in both, their ratio (the target: unchanged, within noise), B's
 * incomplete homes, and what A got. With `--uncapped` it runs 2 again on a BFF whose in-flight
 * caps are lifted (IN_FLIGHT_VIEWER=IN_FLIGHT_IP=100000): what the caps prevent.
 *
 *   npm run bench:starvation -- [--rounds 30] [--burst 100] [--uncapped]
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { TRUSTED_HOME_BODY, homeHeaders, mintToken } from './harness/home.ts';
import { backgroundBusy, cpuSeconds, pinSelf, startMocks, startServer, stop, type Server, type Urls } from './harness/processes.ts';
import { percentile, round } from './harness/stats.ts';
import { ADMIT_ALL_BUDGET } from './harness/systems.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '30' }, burst: { type: 'string', default: '100' }, uncapped: { type: 'boolean', default: false } } });
const ROUNDS = Number(values.rounds);
const B_CONCURRENCY = 10;
const A_BURST = Number(values.burst);
const USERS_ADDED_MS = 200;
const BLOCKS = 4;
/** A's and B's addresses, as the one trusted proxy in front of the BFF reports them. */
const A_ADDRESS = '203.0.113.7';
const B_ADDRESS = '198.51.100.9';

interface Phase {
  homes: Home[];
  cpuSeconds: number;
  wallSeconds: number;
}

interface Home {
  ms: number;
  /** 200 with data and no errors. */
  complete: boolean;
  status: number;
  code?: string;
}

let sent = 0;
async function home(pool: Pool, token: string, address: string, requestId = `x-${++sent}`): Promise<Home> {
  const started = performance.now();
  const { statusCode, body } = await pool.request({ path: '/graphql', method: 'POST', headers: { ...homeHeaders(token), 'x-forwarded-for': address, 'x-request-id': requestId }, body: TRUSTED_HOME_BODY });
  const text = await body.text();
  const ms = performance.now() - started;
  const json = JSON.parse(text) as { data?: unknown; errors?: { extensions?: { code?: string; service?: string } }[] };
  const codes = [...new Set(json.errors?.map(({ extensions }) => [extensions?.code, extensions?.service].filter(Boolean).join('@')))];
  return { ms, status: statusCode, complete: statusCode === 200 && !!json.data && json.errors === undefined, code: codes.length ? codes.join('+') : undefined };
}

/**
 * Rounds of B's 10 homes at once, the next round when all are answered. Beside A: each round
 * A's 100 homes go first, all at once, and B's 10 follow 20 ms later, while A's are in flight
 * (the finding's rounds). What A was answered is tallied by status and code.
 */
async function rounds(pools: { a: Pool; b: Pool }, tokens: { a: string; b: string }, count: number, beside: boolean, tally: Record<string, number>): Promise<Home[]> {
  const homes: Home[] = [];
  for (let round = 0; round < count; round++) {
    const burst = beside ? Promise.all(Array.from({ length: A_BURST }, () => home(pools.a, tokens.a, A_ADDRESS))) : undefined;
    if (burst) await sleep(20);
    homes.push(...(await Promise.all(Array.from({ length: B_CONCURRENCY }, () => home(pools.b, tokens.b, B_ADDRESS, `b-${beside ? 'beside' : 'alone'}-${++sent}`)))));
    for (const answer of (await burst) ?? []) {
      const key = answer.complete ? '200' : `${answer.status} ${answer.code ?? ''}`.trim();
      tally[key] = (tally[key] ?? 0) + 1;
    }
  }
  return homes;
}

function summary({ homes, cpuSeconds, wallSeconds }: Phase) {
  const ms = homes.map((h) => h.ms);
  return { cpu: cpuSeconds / wallSeconds, samples: homes.length, p50: percentile(ms, 0.5), p99: percentile(ms, 0.99), incomplete: homes.filter((h) => !h.complete).length, codes: [...new Set(homes.filter((h) => !h.complete).map((h) => `${h.status} ${h.code ?? ''}`.trim()))] };
}

/**
 * The capped BFF's own time for each of B's homes, from its access lines (it runs at LOG_LEVEL=info
 * for them, alone and beside alike; `duration_ms`, by the request id B sends: `b-alone-…` or
 * `b-beside-…`): what of B's slowdown happened inside the BFF, from the
 * request's arrival to its answer, downstream calls included, and what in the rig around it (the
 * load generator and the mocks share the other core).
 */
const inside = { alone: [] as number[], beside: [] as number[] };

async function startBff(urls: Urls, env: Record<string, string>, { timeInside = false } = {}): Promise<Server> {
  const ready = async (url: string) => (await fetch(url.replace('/graphql', '/health'))).ok;
  const server = await startServer('mobile', 'bffs/mobile/main.ts', urls, pinning, ready, {
    env: { TRUSTED_PROXY_HOPS: '1', RESPONSE_CACHE: 'off', RATE_LIMIT_VIEWER: ADMIT_ALL_BUDGET, RATE_LIMIT_IP: ADMIT_ALL_BUDGET, ADMIN_PORT: 'off', LOG_LEVEL: 'info', SHUTDOWN_DELAY_MS: '0', ...env },
    pipeStdout: true,
  });
  let pending = '';
  server.child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const match = /"request_id":"b-(alone|beside)-\d+".*"duration_ms":([\d.]+)/.exec(line);
      if (match && timeInside) inside[match[1] as 'alone' | 'beside'].push(Number(match[2]));
    }
  });
  return server;
}

/**
 * B alone and B beside A's bursts, on one BFF, in alternating blocks so that a change in the
 * machine's background load lands on both alike. Warmed first (pools, keys, JIT), and before each
 * block B's homes must come back whole (a breaker a cold start or the last block tripped has
 * closed again), so a block measures itself, not what the one before left behind.
 */
async function run(server: Server, tokens: { a: string; b: string }, alone: boolean) {
  const origin = new URL(server.url).origin;
  const pools = { a: new Pool(origin, { connections: A_BURST }), b: new Pool(origin, { connections: B_CONCURRENCY }) };
  const settled = async () => {
    for (let whole = 0; whole < 5; ) whole = (await home(pools.b, tokens.b, B_ADDRESS)).complete ? whole + 1 : (await sleep(500), 0);
  };
  try {
    for (let i = 0; i < 5; i++) await Promise.all([home(pools.a, tokens.a, A_ADDRESS), home(pools.b, tokens.b, B_ADDRESS)]);
    const bAlone: Phase = { homes: [], cpuSeconds: 0, wallSeconds: 0 };
    // B alone in even and in odd blocks: two samples of the same thing, whose p99s differ by the noise alone.
    const bAloneHalves: [Phase, Phase] = [{ homes: [], cpuSeconds: 0, wallSeconds: 0 }, { homes: [], cpuSeconds: 0, wallSeconds: 0 }];
    const bBeside: Phase = { homes: [], cpuSeconds: 0, wallSeconds: 0 };
    const a: Record<string, number> = {};
    const count = Math.ceil(ROUNDS / BLOCKS);
    // The server's CPU over each phase: whether its core, not the caps, is what B waits for.
    const measured = async (phase: Phase, beside: boolean) => {
      const [cpu, wall] = [cpuSeconds(server.pid), performance.now()];
      phase.homes.push(...(await rounds(pools, tokens, count, beside, a)));
      phase.cpuSeconds += cpuSeconds(server.pid) - cpu;
      phase.wallSeconds += (performance.now() - wall) / 1000;
    };
    for (let block = 0; block < BLOCKS; block++) {
      if (alone) {
        await settled();
        const half = bAloneHalves[block % 2]!;
        const before = half.homes.length;
        await measured(half, false);
        bAlone.homes.push(...half.homes.slice(before));
      }
      await settled();
      await measured(bBeside, true);
    }
    bAlone.cpuSeconds = bAloneHalves[0].cpuSeconds + bAloneHalves[1].cpuSeconds;
    bAlone.wallSeconds = bAloneHalves[0].wallSeconds + bAloneHalves[1].wallSeconds;
    return { bAlone, bAloneHalves, bBeside, a };
  } finally {
    await Promise.all([pools.a.close(), pools.b.close()]);
  }
}

const idle = await backgroundBusy();
const pinning = pinSelf();
const mocks = await startMocks(pinning, { ms: 20, jitterMs: 2 });
const servers: Server[] = [];
try {
  const setUsersLatency = (latencyMs: number) => fetch(`${mocks.urls.users}/__admin/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs }) });
  const tokens = { a: await mintToken(mocks.urls.identity, 'u_1'), b: await mintToken(mocks.urls.identity, 'u_2') };
  await setUsersLatency(USERS_ADDED_MS);
  console.log(`other work on the machine before the run: ${idle === null ? 'unknown' : `${Math.round(idle * 100)}% of all CPUs busy`}`);
  console.log(`${pinning.description}; mocks 20 ms ± 2 per call, users ${USERS_ADDED_MS} ms more; response cache off; budgets raised (A within its own)`);
  console.log(`B: ${ROUNDS} rounds of ${B_CONCURRENCY} concurrent MobileHomes, alone and 20 ms after A's ${A_BURST} concurrent MobileHomes from another address, in ${BLOCKS} alternating blocks\n`);

  const capped = await startBff(mocks.urls, {}, { timeInside: true });
  servers.push(capped);
  const withCaps = await run(capped, tokens, true);
  await stop(capped.child);
  const rows: [string, ReturnType<typeof summary>, Record<string, number> | undefined][] = [
    ['B alone', summary(withCaps.bAlone), undefined],
    ["B beside A's bursts", summary(withCaps.bBeside), withCaps.a],
  ];
  if (values.uncapped) {
    const uncapped = await startBff(mocks.urls, { IN_FLIGHT_VIEWER: '100000', IN_FLIGHT_IP: '100000' });
    servers.push(uncapped);
    const withoutCaps = await run(uncapped, tokens, false);
    await stop(uncapped.child);
    rows.push(["B beside A's bursts, caps lifted", summary(withoutCaps.bBeside), withoutCaps.a]);
  }

  console.log('| B | p50 ms | p99 ms | B incomplete | server CPU (cores) | what A got |');
  console.log('|---|---|---|---|---|---|');
  for (const [label, s, a] of rows) {
    const got = a ? Object.entries(a).map(([key, count]) => `${key}: ${count}`).join(', ') : '–';
    console.log(`| ${label} | ${round(s.p50, 1)} | ${round(s.p99, 1)} | ${s.incomplete} of ${s.samples}${s.codes.length ? ` (${s.codes.join(', ')})` : ''} | ${round(s.cpu, 2)} | ${got} |`);
  }
  const [alone, beside] = [rows[0]![1], rows[1]![1]];
  console.log(`\nB's p99 beside A's bursts / alone: ${round(beside.p99 / alone.p99, 2)}x (p50: ${round(beside.p50 / alone.p50, 2)}x)`);
  if (inside.alone.length && inside.beside.length) {
    const [a99, b99] = [percentile(inside.alone, 0.99), percentile(inside.beside, 0.99)];
    console.log(`inside the BFF (its access lines' duration_ms, downstream calls included): B's p99 alone ${round(a99, 1)} ms, beside A's bursts ${round(b99, 1)} ms: ${round(b99 / a99, 2)}x (p50 ${round(percentile(inside.beside, 0.5) / percentile(inside.alone, 0.5), 2)}x)`);
  }
  const [even, odd] = withCaps.bAloneHalves.map(summary) as [ReturnType<typeof summary>, ReturnType<typeof summary>];
  const noise = Math.max(even.p99, odd.p99) / Math.min(even.p99, odd.p99);
  console.log(`the noise: B alone in even blocks against odd blocks, p99 ${round(even.p99, 1)} and ${round(odd.p99, 1)} ms: ${round(noise, 2)}x apart`);
} finally {
  for (const server of servers) await stop(server.child);
  await stop(mocks.child);
}
