/**
 * What a rendered overlay must be for this project, beyond its schema: the variables are the
 * README's, the probes and the Service use the named ports, the grace period holds the shutdown,
 * the autoscaler and the disruption budget act on this Deployment's pods and no other client's.
 */
import { isDocumented } from './documented-variables.ts';
import { CLIENT_NODE_FLAGS } from '../../bffs/kit/server/node-flags.ts';
import { entryFileProblems } from './image-rules.ts';
import type { DeployContext } from './context.ts';
import type { K8sObject } from './kustomize.ts';
import { requiredGraceSeconds, shutdownDelayMs } from './shutdown-rule.ts';
import type { JsonObject } from './strategic-merge.ts';

type Labels = Record<string, string>;
/** Rendered YAML, already held to its schema. */
type Any = any;

const selects = (selector: Labels | undefined, labels: Labels | undefined) =>
  !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels?.[key] === value);

const PLACEHOLDER = 'REPLACE_ME';

/** The problems of one client's rendered overlay; `client` is the overlay's directory name. */
export function overlayProblems(client: string, objects: K8sObject[], context: DeployContext): string[] {
  const problems: string[] = [];
  const fail = (message: string) => problems.push(`${client}: ${message}`);
  const ofKind = (kind: string) => objects.filter((object) => object.kind === kind) as Any[];
  const one = (kind: string): Any | undefined => {
    const found = ofKind(kind);
    if (found.length !== 1) fail(`expected one ${kind}, rendered ${found.length}`);
    return found[0];
  };
  if (!(client in context.deadlineMs)) fail(`overlays/${client} names no client of bffs/clients.ts`);

  const deployment = one('Deployment');
  const service = one('Service');
  const hpa = one('HorizontalPodAutoscaler');
  const pdb = one('PodDisruptionBudget');
  if (!deployment) return problems;

  const name = deployment.metadata.name as string;
  const pod = deployment.spec.template.spec;
  const podLabels: Labels = deployment.spec.template.metadata?.labels ?? {};
  const containers: Any[] = pod.containers ?? [];
  if (containers.length !== 1) fail(`the pod should run one container, it runs ${containers.length}`);
  const container = containers[0] ?? {};

  // The command: the image's entrypoint (tini, node, the flags), then this client's own node flags and compiled main.js.
  const expected = [...(CLIENT_NODE_FLAGS[client] ?? []), `bffs/${client}/main.js`];
  if (container.command) fail('the container sets `command`, which replaces the image entrypoint and its node flags; set `args` only');
  if (JSON.stringify(container.args) !== JSON.stringify(expected)) fail(`args should be ${JSON.stringify(expected)}${expected.length > 1 ? ` (${client}'s node flags from bffs/kit/server/node-flags.ts, then its entry file)` : ''}, got ${JSON.stringify(container.args)}`);
  else for (const problem of entryFileProblems('args', container.args, context)) fail(problem);

  // The environment: every name documented, every reference resolved, every secret a placeholder.
  const env: Record<string, string | undefined> = {};
  for (const source of container.envFrom ?? []) {
    const ref = source.configMapRef ?? source.secretRef;
    const kind = source.configMapRef ? 'ConfigMap' : 'Secret';
    const target = ofKind(kind).find((object) => object.metadata.name === ref?.name);
    if (!target) {
      fail(`envFrom names ${kind} ${ref?.name}, which this overlay does not render`);
      continue;
    }
    const values = kind === 'ConfigMap' ? target.data ?? {} : { ...decode(target.data), ...(target.stringData ?? {}) };
    Object.assign(env, values);
  }
  for (const variable of container.env ?? []) env[variable.name] = variable.value;
  for (const variable of Object.keys(env)) {
    if (!isDocumented(context.documented, variable)) fail(`${variable} is not a variable of README.md's Configuration table`);
  }
  for (const secret of ofKind('Secret')) {
    for (const [key, value] of Object.entries({ ...decode(secret.data), ...(secret.stringData ?? {}) })) {
      if (!String(value).includes(PLACEHOLDER)) fail(`Secret ${secret.metadata.name} holds a value for ${key} that is not a ${PLACEHOLDER} placeholder: real secrets never go in this repository`);
    }
  }

  // Ports: `http` is PORT, `admin` is ADMIN_PORT (default PORT + 90), and Prometheus scrapes `admin`.
  const ports: Any[] = container.ports ?? [];
  const port = (portName: string) => ports.find((p) => p.name === portName)?.containerPort as number | undefined;
  const httpPort = port('http');
  const adminPort = port('admin');
  const expectedPort = Number(env.PORT ?? context.defaultPort[client]);
  const expectedAdmin = env.ADMIN_PORT === undefined ? expectedPort + 90 : Number(env.ADMIN_PORT);
  if (httpPort !== expectedPort) fail(`container port "http" is ${httpPort}, but the BFF listens on PORT ${expectedPort}`);
  if (adminPort !== expectedAdmin) fail(`container port "admin" is ${adminPort}, but ADMIN_PORT is ${expectedAdmin}`);
  const annotations: Labels = deployment.spec.template.metadata?.annotations ?? {};
  if (annotations['prometheus.io/scrape'] !== 'true' || annotations['prometheus.io/port'] !== String(adminPort) || annotations['prometheus.io/path'] !== '/metrics') {
    fail(`the pod's prometheus.io annotations should scrape /metrics on the admin port ${adminPort}, got ${JSON.stringify(annotations)}`);
  }

  // Probes on the named port: liveness /health, readiness /ready (startup, if any, /health).
  const probe = (probeName: string, path: string, required: boolean) => {
    const get = container[probeName]?.httpGet;
    if (!get && !required) return;
    if (get?.path !== path || get?.port !== 'http') fail(`${probeName} should GET ${path} on the port named "http", got ${JSON.stringify(get ?? container[probeName])}`);
  };
  probe('livenessProbe', '/health', true);
  probe('readinessProbe', '/ready', true);
  probe('startupProbe', '/health', false);

  // The shutdown timing rule (shutdown-rule.ts).
  const deadlineMs = env.DEADLINE_MS ? Number(env.DEADLINE_MS) : context.deadlineMs[client] ?? 0;
  const preStopSeconds = preStopSleepSeconds(container.lifecycle?.preStop);
  const grace = pod.terminationGracePeriodSeconds ?? 30;
  if (preStopSeconds === undefined) fail(`the container needs a preStop sleep (exec ["sleep", "<seconds>"] or sleep.seconds), got ${JSON.stringify(container.lifecycle?.preStop)}`);
  else {
    const needed = requiredGraceSeconds({ preStopSeconds, delayMs: shutdownDelayMs(env), deadlineMs });
    if (grace < needed) fail(`terminationGracePeriodSeconds ${grace} < ${needed}: preStop ${preStopSeconds} s + SHUTDOWN_DELAY_MS ${shutdownDelayMs(env)} + deadline ${deadlineMs} ms + margin`);
  }

  // Security: non-root (the image's user), read-only root with a writable /tmp for whatever needs a temporary file.
  const uid = imageUid(context);
  if (pod.securityContext?.runAsNonRoot !== true) fail('the pod needs securityContext.runAsNonRoot: true');
  if (uid !== undefined && pod.securityContext?.runAsUser !== undefined && pod.securityContext.runAsUser !== uid) fail(`runAsUser ${pod.securityContext.runAsUser} is not the image's user ${uid}`);
  if (container.securityContext?.allowPrivilegeEscalation !== false) fail('the container needs allowPrivilegeEscalation: false');
  if (container.securityContext?.readOnlyRootFilesystem === true) {
    const tmp = (container.volumeMounts ?? []).find((mount: Any) => mount.mountPath === '/tmp');
    const volume = (pod.volumes ?? []).find((v: Any) => v.name === tmp?.name);
    if (!volume?.emptyDir) fail('a read-only root filesystem needs an emptyDir at /tmp, the one writable place for a temporary file');
  }
  for (const kind of ['requests', 'limits']) {
    for (const resource of ['cpu', 'memory']) if (!container.resources?.[kind]?.[resource]) fail(`the container needs resources.${kind}.${resource}`);
  }

  // The Deployment's own selector, and its version label for DEPLOY_ID.
  const selector: Labels = deployment.spec.selector?.matchLabels ?? {};
  if (!selects(selector, podLabels)) fail(`the Deployment's selector ${JSON.stringify(selector)} does not select its own pods ${JSON.stringify(podLabels)}`);
  if ('app.kubernetes.io/version' in selector) fail('the version label must not be in the selector: a selector is immutable, so the next version could not be applied');
  if (deployment.spec.replicas !== undefined && hpa) fail('spec.replicas is set while an HPA owns the count: every apply would reset it');
  const deployIdLabel = /^metadata\.labels\['(.+)'\]$/.exec((container.env ?? []).find((v: Any) => v.name === 'DEPLOY_ID')?.valueFrom?.fieldRef?.fieldPath ?? '')?.[1];
  const tag = /:([^:/@]+)$/.exec(container.image ?? '')?.[1];
  if (deployIdLabel && podLabels[deployIdLabel] !== tag) fail(`DEPLOY_ID comes from the pod label ${deployIdLabel} (${podLabels[deployIdLabel]}), which should be the image tag ${tag}`);

  if (service) {
    if (!selects(service.spec.selector, podLabels)) fail(`Service ${service.metadata.name} selects ${JSON.stringify(service.spec.selector)}, not this Deployment's pods`);
    for (const servicePort of service.spec.ports ?? []) {
      if (servicePort.targetPort !== 'http') fail(`Service port ${servicePort.name ?? servicePort.port} should target the port named "http" (never "admin"), got ${servicePort.targetPort}`);
    }
  }
  if (hpa) {
    const target = hpa.spec.scaleTargetRef;
    if (target.apiVersion !== 'apps/v1' || target.kind !== 'Deployment' || target.name !== name) fail(`the HPA scales ${JSON.stringify(target)}, not Deployment ${name}`);
    if ((hpa.spec.minReplicas ?? 1) < 2) fail('the HPA needs minReplicas >= 2, so a disruption leaves one pod serving');
    const usesCpu = (hpa.spec.metrics ?? []).some((metric: Any) => metric.resource?.name === 'cpu' && metric.resource?.target?.type === 'Utilization');
    if (usesCpu && !container.resources?.requests?.cpu) fail('the HPA scales on CPU utilization, which needs a CPU request');
  }
  if (pdb) {
    const pdbSelector = pdb.spec.selector?.matchLabels;
    if (JSON.stringify(sorted(pdbSelector)) !== JSON.stringify(sorted(selector))) fail(`the PodDisruptionBudget selects ${JSON.stringify(pdbSelector)}, not the Deployment's ${JSON.stringify(selector)}`);
    const maxUnavailable = pdb.spec.maxUnavailable;
    if (typeof maxUnavailable === 'number' && hpa && (hpa.spec.minReplicas ?? 1) - maxUnavailable < 1) fail('at the HPA minimum the PodDisruptionBudget may evict every pod');
    if (maxUnavailable === undefined && pdb.spec.minAvailable === undefined) fail('the PodDisruptionBudget sets neither maxUnavailable nor minAvailable');
  }

  // The admin port serves /metrics without authentication: Prometheus scrapes the pod's address,
  // so the BFF must bind it beyond loopback (ADMIN_HOST), and then a NetworkPolicy must let only
  // the scraper reach it.
  const adminHost = env.ADMIN_HOST ?? '127.0.0.1';
  if (/^(127\.|::1$|localhost$)/.test(adminHost)) fail(`ADMIN_HOST is ${adminHost}: Prometheus scrapes the pod's address, so the admin port must listen on it (ADMIN_HOST=0.0.0.0, with the NetworkPolicy)`);
  const policy = one('NetworkPolicy');
  if (policy) for (const problem of networkPolicyProblems(policy, podLabels, adminPort, httpPort)) fail(problem);
  return problems;
}

/**
 * A NetworkPolicy that covers this Deployment's pods: `http` open, `admin` open only to peers
 * picked by both a namespace and a pod selector (the scraper), never to everyone.
 */
function networkPolicyProblems(policy: Any, podLabels: Labels, adminPort: number | undefined, httpPort: number | undefined): string[] {
  const problems: string[] = [];
  const id = `NetworkPolicy ${policy.metadata.name}`;
  if (!selects(policy.spec.podSelector?.matchLabels, podLabels)) problems.push(`${id} selects ${JSON.stringify(policy.spec.podSelector)}, not this Deployment's pods`);
  if (!(policy.spec.policyTypes ?? []).includes('Ingress')) problems.push(`${id} has no Ingress policy type: every port, admin included, stays open`);
  const opens = (rule: Any, name: string, number: number | undefined) =>
    !rule.ports?.length || rule.ports.some((p: Any) => p.port === undefined || p.port === name || (typeof p.port === 'number' && number !== undefined && (p.endPort ? number >= p.port && number <= p.endPort : p.port === number)));
  const nonEmpty = (selector: Any) => !!selector && (Object.keys(selector.matchLabels ?? {}).length > 0 || (selector.matchExpressions ?? []).length > 0);
  const rules: Any[] = policy.spec.ingress ?? [];
  if (!rules.some((rule) => opens(rule, 'http', httpPort))) problems.push(`${id} lets nobody reach the port named "http"`);
  const adminRules = rules.filter((rule) => opens(rule, 'admin', adminPort));
  if (adminRules.length === 0) problems.push(`${id} lets nobody reach the port named "admin": Prometheus could not scrape /metrics`);
  for (const rule of adminRules) {
    const peers: Any[] = rule.from ?? [];
    if (peers.length === 0 || peers.some((peer) => peer.ipBlock || !nonEmpty(peer.namespaceSelector) || !nonEmpty(peer.podSelector))) {
      problems.push(`${id} opens the admin port (/metrics, no authentication) to more than the scraper: each peer of such a rule needs a namespaceSelector and a podSelector, got ${JSON.stringify(rule)}`);
    }
  }
  return problems;
}

/** Across overlays: no two share a name, and no client's Service or budget selects another's pods. */
export function crossOverlayProblems(rendered: Map<string, K8sObject[]>): string[] {
  const problems: string[] = [];
  const owner = new Map<string, string>();
  for (const [client, objects] of rendered) {
    for (const object of objects) {
      const id = `${object.kind}/${object.metadata.name}`;
      if (owner.has(id)) problems.push(`${client}: ${id} is also rendered by ${owner.get(id)}: applied to one namespace, one would overwrite the other`);
      owner.set(id, client);
    }
  }
  for (const [client, objects] of rendered) {
    const selectors = objects.flatMap((object: Any) =>
      object.kind === 'Service' ? [[object, object.spec.selector]]
      : object.kind === 'PodDisruptionBudget' ? [[object, object.spec.selector?.matchLabels]]
      : object.kind === 'NetworkPolicy' ? [[object, object.spec.podSelector?.matchLabels]]
      : [],
    );
    for (const [other, otherObjects] of rendered) {
      if (other === client) continue;
      for (const deployment of otherObjects.filter((object) => object.kind === 'Deployment') as Any[]) {
        for (const [object, selector] of selectors) {
          if (selects(selector, deployment.spec.template.metadata?.labels)) problems.push(`${client}: ${object.kind} ${object.metadata.name} also selects ${other}'s pods`);
        }
      }
    }
  }
  return problems;
}

function preStopSleepSeconds(preStop: Any): number | undefined {
  if (typeof preStop?.sleep?.seconds === 'number') return preStop.sleep.seconds;
  const command: unknown = preStop?.exec?.command;
  if (Array.isArray(command) && command.length === 2 && command[0] === 'sleep' && /^\d+$/.test(String(command[1]))) return Number(command[1]);
  return undefined;
}

function imageUid(context: DeployContext): number | undefined {
  const user = context.dockerfile.at(-1)?.instructions.filter((i) => i.keyword === 'USER').at(-1)?.value;
  return user && /^\d+/.test(user) ? Number(/^\d+/.exec(user)![0]) : undefined;
}

const decode = (data: JsonObject | undefined) =>
  Object.fromEntries(Object.entries(data ?? {}).map(([key, value]) => [key, Buffer.from(String(value), 'base64').toString('utf8')]));

const sorted = (labels: Labels | undefined) => Object.fromEntries(Object.entries(labels ?? {}).sort(([a], [b]) => a.localeCompare(b)));
