/**
 * What compose.yaml must be: every BFF replica configured with the README's variables and the
 * production secrets its Kubernetes overlay has, two replicas each behind HAProxy on the product's
 * ports, a stop grace period that holds the shutdown, no admin port published.
 */
import { parse } from 'yaml';
import { isDocumented } from './documented-variables.ts';
import type { DeployContext } from './context.ts';
import { entryFileProblems } from './image-rules.ts';
import type { K8sObject } from './kustomize.ts';
import { requiredGraceSeconds, shutdownDelayMs } from './shutdown-rule.ts';

interface ComposeService {
  command?: string[] | string;
  environment?: Record<string, string | number | null> | string[];
  ports?: (string | { published?: string | number; target?: number })[];
  deploy?: { replicas?: number };
  stop_grace_period?: string;
  image?: string;
}

/** compose.yaml with its `<<` merge keys resolved, as compose reads it. */
export const parseCompose = (text: string) => parse(text, { merge: true }) as { services?: Record<string, ComposeService> };

export function composeProblems(composeText: string, haproxyConfig: string, overlays: Map<string, K8sObject[]>, context: DeployContext): string[] {
  const problems: string[] = [];
  const services = parseCompose(composeText).services ?? {};
  const adminPorts = new Set(Object.values(context.defaultPort).map((port) => port + 90));

  for (const [name, service] of Object.entries(services)) {
    const fail = (message: string) => problems.push(`compose.yaml ${name}: ${message}`);
    const env = environment(service);
    const command = typeof service.command === 'string' ? undefined : service.command;
    if (typeof service.command === 'string') fail('command should be a list (exec form), not a string run by a shell');
    const client = /^bffs\/([a-z]+)\/main\.js$/.exec(command?.at(-1) ?? '')?.[1];
    if (command && service.image === 'concierge:local') problems.push(...entryFileProblems(`compose.yaml ${name}`, command, context));
    for (const published of (service.ports ?? []).map(publishedPort)) {
      if (adminPorts.has(published) || (env.ADMIN_PORT && Number(env.ADMIN_PORT) === published)) fail(`publishes admin port ${published}, which must never be reachable from outside`);
    }
    if (name === 'mocks') {
      for (const variable of Object.keys(env)) if (!isDocumented(context.mocksDocumented, variable)) fail(`${variable} is not in downstream-mocks/README.md's Environment table`);
    }
    if (!client) continue;

    for (const variable of Object.keys(env)) if (!isDocumented(context.documented, variable)) fail(`${variable} is not a variable of README.md's Configuration table`);
    if ((service.ports ?? []).length) fail('a BFF replica publishes ports; only HAProxy should');
    // Compose configures nothing production does not, and has every secret production needs.
    const overlay = overlays.get(client);
    if (overlay) {
      const production = overlayVariables(overlay);
      for (const variable of Object.keys(env)) if (!production.all.has(variable)) fail(`${variable} is set here but not in deploy/kubernetes/overlays/${client}`);
      for (const variable of production.secret) if (!(variable in env)) fail(`${variable} is in ${client}'s Kubernetes Secret but not set here`);
    }
    const replicas = service.deploy?.replicas ?? 1;
    if (replicas < 2) fail(`runs ${replicas} replica(s); compose.yaml is for multi-replica runs (2)`);
    const grace = durationSeconds(service.stop_grace_period ?? '10s');
    const needed = requiredGraceSeconds({ preStopSeconds: 0, delayMs: shutdownDelayMs(env), deadlineMs: env.DEADLINE_MS ? Number(env.DEADLINE_MS) : context.deadlineMs[client] ?? 0 });
    if (grace < needed) fail(`stop_grace_period ${grace} s < ${needed} s (SHUTDOWN_DELAY_MS + deadline + margin)`);

    // HAProxy: the client's port, balanced over this service's replicas on the port they listen on.
    const port = Number(env.PORT ?? context.defaultPort[client]);
    const template = new RegExp(`^\\s*server-template\\s+\\S+\\s+(\\d+)\\s+${name}:(\\d+)\\b`, 'm').exec(haproxyConfig);
    if (!template) fail(`deploy/compose/haproxy.cfg has no server-template for ${name}`);
    else if (Number(template[1]) !== replicas || Number(template[2]) !== port) fail(`haproxy.cfg balances ${template[1]} × ${name}:${template[2]}, but compose runs ${replicas} listening on ${port}`);
    const productPort = context.defaultPort[client];
    if (!new RegExp(`^\\s*bind\\s+\\S*:${productPort}\\b`, 'm').test(haproxyConfig)) fail(`haproxy.cfg does not bind ${client}'s port ${productPort}`);
    if (!(services.haproxy?.ports ?? []).map(publishedPort).includes(productPort!)) fail(`the haproxy service does not publish ${client}'s port ${productPort}`);
  }
  return problems;
}

function environment(service: ComposeService): Record<string, string> {
  const raw = service.environment ?? {};
  if (Array.isArray(raw)) return Object.fromEntries(raw.map((entry) => [entry.split('=')[0]!, entry.split('=').slice(1).join('=')]));
  return Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, value === null ? '' : String(value)]));
}

function overlayVariables(objects: K8sObject[]): { all: Set<string>; secret: Set<string> } {
  const all = new Set<string>();
  const secret = new Set<string>();
  for (const object of objects as { kind: string; data?: object; stringData?: object; spec?: { template?: { spec?: { containers?: { env?: { name: string }[] }[] } } } }[]) {
    const keys = [...Object.keys(object.data ?? {}), ...Object.keys(object.stringData ?? {})];
    if (object.kind === 'ConfigMap' || object.kind === 'Secret') keys.forEach((key) => all.add(key));
    if (object.kind === 'Secret') keys.forEach((key) => secret.add(key));
    for (const container of object.spec?.template?.spec?.containers ?? []) for (const variable of container.env ?? []) all.add(variable.name);
  }
  return { all, secret };
}

function publishedPort(port: string | { published?: string | number }): number {
  if (typeof port === 'object') return Number(port.published);
  const parts = String(port).split(':');
  return Number(parts.length >= 2 ? parts.at(-2) : parts[0]);
}

function durationSeconds(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) return 0;
  const value = Number(match[1]);
  return match[2] === 'ms' ? value / 1000 : match[2] === 'm' ? value * 60 : value;
}
