// Semantic validation of API objects, as Kubernetes' validation package does it: field paths,
// reasons and messages users know (`spec.containers[0].image: Required value`), every problem
// at once, and the fields an update may not change. Types and unknown fields are checked by
// src/api/schema; this module assumes nothing about the shape and never throws on odd input.
// Pure: no I/O. The API server turns a non-empty result into a 422 via errors.invalid().
import { type GroupKind, groupKindOf } from '../group-kind.js';
import type { KObject, StatusCause } from '../types.js';
import { validateApplication, validateRollout } from './argo.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './metadata.js';
import {
  validateConfigMap,
  validateControllerRevision,
  validateEvent,
  validateLease,
  validateNamespace,
  validateNode,
  validateResourceQuota,
  validateSecret,
  validateServiceAccount,
} from './other.js';
import { validatePod } from './pod.js';
import { validateEndpoints, validateService } from './service.js';
import {
  validateDaemonSet,
  validateDeployment,
  validateJob,
  validateReplicaSet,
  validateStatefulSet,
} from './workloads.js';

export type Validator = (obj: KObject, old?: KObject) => StatusCause[];

export const VALIDATORS: Readonly<Record<GroupKind, Validator>> = {
  '/Namespace': validateNamespace,
  '/Node': validateNode,
  '/Pod': validatePod,
  '/Service': validateService,
  '/Endpoints': validateEndpoints,
  '/ConfigMap': validateConfigMap,
  '/Secret': validateSecret,
  '/ServiceAccount': validateServiceAccount,
  '/Event': validateEvent,
  '/ResourceQuota': validateResourceQuota,
  'apps/Deployment': validateDeployment,
  'apps/ReplicaSet': validateReplicaSet,
  'apps/DaemonSet': validateDaemonSet,
  'apps/StatefulSet': validateStatefulSet,
  'apps/ControllerRevision': validateControllerRevision,
  'batch/Job': validateJob,
  'coordination.k8s.io/Lease': validateLease,
  'argoproj.io/Rollout': validateRollout,
  'argoproj.io/Application': validateApplication,
};

/**
 * All semantic problems of `obj` (empty when valid). With `old`, also the update rules
 * (immutable fields). Kinds Gantry does not serve get the metadata checks only.
 */
export function validateObject(obj: KObject, old?: KObject): StatusCause[] {
  const gk = groupKindOf(obj);
  if (gk === undefined) {
    const out = validateObjectMeta(obj.metadata, 'subdomain');
    if (old) {
      out.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
    }
    return out;
  }
  return VALIDATORS[gk](obj, old);
}

export type { FieldReason } from './causes.js';
export { validateLabelSelector, validateObjectMeta } from './metadata.js';
export { validatePodSpec } from './pod.js';
