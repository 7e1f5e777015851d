/**
 * Every rendered object against the Kubernetes API's own JSON schemas, offline: kubernetes-models
 * bundles them (compiled from the API's OpenAPI document) with a `validate()` per kind. Types,
 * required fields, enums and formats are checked; unknown fields are not (the API's schemas do
 * not forbid them, and `kubectl apply`'s strict field validation needs a server), so the fields
 * this project relies on are held by kubernetes-rules.ts instead. Version 4 of kubernetes-models:
 * 5 needs Node 22.
 */
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import type { K8sObject } from './kustomize.ts';

interface Model {
  validate(): void;
}
type ModelClass = new (data: never) => Model;

const MODELS: Record<string, ModelClass> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

interface SchemaError {
  instancePath?: string;
  message?: string;
}

/** What is wrong with `object` by its kind's schema; empty when it validates. */
export function schemaProblems(object: K8sObject): string[] {
  const id = `${object.kind}/${object.metadata?.name}`;
  const Model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (!Model) return [`${id}: no schema for ${object.apiVersion} ${object.kind} (scripts/deploy/kubernetes-schema.ts knows ${Object.keys(MODELS).join(', ')})`];
  try {
    new Model(structuredClone(object) as never).validate();
    return [];
  } catch (error) {
    const errors = (error as { errors?: SchemaError[] }).errors;
    if (!errors?.length) return [`${id}: ${(error as Error).message}`];
    return errors.map((e) => `${id}: ${e.instancePath || '/'} ${e.message}`);
  }
}
