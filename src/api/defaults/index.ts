// Defaulting: fills the fields the Kubernetes API server (or Argo, for its kinds) would fill on
// create and update, so stored objects look the way kubectl and controllers expect. Mutates the
// object it is given: pass a fresh copy, never an object from the store. Idempotent. Pure: no I/O.
import { type GroupKind, groupKindOf } from '../group-kind.js';
import type { KObject } from '../types.js';
import { defaultApplication, defaultNamespace, defaultSecret } from './other.js';
import { defaultPod } from './pod.js';
import { defaultEndpoints, defaultService } from './service.js';
import {
  defaultDaemonSet,
  defaultDeployment,
  defaultJob,
  defaultReplicaSet,
  defaultRollout,
  defaultStatefulSet,
} from './workloads.js';

export type Defaulter = (obj: KObject) => void;

/** Kinds with nothing to default. */
const none: Defaulter = () => {};

export const DEFAULTERS: Readonly<Record<GroupKind, Defaulter>> = {
  '/Namespace': defaultNamespace,
  '/Node': none,
  '/Pod': defaultPod,
  '/Service': defaultService,
  '/Endpoints': defaultEndpoints,
  '/ConfigMap': none,
  '/Secret': defaultSecret,
  '/ServiceAccount': none,
  '/Event': none,
  '/ResourceQuota': none,
  'apps/Deployment': defaultDeployment,
  'apps/ReplicaSet': defaultReplicaSet,
  'apps/DaemonSet': defaultDaemonSet,
  'apps/StatefulSet': defaultStatefulSet,
  'apps/ControllerRevision': none,
  'batch/Job': defaultJob,
  'coordination.k8s.io/Lease': none,
  'argoproj.io/Rollout': defaultRollout,
  'argoproj.io/Application': defaultApplication,
};

/** Applies the defaults of the object's kind in place (kinds Gantry does not serve are left alone). */
export function applyDefaults(obj: KObject): void {
  const gk = groupKindOf(obj);
  if (gk !== undefined) {
    DEFAULTERS[gk](obj);
  }
}

export { defaultPodSpec, defaultPodTemplate, defaultPullPolicy } from './pod.js';
