/**
 * Kubernetes' strategic merge patch, for what deploy/kubernetes patches: maps merge key by key
 * (null deletes), a list with a merge key merges item by item (items the base lacks come after its
 * own), every other list is replaced whole. The merge keys are the Kubernetes API's
 * `patchMergeKey`s for the lists of the kinds kustomize.ts accepts. A `$patch` directive, or a
 * merged list this table does not know, is refused rather than guessed.
 */
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** Path (object keys joined with `.`, `[]` for a list item) → the key that names a list's items. */
const MERGE_KEYS: Record<string, string> = {
  'spec.template.spec.containers': 'name',
  'spec.template.spec.initContainers': 'name',
  'spec.template.spec.containers[].env': 'name',
  'spec.template.spec.containers[].ports': 'containerPort',
  'spec.template.spec.containers[].volumeMounts': 'mountPath',
  'spec.template.spec.volumes': 'name',
  'spec.template.spec.topologySpreadConstraints': 'topologyKey',
  'spec.template.spec.imagePullSecrets': 'name',
  // Service
  'spec.ports': 'port',
};

const isObject = (value: Json | undefined): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

export function strategicMerge(base: JsonObject, patch: JsonObject, path = ''): JsonObject {
  const result: JsonObject = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) throw new Error(`strategic merge directive ${key} at ${path || '(root)'} is not supported by scripts/deploy/kustomize.ts`);
    const here = path ? `${path}.${key}` : key;
    if (value === null) {
      delete result[key];
    } else if (isObject(value) && isObject(result[key])) {
      result[key] = strategicMerge(result[key] as JsonObject, value, here);
    } else if (Array.isArray(value) && Array.isArray(result[key]) && MERGE_KEYS[here]) {
      result[key] = mergeList(result[key] as Json[], value, MERGE_KEYS[here]!, here);
    } else {
      result[key] = value;
    }
  }
  return result;
}

function mergeList(base: Json[], patch: Json[], mergeKey: string, path: string): Json[] {
  const merged = [...base];
  for (const item of patch) {
    if (!isObject(item) || item[mergeKey] === undefined) throw new Error(`${path}: every patch item needs its merge key "${mergeKey}"`);
    const at = merged.findIndex((existing) => isObject(existing) && existing[mergeKey] === item[mergeKey]);
    if (at === -1) merged.push(item);
    else merged[at] = strategicMerge(merged[at] as JsonObject, item, `${path}[]`);
  }
  return merged;
}
