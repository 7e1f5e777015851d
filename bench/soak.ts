/**
 * `npm run soak` (not part of `npm test`): minutes of load on the web BFF while the reviews
 * service misbehaves, alternating every 20 s between flaky (resets, 503s, added latency) and
 * hanging. It samples the BFF process's memory, open file descriptors and sockets, and says
 * whether they stayed bounded. SOAK_SECONDS sets the length (default 180).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { urlVariableOf, type DownstreamName } from '../bffs/kit/config.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECONDS = Number(process.env.SOAK_SECONDS ?? 180);
const PHASE_SECONDS = 20;
const CONNECTIONS = 32;
const BFF_PORT = 4600;

const FLAKY = { reset: true, resetRate: 0.2, errorStatus: 503, errorRate: 0.3, latencyMs: 50 };
const HANGING = { hang: true };

function startChild(entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', entry], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'inherit'] });
}

async function firstLine(child: ChildProcess): Promise<string> {
  for await (const line of createInterface({ input: child.stdout! })) return line;
  throw new Error('child exited before printing');
}

function sample(pid: number) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)![1]);
  const fds = readdirSync(`/proc/${pid}/fd`);
  const sockets = fds.filter((fd) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:');
    } catch {
      return false;
    }
  }).length;
  return { rssMb: Math.round(rssKb / 102.4) / 10, fds: fds.length, sockets };
}

const mocks = startChild('bench/support/mocks-process.ts', {});
const { urls } = JSON.parse(await firstLine(mocks)) as { urls: Record<DownstreamName, string> };
const urlEnv = Object.fromEntries(Object.entries(urls).map(([name, url]) => [urlVariableOf(name as DownstreamName), url]));
// The soak weighs memory and sockets under faults, not refusals: budgets raised so its one viewer is admitted.
const bff = startChild('bffs/web/main.ts', { ...urlEnv, PORT: String(BFF_PORT), LOG_LEVEL: 'silent', RATE_LIMIT_VIEWER: '1000000000/60', RATE_LIMIT_IP: '1000000000/60', IN_FLIGHT_VIEWER: String(CONNECTIONS), IN_FLIGHT_IP: String(CONNECTIONS) });
await firstLine(bff);

const token = ((await (await fetch(`${urls.identity}/dev/token`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ sub: 'u_1', ttlSeconds: SECONDS + 600 }),
})).json()) as { access_token: string }).access_token;
const setFaults = (faults: object) =>
  fetch(`${urls.reviews}/__admin/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });

const samples: (ReturnType<typeof sample> & { t: number; phase: string })[] = [];
let phase = 'flaky';
await setFaults(FLAKY);
const started = Date.now();
const phaseTimer = setInterval(() => {
  phase = phase === 'flaky' ? 'hanging' : 'flaky';
  void setFaults(phase === 'flaky' ? FLAKY : HANGING);
}, PHASE_SECONDS * 1000);
const sampleTimer = setInterval(() => samples.push({ t: Math.round((Date.now() - started) / 1000), phase, ...sample(bff.pid!) }), 5_000);

const result = await autocannon({
  url: `http://127.0.0.1:${BFF_PORT}/graphql`,
  method: 'POST',
  connections: CONNECTIONS,
  duration: SECONDS,
  headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  body: JSON.stringify({ query: readFileSync(`${ROOT}/bffs/web/operations/WebHome.graphql`, 'utf8') }),
});
clearInterval(phaseTimer);
clearInterval(sampleTimer);

// Bounded means the last third of the run sits no higher than the middle third, within a margin:
// medians, because a single sample can catch the heap just before a collection.
const third = Math.floor(samples.length / 3);
const middle = samples.slice(third, 2 * third);
const last = samples.slice(2 * third);
const max = (xs: number[]) => Math.max(...xs);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const report = {
  seconds: SECONDS,
  requests: result.requests.total,
  requestsPerSecond: result.requests.average,
  status2xx: result['2xx'],
  non2xx: result.non2xx,
  statuses: Object.fromEntries(Object.entries(result.statusCodeStats).map(([status, { count }]) => [status, count])),
  errors: result.errors,
  timeouts: result.timeouts,
  latencyP50Ms: result.latency.p50,
  latencyP99Ms: result.latency.p99,
  latencyMaxMs: result.latency.max,
  rssMb: { first: samples[0]?.rssMb, max: max(samples.map((s) => s.rssMb)), middleMedian: median(middle.map((s) => s.rssMb)), lastMedian: median(last.map((s) => s.rssMb)) },
  sockets: { max: max(samples.map((s) => s.sockets)), middleMedian: median(middle.map((s) => s.sockets)), lastMedian: median(last.map((s) => s.sockets)) },
  fds: { max: max(samples.map((s) => s.fds)) },
};
const bounded = report.rssMb.lastMedian <= report.rssMb.middleMedian * 1.15 && report.sockets.lastMedian <= report.sockets.middleMedian + CONNECTIONS;

console.table(samples);
console.log(`memory and sockets ${bounded ? 'stayed bounded' : 'GREW'}`);
console.log(JSON.stringify({ bounded, ...report }));

bff.kill('SIGTERM');
mocks.kill('SIGTERM');
process.exit(bounded ? 0 : 1);
