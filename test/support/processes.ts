import { stop } from '../../bench/harness/processes.ts';
import { freePort } from '../../bench/support/host.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ClientName } from '../../bffs/clients.ts';
import { DOWNSTREAM_DEFAULTS, urlVariableOf, type DownstreamName, type DownstreamUrls } from '../../bffs/kit/config.ts';
import { TEST_MOBILE_CLIENT_SECRET } from './mocks.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every variable `configFromEnv` reads: a child never inherits them from the shell that ran the tests. */
const CONFIG_VARIABLES = new Set([
  'NODE_ENV', 'PORT', 'HOST', 'LOG_LEVEL', 'DEADLINE_MS', 'DOWNSTREAM_CONNECTIONS', 'FAST_LANE', 'TRUSTED_DOCUMENTS', 'REDIS_URL',
  'WEB_ORIGINS', 'ADMIN_PORT', 'SHUTDOWN_DELAY_MS', 'KEEP_ALIVE_TIMEOUT_MS', 'HEADERS_TIMEOUT_MS', 'METRICS', 'OTEL_TRACES_EXPORTER', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'OTEL_TRACES_SAMPLER', 'OTEL_TRACES_SAMPLER_ARG', 'RATE_LIMITS', 'OPERATION_LIMITS', 'RATE_LIMIT_VIEWER', 'RATE_LIMIT_IP', 'IN_FLIGHT_VIEWER', 'IN_FLIGHT_IP',
  ...(Object.keys(DOWNSTREAM_DEFAULTS) as DownstreamName[]).map(urlVariableOf),
]);

/** Processes this test process started and has not stopped yet: killed if it exits first. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface NodeProcess {
  readonly child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export { freePort };

/** `node --import tsx <script>` from the repository root, with `env` over a copy of this process's env minus the BFF settings. */
export function spawnNode(script: string, env: Record<string, string>): NodeProcess {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !CONFIG_VARIABLES.has(key)));
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, env: { ...inherited, ADMIN_PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return {
    child,
    output: () => output,
    stop: (graceMs = 3_000) => stop(child, graceMs),
  };
}

export interface BffProcess extends NodeProcess {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
}

/**
 * One BFF as production runs it (`bffs/<client>/main.ts`, its own process) on a free port,
 * its downstream URLs pointed at `urls`; resolves once `/health` answers 200.
 */
export async function startBffProcess(
  client: ClientName,
  urls: DownstreamUrls,
  env: Record<string, string> = {},
  { timeoutMs = 20_000, port: chosen }: { timeoutMs?: number; port?: number } = {},
): Promise<BffProcess> {
  // A port chosen beforehand, when something must know it first (the provider's redirect URIs).
  const port = chosen ?? (await freePort());
  const downstream = Object.fromEntries((Object.keys(urls) as DownstreamName[]).map((name) => [urlVariableOf(name), urls[name]]));
  // The mobile BFF exchanges tokens at the test mocks' identity with their secret for it (mocks.ts).
  const node = spawnNode(`bffs/${client}/main.ts`, { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent', MOBILE_CLIENT_SECRET: TEST_MOBILE_CLIENT_SECRET, ...downstream, ...env });
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(origin, node, timeoutMs);
  } catch (error) {
    await node.stop();
    throw error;
  }
  return { ...node, origin };
}

async function waitForHealth(origin: string, node: NodeProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { exitCode, signalCode } = node.child;
    if (exitCode !== null || signalCode !== null) throw new Error(`${origin}: the process exited (${exitCode ?? signalCode}) before /health answered:\n${node.output()}`);
    try {
      const res = await fetch(`${origin}/health`, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${origin}: /health did not answer within ${timeoutMs} ms:\n${node.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
