// The kind table: which schema describes each served apiVersion/kind, plus the meta kinds
// (Status, DeleteOptions, autoscaling/v1 Scale, v1 Binding) that travel as request/response bodies.
import { apiVersionOf, RESOURCES, servedGroups, splitApiVersion } from '../resources.js';
import { controllerRevision, daemonSet, deployment, replicaSet, statefulSet } from './apps.js';
import { application } from './argo-application.js';
import { rollout } from './argo-rollout.js';
import { job } from './batch.js';
import { lease } from './coordination.js';
import {
  binding,
  configMap,
  endpoints,
  event,
  namespace,
  node,
  resourceQuota,
  secret,
  service,
  serviceAccount,
} from './core.js';
import { pod } from './core-pod.js';
import type { ObjectSchema } from './dsl.js';
import { deleteOptions as makeDeleteOptions, scale, status } from './meta.js';

/** Schemas of the resources in resources.ts, by `group/Kind`. */
const RESOURCE_SCHEMAS: ReadonlyMap<string, ObjectSchema> = new Map(
  [
    namespace,
    node,
    pod,
    service,
    endpoints,
    configMap,
    secret,
    serviceAccount,
    event,
    resourceQuota,
    deployment,
    replicaSet,
    daemonSet,
    statefulSet,
    controllerRevision,
    job,
    lease,
    rollout,
    application,
  ].map((s) => {
    const gvk = s.gvk?.[0];
    if (!gvk) {
      throw new Error(`schema ${s.name} has no group-version-kind`);
    }
    return [`${gvk.group}/${gvk.version}/${gvk.kind}`, s] as const;
  }),
);

/** DeleteOptions, registered in every served group-version (as Kubernetes does). */
export const deleteOptions: ObjectSchema = makeDeleteOptions(
  servedGroups().map((gv) => ({ group: gv.group, version: gv.version, kind: 'DeleteOptions' })),
);

/** The schema of a resource listed in resources.ts, by group/version/kind. */
export function resourceSchema(group: string, version: string, kind: string): ObjectSchema | undefined {
  return RESOURCE_SCHEMAS.get(`${group}/${version}/${kind}`);
}

/** Every resource kind schema, in resources.ts order. */
export function resourceSchemas(): { apiVersion: string; schema: ObjectSchema }[] {
  const out: { apiVersion: string; schema: ObjectSchema }[] = [];
  for (const info of RESOURCES) {
    const s = resourceSchema(info.group, info.version, info.kind);
    if (s) {
      out.push({ apiVersion: apiVersionOf(info), schema: s });
    }
  }
  return out;
}

export function lookupSchema(apiVersion: string, kind: string): ObjectSchema | undefined {
  const { group, version } = splitApiVersion(apiVersion);
  const found = resourceSchema(group, version, kind);
  if (found) {
    return found;
  }
  switch (kind) {
    case 'Status':
      return apiVersion === 'v1' || apiVersion === 'meta.k8s.io/v1' ? status : undefined;
    case 'DeleteOptions':
      return apiVersion === 'meta.k8s.io/v1' ||
        deleteOptions.gvk?.some((g) => g.group === group && g.version === version)
        ? deleteOptions
        : undefined;
    case 'Scale':
      return apiVersion === 'autoscaling/v1' ? scale : undefined;
    case 'Binding':
      return apiVersion === 'v1' ? binding : undefined;
    default:
      return undefined;
  }
}
