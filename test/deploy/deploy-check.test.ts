/**
 * npm run deploy:check (scripts/deploy/): the real artifacts pass, and each rule fails on a copy
 * broken in memory in the way it exists to catch.
 */
import { CLIENT_NODE_FLAGS } from '../../bffs/kit/server/node-flags.ts';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderOverlays, runDeployCheck } from '../../scripts/deploy/check.ts';
import { composeProblems } from '../../scripts/deploy/compose-rules.ts';
import { loadContext, type DeployContext } from '../../scripts/deploy/context.ts';
import { documentedVariables, isDocumented } from '../../scripts/deploy/documented-variables.ts';
import { parseDockerfile } from '../../scripts/deploy/dockerfile.ts';
import { dockerfileProblems, runtimeImports } from '../../scripts/deploy/image-rules.ts';
import { crossOverlayProblems, overlayProblems } from '../../scripts/deploy/kubernetes-rules.ts';
import { nodeLineProblems } from '../../scripts/deploy/node-line-rule.ts';
import { schemaProblems } from '../../scripts/deploy/kubernetes-schema.ts';
import { parseObjects, renderKustomization, type K8sObject } from '../../scripts/deploy/kustomize.ts';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
// biome-ignore lint: rendered YAML
type Any = any;

let context: DeployContext;
let overlays: Map<string, K8sObject[]>;

beforeAll(async () => {
  context = await loadContext(ROOT);
  overlays = renderOverlays(ROOT);
});

/** A copy of one client's rendered objects with `change` applied to its object of `kind`. */
function broken(client: string, kind: string, change: (object: Any) => void): K8sObject[] {
  const objects = structuredClone(overlays.get(client)!);
  change(objects.find((object) => object.kind === kind));
  return objects;
}
const problemsOf = (client: string, kind: string, change: (object: Any) => void) => overlayProblems(client, broken(client, kind, change), context);
const container = (deployment: Any) => deployment.spec.template.spec.containers[0];

describe('the artifacts as committed', () => {
  it('pass every check: rendered, schema-valid, consistent', async () => {
    const { problems } = await runDeployCheck(ROOT, { tools: false });
    expect(problems).toEqual([]);
    expect([...overlays.keys()]).toEqual(['mobile', 'tv', 'web']);
  });
});

describe('scripts/deploy/kustomize.ts', () => {
  // A frozen copy of the overlays and what kubectl's kustomize rendered from it (its README says
  // how it was recorded), so the renderer is held to kubectl's output on machines without kubectl.
  const recorded = join(ROOT, 'test/deploy/kubectl-kustomize');
  const byId = (objects: K8sObject[]) => Object.fromEntries(objects.map((o) => [`${o.kind}/${o.metadata.name}`, o]));

  it.each(['mobile', 'tv', 'web'])('renders the %s overlay as kubectl kustomize rendered it', (client) => {
    const theirs = parseObjects(readFileSync(join(recorded, 'rendered', `${client}.yaml`), 'utf8'), client);
    const ours = renderKustomization(join(recorded, 'overlays', client));
    expect(theirs.length).toBeGreaterThan(0);
    expect(byId(ours)).toEqual(byId(theirs));
  });
});

describe('the Kubernetes schemas (kubernetes-models)', () => {
  it('reject a container port that is not a number', () => {
    const deployment = broken('mobile', 'Deployment', (d) => (container(d).ports[0].containerPort = 'http')).find((o) => o.kind === 'Deployment')!;
    expect(schemaProblems(deployment)).toEqual([expect.stringContaining('/spec/template/spec/containers/0/ports/0/containerPort must be integer')]);
  });

  it('reject an HPA without maxReplicas, and a kind they have no schema for', () => {
    const hpa = broken('tv', 'HorizontalPodAutoscaler', (h) => delete h.spec.maxReplicas).find((o) => o.kind === 'HorizontalPodAutoscaler')!;
    expect(schemaProblems(hpa).join()).toContain('maxReplicas');
    expect(schemaProblems({ ...hpa, apiVersion: 'autoscaling/v2beta2' }).join()).toContain('no schema for autoscaling/v2beta2');
  });
});

describe('an overlay', () => {
  it('needs a grace period that holds preStop + SHUTDOWN_DELAY_MS + the client deadline + margin', () => {
    // web: 5 s + 5 s + 3 s + 5 s = 18 s.
    expect(problemsOf('web', 'Deployment', (d) => (d.spec.template.spec.terminationGracePeriodSeconds = 17))).toEqual([expect.stringContaining('terminationGracePeriodSeconds 17 < 18')]);
    expect(problemsOf('web', 'Deployment', (d) => (d.spec.template.spec.terminationGracePeriodSeconds = 18))).toEqual([]);
    // A DEADLINE_MS in the ConfigMap overrides the policy's, and the rule follows it.
    expect(problemsOf('mobile', 'ConfigMap', (c) => (c.data.DEADLINE_MS = '10000')).join()).toContain('deadline 10000 ms');
    expect(problemsOf('mobile', 'Deployment', (d) => delete container(d).lifecycle).join()).toContain('preStop sleep');
  });

  it('names only variables of the README\'s Configuration table', () => {
    expect(problemsOf('tv', 'ConfigMap', (c) => (c.data.SHUTDOWN_DELAY = '5000'))).toEqual([expect.stringContaining('SHUTDOWN_DELAY is not a variable of README.md')]);
    expect(problemsOf('tv', 'Deployment', (d) => container(d).env.push({ name: 'TV_SECRET', value: 'x' })).join()).toContain('TV_SECRET is not a variable');
  });

  it('probes /health and /ready on the port named http, which the Service targets', () => {
    expect(problemsOf('mobile', 'Deployment', (d) => (container(d).readinessProbe.httpGet.port = 8080)).join()).toContain('readinessProbe should GET /ready on the port named "http"');
    expect(problemsOf('mobile', 'Deployment', (d) => (container(d).livenessProbe.httpGet.path = '/ready')).join()).toContain('livenessProbe should GET /health');
    expect(problemsOf('mobile', 'Service', (s) => (s.spec.ports[0].targetPort = 'admin')).join()).toContain('should target the port named "http"');
    expect(problemsOf('mobile', 'ConfigMap', (c) => (c.data.ADMIN_PORT = '9191')).join()).toContain('container port "admin" is 9090, but ADMIN_PORT is 9191');
  });

  it('has its HPA and disruption budget act on its own Deployment\'s pods', () => {
    expect(problemsOf('web', 'HorizontalPodAutoscaler', (h) => (h.spec.scaleTargetRef.name = 'bff')).join()).toContain('the HPA scales');
    expect(problemsOf('web', 'HorizontalPodAutoscaler', (h) => (h.spec.minReplicas = 1)).join()).toContain('minReplicas >= 2');
    const pdbWithoutClientLabel = broken('web', 'PodDisruptionBudget', (p) => delete p.spec.selector.matchLabels['app.kubernetes.io/instance']);
    expect(overlayProblems('web', pdbWithoutClientLabel, context).join()).toContain('the PodDisruptionBudget selects');
    const all = new Map(overlays);
    all.set('web', pdbWithoutClientLabel);
    expect(crossOverlayProblems(all)).toEqual(expect.arrayContaining([expect.stringContaining("web: PodDisruptionBudget web-bff also selects mobile's pods")]));
    expect(problemsOf('web', 'Deployment', (d) => (d.spec.replicas = 3)).join()).toContain('an HPA owns the count');
  });

  it('runs its own client\'s compiled main.js through the image entrypoint, as a non-root user', () => {
    expect(problemsOf('tv', 'Deployment', (d) => (container(d).args = ['bffs/web/main.js'])).join()).toContain('args should be ["bffs/tv/main.js"]');
    expect(problemsOf('tv', 'Deployment', (d) => (container(d).args = ['bffs/tv/main.ts'])).join()).toContain('args should be ["bffs/tv/main.js"]');
    expect(problemsOf('tv', 'Deployment', (d) => (container(d).command = ['node', 'bffs/tv/main.js'])).join()).toContain('replaces the image entrypoint');
    expect(problemsOf('tv', 'Deployment', (d) => (d.spec.template.spec.securityContext.runAsUser = 0)).join()).toContain("is not the image's user 1000");
    expect(problemsOf('tv', 'Deployment', (d) => (d.spec.template.spec.volumes = [])).join()).toContain('emptyDir at /tmp');
  });

  it('keeps only placeholders in its Secret', () => {
    expect(problemsOf('web', 'Secret', (s) => (s.stringData.WEB_CLIENT_SECRET = 'hunter2')).join()).toContain('not a REPLACE_ME placeholder');
  });

  it('moves DEPLOY_ID (the version label) with the image tag', () => {
    expect(problemsOf('mobile', 'Deployment', (d) => (container(d).image = 'registry.example.com/concierge:0.2.0')).join()).toContain('should be the image tag 0.2.0');
  });
});

describe("an overlay's admin port (/metrics, no authentication)", () => {
  const policyOf = (client: string): Any => overlays.get(client)!.find((object) => object.kind === 'NetworkPolicy');

  it('is scraped on the pod address, behind a NetworkPolicy that covers only this client and lets only the scraper in', () => {
    for (const client of overlays.keys()) {
      const objects = overlays.get(client)!;
      const env = (objects.find((o) => o.kind === 'ConfigMap') as Any).data;
      expect(env.ADMIN_HOST, client).toBe('0.0.0.0');
      const policy = policyOf(client);
      const pods = (objects.find((o) => o.kind === 'Deployment') as Any).spec.template.metadata.labels;
      expect(policy.spec.podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'concierge-bff', 'app.kubernetes.io/instance': pods['app.kubernetes.io/instance'] });
      const adminRule = policy.spec.ingress.find((rule: Any) => rule.ports?.some((p: Any) => p.port === 'admin'));
      // The overlay's labels went into the policy's own selector only: the scraper's selector is untouched.
      expect(adminRule.from[0].podSelector).toEqual({ matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['prometheus'] }] });
    }
  });

  it('fails the check without a NetworkPolicy, or with one that opens admin to everyone', () => {
    const without = overlays.get('mobile')!.filter((object) => object.kind !== 'NetworkPolicy');
    expect(overlayProblems('mobile', without, context)).toEqual([expect.stringContaining('expected one NetworkPolicy, rendered 0')]);
    // A rule with no ports opens every port, admin included, to its peers: here everyone.
    expect(problemsOf('mobile', 'NetworkPolicy', (p) => p.spec.ingress.push({}))).toEqual([expect.stringContaining('opens the admin port (/metrics, no authentication) to more than the scraper')]);
    expect(problemsOf('mobile', 'NetworkPolicy', (p) => (p.spec.ingress[1].from = [{ namespaceSelector: {} }]))).toEqual([expect.stringContaining('to more than the scraper')]);
    expect(problemsOf('mobile', 'NetworkPolicy', (p) => (p.spec.ingress[1].ports = [{ port: 9090 }], p.spec.ingress[1].from = [{ ipBlock: { cidr: '0.0.0.0/0' } }]))).toEqual([expect.stringContaining('to more than the scraper')]);
    expect(problemsOf('mobile', 'NetworkPolicy', (p) => p.spec.ingress.splice(1, 1))).toEqual([expect.stringContaining('lets nobody reach the port named "admin"')]);
    expect(problemsOf('mobile', 'NetworkPolicy', (p) => (p.spec.policyTypes = ['Egress']))).toEqual([expect.stringContaining('no Ingress policy type')]);
  });

  it('fails the check when the admin port stays on loopback, where Prometheus cannot scrape it', () => {
    expect(problemsOf('tv', 'ConfigMap', (c) => delete c.data.ADMIN_HOST)).toEqual([expect.stringContaining('ADMIN_HOST is 127.0.0.1')]);
  });

  it("fails the check when one client's policy picks another client's pods", () => {
    const policy = structuredClone(policyOf('web'));
    delete policy.spec.podSelector.matchLabels['app.kubernetes.io/instance'];
    const rendered = new Map(overlays);
    rendered.set('web', [...overlays.get('web')!.filter((o) => o.kind !== 'NetworkPolicy'), policy]);
    expect(crossOverlayProblems(rendered).join('\n')).toContain("NetworkPolicy web-bff also selects mobile's pods");
  });
});

describe('the Dockerfile', () => {
  const dockerfile = () => read('Dockerfile');
  const problems = (text: string) => dockerfileProblems(parseDockerfile(text), context);

  it('starts node with the BFF flags in exec form under tini', () => {
    expect(problems(dockerfile().replace(/^ENTRYPOINT .*$/m, 'ENTRYPOINT node'))).toEqual([expect.stringContaining('ENTRYPOINT should be in exec form')]);
    expect(problems(dockerfile().replace('"--max-semi-space-size=64"]', '"--max-semi-space-size=64", "--import", "tsx"]')).join()).toContain('running compiled JavaScript');
    expect(problems(dockerfile().replace(', "--max-semi-space-size=64"]', ']')).join()).toContain("BFF_NODE_FLAGS");
  });

  it('ends as a numeric non-root user, with NODE_ENV=production and production dependencies only', () => {
    expect(problems(dockerfile().replace('USER 1000:1000', 'USER node')).join()).toContain('numeric non-root USER');
    expect(problems(dockerfile().replace('ENV NODE_ENV=production', '')).join()).toContain('NODE_ENV=production');
    expect(problems(dockerfile().replace('npm ci --omit=dev', 'npm ci')).join()).toContain('npm ci --omit=dev');
  });

  it('runs JavaScript it compiled from a source that exists, copied into the image', () => {
    const CMD = /^CMD .*$/m;
    expect(problems(dockerfile().replace(CMD, 'CMD ["bffs/watch/main.js"]')).join()).toContain('bffs/watch/main.js is compiled from bffs/watch/main.ts, which does not exist');
    expect(problems(dockerfile().replace(CMD, 'CMD ["--single-threaded-gc", "bffs/web/main.ts"]')).join()).toContain('name the compiled bffs/web/main.js');
    expect(problems(dockerfile().replace(CMD, 'CMD ["scripts/start-all.js"]')).join()).toContain('scripts/start-all.ts is not compiled by tsconfig.build.json');
    // web's own node flags come first (its live sockets' single-threaded GC), and no other client's.
    expect(problems(dockerfile().replace(CMD, 'CMD ["bffs/web/main.js"]')).join()).toContain(`should be ${JSON.stringify([...CLIENT_NODE_FLAGS.web!, 'bffs/web/main.js'])}`);
    expect(problems(dockerfile().replace(CMD, 'CMD ["--single-threaded-gc", "bffs/mobile/main.js"]')).join()).toContain('should name one entry file');
    expect(problems(dockerfile().replace(' && npx tsc -p tsconfig.build.json', '')).join()).toContain('no build stage compiles the sources');
    expect(problems(dockerfile().replace('COPY --from=build /app/bffs ./bffs\n', '')).join()).toContain('bffs/web/main.js is not copied into the image');
  });

  it('runs the Node line package.json engines name', () => {
    const { engines } = JSON.parse(read('package.json')) as { engines: { node: string } };
    expect(nodeLineProblems(dockerfile(), engines.node)).toEqual([]);
    expect(nodeLineProblems(dockerfile().replace(/node:\d+-bookworm-slim/, 'node:20-bookworm-slim'), '>=24.11')).toEqual(['Dockerfile: node:20-bookworm-slim runs Node 20, and package.json\'s engines want >=24.11']);
    expect(nodeLineProblems('FROM debian:bookworm\n', '>=24.11')).toEqual([expect.stringContaining('no official node image')]);
  });

  it('reads import type as erased, and import { type X } as a run-time import', () => {
    expect(runtimeImports("import type { A } from 'dev-only';\nimport { type B } from 'kept';\nimport 'side';\nexport { c } from 'again';\n")).toEqual(['kept', 'side', 'again']);
  });
});

describe('compose.yaml', () => {
  const compose = () => read('compose.yaml');
  const haproxy = () => read('deploy/compose/haproxy.cfg');
  const problems = (composeText: string, haproxyText = haproxy()) => composeProblems(composeText, haproxyText, overlays, context);

  it('passes as committed', () => {
    expect(problems(compose())).toEqual([]);
  });

  it('names only documented variables, and none production does not set', () => {
    expect(problems(compose().replace('  LOG_LEVEL: info\n', '  LOG_LEVEL: info\n  LOG_COLOUR: never\n')).join()).toContain('LOG_COLOUR is not a variable of README.md');
    expect(problems(compose().replace('      TV_CLIENT_SECRET: ${TV_CLIENT_SECRET:?export TV_CLIENT_SECRET, see deploy/README.md}\n      OTEL', '      OTEL')).join()).toContain("TV_CLIENT_SECRET is in tv's Kubernetes Secret but not set here");
    expect(problems(compose().replace('NODE_ENV: development', 'NODE_ENV: development\n      MOCKS_SPEED: "2"')).join()).toContain('MOCKS_SPEED is not in downstream-mocks/README.md');
  });

  it('runs two replicas per BFF, all of them behind HAProxy, and publishes no admin port', () => {
    expect(problems(compose().replace('replicas: 2', 'replicas: 3')).join()).toContain('haproxy.cfg balances 2 × web:4000, but compose runs 3');
    expect(problems(compose(), haproxy().replace('server-template tv- 2 tv:4002', '')).join()).toContain('no server-template for tv');
    expect(problems(compose().replace('"127.0.0.1:4100:4100"', '"127.0.0.1:4091:4091"')).join()).toContain('publishes admin port 4091');
    expect(problems(compose().replace('stop_grace_period: 15s', 'stop_grace_period: 10s')).join()).toContain('stop_grace_period 10 s < 13 s');
  });
});

describe('the renderer (scripts/deploy/kustomize.ts)', () => {
  function kustomization(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'kustomize-'));
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(join(dir, path, '..'), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    return dir;
  }
  const deployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n      containers:\n        - {name: c, image: i, args: [one], env: [{name: A, value: "1"}, {name: B, value: "2"}]}\n';

  it('merges lists by their merge key and replaces the others, like a strategic merge patch', () => {
    const dir = kustomization({
      'kustomization.yaml': 'resources: [d.yaml]\npatches: [{path: p.yaml}]\n',
      'd.yaml': deployment,
      'p.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers:\n        - {name: c, args: [two], env: [{name: B, value: "3"}, {name: C, value: "4"}]}\n',
    });
    const [rendered] = renderKustomization(dir) as Any[];
    expect(container(rendered)).toEqual({ name: 'c', image: 'i', args: ['two'], env: [{ name: 'A', value: '1' }, { name: 'B', value: '3' }, { name: 'C', value: '4' }] });
  });

  it('refuses what it does not render rather than skipping it', () => {
    expect(() => renderKustomization(kustomization({ 'kustomization.yaml': 'resources: [d.yaml]\nconfigMapGenerator: [{name: x}]\n', 'd.yaml': deployment }))).toThrow(/configMapGenerator not supported/);
    expect(() => renderKustomization(kustomization({ 'kustomization.yaml': 'resources: [d.yaml]\npatches: [{path: p.yaml}]\n', 'd.yaml': deployment, 'p.yaml': 'apiVersion: v1\nkind: Service\nmetadata: {name: d}\n' }))).toThrow(/no Service named d to patch/);
  });
});

describe("the README's Configuration table", () => {
  it('documents the downstream URLs as a run, expanded to all ten', () => {
    const documented = documentedVariables(read('README.md'), '## Configuration');
    for (const name of ['USERS_URL', 'CONTINUE_WATCHING_URL', 'NOTIFICATIONS_URL', 'RATE_LIMIT_IP', 'OTEL_TRACES_SAMPLER_ARG', 'HEADERS_TIMEOUT_MS']) expect(isDocumented(documented, name), name).toBe(true);
    expect(isDocumented(documented, 'NOT_A_SETTING')).toBe(false);
  });
});
