/**
 * `npm run cluster:proof`: starts a cluster of its own (the same as `npm run cluster`, with every
 * port shifted by CLUSTER_PORT_OFFSET, default 200, so it runs beside one), puts a steady load of
 * the three homes through HAProxy, and measures:
 *
 * 1. a rolling restart of every replica under that load (failures by kind: expected none);
 * 2. `kill -9` of one replica under load (failures, against what HAProxy had in flight on it);
 * 4. Redis stopped and started under load (statuses during the outage, pids unchanged, the time
 *    from Redis being back until a session request succeeds again);
 * 3. a web session and a viewer budget that hold across replicas (run last: it rolls the web
 *    replicas onto a small RATE_LIMIT_VIEWER).
 *
 * Prints the figures and writes them to docs/cluster-results.md. docs/cluster.md explains them.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { SHUTDOWN_DELAY_MS, startCluster, type Cluster } from './cluster.ts';
import { DETECTION_MS, HAPROXY_TIMINGS, haproxyVersion } from './haproxy.ts';
import { fixedLayout } from './layout.ts';
import { countKinds, failures, startLoad, within, type Outcome, type RunningLoad } from './load.ts';
import { killReplica, rollingRestart, type RestartStep } from './operations.ts';
import { mobileHomePlan, tvHomePlan, webHomePlan } from './plans.ts';
import { SESSION_COOKIE, mobileToken, signInTv, signInWeb } from './viewers.ts';
import { documentId } from '../../test/support/documents.ts';
import { liveThroughRollingRestart } from './live.ts';

const RESULTS = fileURLToPath(new URL('../../docs/cluster-results.md', import.meta.url));
const OFFSET = Number(process.env.CLUSTER_PORT_OFFSET ?? 200);
/** Workers sending at once, one request each, a third per home. */
const CONCURRENCY = Number(process.env.PROOF_CONCURRENCY ?? 12);
const THINK_MS = Number(process.env.PROOF_THINK_MS ?? 10);
const LATENCY = { ms: process.env.MOCKS_LATENCY_MS ?? '15', jitterMs: process.env.MOCKS_JITTER_MS ?? '5' };
/** Phase 3's viewer budget, in WebHomes a minute (its cost is read off the RateLimit header). */
const BUDGET_HOMES = 10;
const REDIS_OUTAGE_MS = 5_000;
/** Phase 5: viewers (8 sockets each) and notifications a second. */
const LIVE_VIEWERS = Number(process.env.PROOF_LIVE_VIEWERS ?? 125);
const LIVE_EVENTS_PER_SECOND = Number(process.env.PROOF_LIVE_EVENTS_PER_SECOND ?? 100);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const lines: string[] = [];
const out = (line = '') => {
  lines.push(line);
  console.log(line);
};
const table = (header: string[], rows: (string | number)[][]) => {
  out(`| ${header.join(' | ')} |`);
  out(`|${header.map(() => '---').join('|')}|`);
  for (const row of rows) out(`| ${row.join(' | ')} |`);
};
const kinds = (counts: Record<string, number>) => (Object.keys(counts).length ? Object.entries(counts).map(([kind, n]) => `${n} × ${kind}`).join(', ') : 'none');
/** `["web-1", "web-2", "web-1"]` → `{ "web-1": 2, "web-2": 1 }`. */
const tally = (values: readonly string[]) => countKinds(values.map((kind) => ({ kind }) as Outcome));
const percentile = (values: number[], p: number) => {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

function summary(label: string, outcomes: readonly Outcome[], ms: number) {
  const byClient = ['web', 'mobile', 'tv'].map((client) => {
    const mine = outcomes.filter((o) => o.client === client);
    const latencies = mine.filter((o) => o.ok).map((o) => o.end - o.start);
    return [client, mine.length, mine.filter((o) => o.ok).length, kinds(countKinds(failures(mine))), percentile(latencies, 50), percentile(latencies, 99)];
  });
  out(`${label}: ${outcomes.length} requests in ${(ms / 1000).toFixed(1)} s (${Math.round(outcomes.length / (ms / 1000))}/s), ${failures(outcomes).length} failed`);
  out();
  table(['home', 'requests', '2xx', 'failed, by kind', 'p50 ms', 'p99 ms'], byClient);
  out();
}

/** Second by second from `from`: each home's answers and median latency (by when each request was sent). */
function timeline(outcomes: readonly Outcome[], from: number, to: number, marks: Record<number, string>) {
  const rows: (string | number)[][] = [];
  for (let t = from; t < to; t += 1_000) {
    const slice = outcomes.filter((o) => o.start >= t && o.start < t + 1_000);
    const cell = (client: string) => {
      const mine = slice.filter((o) => o.client === client);
      const ok = mine.filter((o) => o.ok).length;
      return `${ok}/${mine.length}, ${percentile(mine.map((o) => o.end - o.start), 50)} ms`;
    };
    const second = Math.round((t - from) / 1_000);
    rows.push([`+${second} s${marks[second] ? ` (${marks[second]})` : ''}`, cell('web'), cell('mobile'), cell('tv')]);
  }
  table(['sent at', 'web 2xx/all, p50', 'mobile 2xx/all, p50', 'tv 2xx/all, p50'], rows);
  out();
}

async function sessionRequest(cluster: Cluster, session: string) {
  const res = await fetch(`${cluster.front.web}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', cookie: `${SESSION_COOKIE}=${session}`, 'x-csrf': '1' },
    body: JSON.stringify({ documentId: documentId('web', 'WebHome') }),
  });
  const text = await res.text();
  let code: string | undefined;
  if (!res.ok) code = (JSON.parse(text) as any).errors?.[0]?.extensions?.code;
  return { status: res.status, code, servedBy: res.headers.get('x-served-by') ?? '?', rateLimit: res.headers.get('ratelimit') ?? '', retryAfter: res.headers.get('retry-after') };
}

const started = Date.now();
const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();

out('# Cluster proof: measured results');
out();
out(`Written by \`npm run cluster:proof\` (scripts/cluster/proof.ts) on ${new Date().toISOString().slice(0, 10)}, commit ${commit}; docs/cluster.md says what each figure means.`);
out();

const cluster = await startCluster({
  layout: fixedLayout({ offset: OFFSET }),
  mocksEnv: { MOCKS_LATENCY_MS: LATENCY.ms, MOCKS_JITTER_MS: LATENCY.jitterMs },
  // The load is a few dozen viewers at one address sending far more than any app does: their
  // budgets are lifted so the load measures availability; phase 3 measures a budget on its own.
  commonEnv: { RATE_LIMIT_IP: '100000000/60', RATE_LIMIT_VIEWER: '100000000/60' },
  // Phase 5's subscribers all come from this machine, through HAProxy: one address.
  env: { web: { LIVE_CONNECTIONS_PER_ADDRESS: '5000', RATE_LIMIT_SIGN_IN: '100000/60' } },
});
let load: RunningLoad | undefined;
const stopAll = async () => {
  await load?.stop().catch(() => undefined);
  await cluster.stop();
};
process.on('SIGINT', () => void stopAll().then(() => process.exit(130)));

try {
  out('## Setup');
  out();
  out(`- ${haproxyVersion()}; Node ${process.version}; ${cpus().length} CPUs shared by everything below (and other work on the machine)`);
  out(`- ${cluster.replicas.length} replicas (${cluster.replicas.map((r) => r.id).join(', ')}), each \`bffs/<client>/main.ts\` in its own process, NODE_ENV=production, REDIS_URL on the cluster's own redis-server, SHUTDOWN_DELAY_MS=${SHUTDOWN_DELAY_MS}`);
  out(`- HAProxy: /ready checked every ${HAPROXY_TIMINGS.checkInterMs} ms (fall ${HAPROXY_TIMINGS.fall}, rise ${HAPROXY_TIMINGS.rise}; out of rotation within ${DETECTION_MS} ms at the latest), retries ${HAPROXY_TIMINGS.retries} with redispatch, retry-on conn-failure (and empty-response for GET only)`);
  out(`- mocks: ${LATENCY.ms} ms ± ${LATENCY.jitterMs} ms per downstream call`);

  const identity = cluster.mocks.urls.identity;
  const [mobileTokens, webSessions, tvSessions] = await Promise.all([
    Promise.all(Array.from({ length: 50 }, (_, i) => mobileToken(identity, `u_${i + 1}`))),
    Promise.all(Array.from({ length: 4 }, (_, i) => signInWeb(cluster.front.web!, `u_${101 + i}`).then((signedIn) => signedIn.sessionId))),
    Promise.all(Array.from({ length: 3 }, (_, i) => signInTv(cluster.front.tv!, `u_${201 + i}`, `Proof TV ${i + 1}`))),
  ]);
  out(`- load: ${CONCURRENCY} workers through HAProxy (a third each on MobileHome, WebHome, TvHome; POST by trusted-document id, as the SDKs send; ${THINK_MS} ms between a worker's answer and its next request), for 50 mobile viewers (bearer tokens of the mobile audience), 4 web sessions (signed in through HAProxy) and 3 TV device sessions`);
  out();

  load = startLoad({ fronts: cluster.front, plans: [mobileHomePlan(mobileTokens), webHomePlan(webSessions), tvHomePlan(tvSessions)], concurrency: CONCURRENCY, thinkMs: THINK_MS });
  const steadyFrom = Date.now();
  await sleep(5_000);
  const steadyTo = Date.now();
  out('## Steady state (before anything happens)');
  out();
  summary('Steady load', within(load.outcomes, steadyFrom, steadyTo), steadyTo - steadyFrom);

  // 1. Rolling restart.
  out('## 1. Rolling restart of every replica under load');
  out();
  out('Each replica in turn: SIGTERM, wait for it to exit, start it again, wait until its /ready answers 200 and HAProxy has it UP, then the next.');
  out();
  const rollFrom = Date.now();
  const eventsBefore = cluster.haproxy.events.length;
  const steps: RestartStep[] = await rollingRestart(cluster, cluster.replicas.map((r) => r.id), (step) => console.error(`  restarted ${step.id}: exit ${step.exit.signal ?? step.exit.code} after ${step.exit.ms} ms`));
  await sleep(1_000);
  const rollTo = Date.now();
  table(
    ['replica', 'pid before → after', 'exit', 'SIGTERM → exit', 'SIGTERM → HAProxy DOWN', 'start → /ready', '/ready → HAProxy UP'],
    steps.map((s) => [s.id, `${s.oldPid} → ${s.newPid}`, s.exit.signal ?? `code ${s.exit.code}`, `${s.exit.ms} ms`, s.downAfterMs === undefined ? 'after the exit' : `${s.downAfterMs} ms`, `${s.startMs} ms`, `${s.upMs} ms`]),
  );
  out();
  summary('During the rolling restart', within(load.outcomes, rollFrom, rollTo), rollTo - rollFrom);
  const downReasons = cluster.haproxy.events.slice(eventsBefore).map((e) => e.line).filter((line) => /is DOWN/.test(line));
  out(`HAProxy's reasons for taking replicas out: ${kinds(tally(downReasons.map((line) => /reason: ([^,]+(?:, code: \d+)?)/.exec(line)?.[1] ?? line)))}`);
  out();

  // 2. kill -9.
  out('## 2. kill -9 of one replica under load');
  out();
  await sleep(2_000);
  const victim = 'web-1';
  const kill = await killReplica(cluster, victim);
  await cluster.haproxy.waitFor(victim, 'DOWN', 5_000);
  const downAt = Date.now();
  await sleep(1_000);
  const killWindow = within(load.outcomes, kill.at - 100, Date.now());
  const killFailures = failures(load.outcomes.filter((o) => o.end >= kill.at - 100));
  const lateFailures = killFailures.filter((o) => o.start > kill.exitedAt);
  out(`${victim} (pid ${kill.pid}) got SIGKILL while HAProxy had **${kill.inFlight}** request(s) in flight on it (${kill.frozenScur} on it when it was frozen for the read, and ${kill.sentWhileDying} that HAProxy gave it until the process was gone ${kill.exitedAt - kill.at} ms later).`);
  out();
  out(`- failed: **${killFailures.length}** (${kinds(countKinds(killFailures))}), of ${killWindow.length} requests from the kill until 1 s after HAProxy marked it DOWN (${downAt - kill.at} ms after the kill)`);
  out(`- failures among requests sent after the process was gone: ${lateFailures.length}`);
  out(`- requests HAProxy retried on web-2 after a refused connection (log: %rc with redispatch): ${cluster.haproxy.requests.filter((r) => r.start >= kill.at && r.server === 'web-2' && r.retries.startsWith('+')).length}`);
  out();
  const restartedAt = Date.now();
  await cluster.replica(victim).start();
  await cluster.haproxy.waitFor(victim, 'UP');
  out(`${victim} started again and was back in rotation ${Date.now() - restartedAt} ms later.`);
  out();

  // 4. Redis outage (before 3, which changes the web replicas' budget).
  out('## 4. Redis stopped and started under load');
  out();
  await sleep(2_000);
  const pidsBefore = cluster.replicas.map((r) => r.pid());
  const probeSession = webSessions[0]!;
  const stopAt = Date.now();
  await cluster.redis.stop();
  const stoppedAt = Date.now();
  await sleep(REDIS_OUTAGE_MS);
  const restartAt = Date.now();
  await cluster.redis.start();
  const backAt = Date.now();
  // The first session request that succeeds again (the web BFF reads the session from Redis).
  let recoveredAt: number | undefined;
  let probes = 0;
  const probeStatuses: Record<string, number> = {};
  while (Date.now() - backAt < 30_000) {
    const answer = await sessionRequest(cluster, probeSession);
    probes++;
    const key = `${answer.status}${answer.code ? ` ${answer.code}` : ''}`;
    probeStatuses[key] = (probeStatuses[key] ?? 0) + 1;
    if (answer.status === 200) {
      recoveredAt = Date.now();
      break;
    }
    await sleep(50);
  }
  await sleep(5_000);
  const afterTo = Date.now();
  const pidsAfter = cluster.replicas.map((r) => r.pid());
  out(`Redis stopped (SHUTDOWN SAVE) at +0 ms, gone after ${stoppedAt - stopAt} ms, started again ${restartAt - stopAt} ms after the stop (answering PING ${backAt - restartAt} ms later).`);
  out();
  summary('During the outage', within(load.outcomes, stopAt, backAt), backAt - stopAt);
  const webAfter = load.outcomes.filter((o) => o.client === 'web' && o.ok && o.start >= backAt);
  const firstPerReplica = ['web-1', 'web-2'].map((id) => webAfter.find((o) => o.servedBy === id)?.end);
  out(`- replicas' pids unchanged: **${pidsBefore.every((pid, i) => pid === pidsAfter[i]) ? 'yes' : 'NO'}** (${cluster.replicas.map((r, i) => `${r.id} ${pidsAfter[i]}`).join(', ')})`);
  out(`- a session request (WebHome with the cookie, through HAProxy) succeeded again **${recoveredAt ? `${recoveredAt - backAt} ms` : 'never (30 s)'}** after Redis answered PING (${probes} probes, 50 ms apart: ${kinds(probeStatuses)})`);
  out(`- the load's first web 200 after Redis was back, per replica: ${firstPerReplica.map((at, i) => `web-${i + 1} +${at === undefined ? '?' : at - backAt} ms`).join(', ')}`);
  out();
  summary('The 5 s after Redis was back', within(load.outcomes, backAt, afterTo), afterTo - backAt);
  out('Second by second, from 2 s before the stop:');
  out();
  timeline(load.outcomes, stopAt - 2_000, afterTo - 1_000, { 2: 'Redis stopped', [Math.round((backAt - stopAt) / 1_000) + 2]: 'Redis back' });

  const outcomes = await load.stop();
  load = undefined;
  out(`Whole run under load: ${outcomes.length} requests, ${failures(outcomes).length} failed (${kinds(countKinds(failures(outcomes)))}).`);
  out();

  // 5. Live updates through a rolling restart (before 3, which rolls the web replicas onto a small budget).
  out('## 5. Live updates through a rolling restart of both web replicas');
  out();
  const live = await liveThroughRollingRestart(cluster, { viewers: LIVE_VIEWERS, perViewer: 8, eventsPerSecond: LIVE_EVENTS_PER_SECOND, firstUser: 601 });
  out(`${live.clients} WebSocket subscribers (${LIVE_VIEWERS} viewers signed in through HAProxy, 8 sockets each, notificationsChanged), ${LIVE_EVENTS_PER_SECOND} notifications a second written at the service (Redis Streams) while web-1 then web-2 were restarted (${live.steps.map((s) => `${s.id} exited ${s.exit.signal ?? s.exit.code} after ${s.exit.ms} ms`).join(', ')}). Each client resumes with \`after\` (the last event id it received) when its socket closes.`);
  out();
  table(['figure', 'value'], [
    ['events written', live.written],
    ['socket closes, by code', kinds(Object.fromEntries(Object.entries(live.closes).map(([code, n]) => [code, n])))],
    ['subscribes refused, by code (the temporary ones sent again after a pause)', kinds(live.refusals)],
    ['reconnects (each resumed with after)', live.reconnects],
    ['deliveries expected (each client × its viewer\'s events)', live.expected],
    ['delivered', live.received],
    ['**lost**', `**${live.lost}**`],
    ['**duplicated**', `**${live.duplicates}**`],
    ['clients subscribed at the end', `${live.stillOpen} of ${live.clients}`],
  ]);
  out();

  // 3. Session and budget across replicas.
  out('## 3. A session and a viewer budget across the two web replicas');
  out();
  const signedIn = await signInWeb(cluster.front.web!, 'u_500');
  const spread: Record<string, number> = {};
  const sessionStatuses: Record<string, number> = {};
  const remaining: number[] = [];
  for (let i = 0; i < 10; i++) {
    const answer = await sessionRequest(cluster, signedIn.sessionId);
    spread[answer.servedBy] = (spread[answer.servedBy] ?? 0) + 1;
    sessionStatuses[answer.status] = (sessionStatuses[answer.status] ?? 0) + 1;
    remaining.push(Number(/"viewer";r=(\d+)/.exec(answer.rateLimit)?.[1]));
  }
  // What one WebHome spends: the step between two answers' remaining viewer budget (one budget in Redis for both replicas).
  const cost = remaining[0]! - remaining[1]!;
  out(`Signed in once on web (u_500): /auth/login answered by ${signedIn.servedBy.login}, /auth/callback by ${signedIn.servedBy.callback}. Then 10 WebHome requests with that cookie: ${kinds(sessionStatuses)}, served by ${kinds(spread)}.`);
  out();
  // Roll the web replicas onto a budget of ten homes a minute.
  const budget = BUDGET_HOMES * cost;
  for (const id of ['web-1', 'web-2']) {
    await cluster.replica(id).terminate();
    await cluster.replica(id).start({ RATE_LIMIT_VIEWER: `${budget}/60` });
    await cluster.haproxy.waitFor(id, 'UP');
  }
  // GET /auth/session reads the session without spending the viewer budget (u_500 spent 10 homes already).
  const survived: string[] = [];
  for (let i = 0; i < 2; i++) {
    const res = await fetch(`${cluster.front.web}/auth/session`, { headers: { cookie: `${SESSION_COOKIE}=${signedIn.sessionId}`, 'x-csrf': '1' } });
    const body = (await res.json()) as { signedIn: boolean; user?: { id: string } };
    survived.push(`${res.status} ${body.signedIn ? `signed in as ${body.user?.id}` : 'signed out'} (${res.headers.get('x-served-by')})`);
  }
  out(`Both web replicas were then replaced (rolled onto RATE_LIMIT_VIEWER=${budget}/60: WebHome costs ${cost}, so ten a minute); the same cookie on the new processes, GET /auth/session: ${survived.join('; ')}.`);
  out();
  const spender = await signInWeb(cluster.front.web!, 'u_501');
  const spent: { status: number; servedBy: string; rateLimit: string; retryAfter: string | null }[] = [];
  for (let i = 0; i < 3 * BUDGET_HOMES; i++) spent.push(await sessionRequest(cluster, spender.sessionId));
  const admitted = spent.filter((a) => a.status === 200);
  const admittedBy = tally(admitted.map((a) => a.servedBy));
  const refusedBy = tally(spent.filter((a) => a.status === 429).map((a) => a.servedBy));
  out(`A fresh viewer (u_501) sent ${spent.length} WebHomes one after another, alternating between the replicas: **${admitted.length} admitted** (${kinds(admittedBy)}), ${spent.length - admitted.length} refused 429 (${kinds(refusedBy)}; Retry-After ${spent.find((a) => a.status === 429)?.retryAfter ?? '-'} s). One budget is ${BUDGET_HOMES} homes; two budgets (one per replica, as without Redis) would have admitted ${2 * BUDGET_HOMES}.`);
  out();
  out(`RateLimit on the admitted answers, in order: ${admitted.map((a) => `${a.servedBy} r=${/"viewer";r=(\d+)/.exec(a.rateLimit)?.[1]}`).join(', ')}`);
  out();
  out(`The proof took ${Math.round((Date.now() - started) / 1000)} s.`);
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, `${lines.join('\n')}\n`);
  console.error(`\nwritten to ${RESULTS}`);
} finally {
  await stopAll();
}
