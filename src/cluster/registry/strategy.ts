// What differs between resources on create / update / status update, in one table
// (Kubernetes keeps the same in each resource's "strategy"). Everything here is pure.

import type { ResourceInfo } from '../../api/resources.js';
import type { KObject } from '../../api/types.js';
import { resourceKeyOfInfo } from './info.js';

export interface Strategy {
  /** Status as it must be on a freshly created object (undefined: keep what the client sent). */
  readonly initialStatus?: (obj: KObject) => unknown;
  /** The part of the object whose change bumps metadata.generation. */
  readonly generationFields: (obj: KObject) => unknown;
}

const specOnly = (o: KObject) => o.spec;
const emptyStatus = () => ({});

/** Objects without spec/status (ConfigMap, Secret, Endpoints, Event, …): everything but metadata counts. */
function allButMeta(o: KObject): unknown {
  const { metadata: _m, status: _s, ...rest } = o;
  return rest;
}

const STRATEGIES: Record<string, Strategy> = {
  '/Pod': { initialStatus: () => ({ phase: 'Pending' }), generationFields: specOnly },
  '/Namespace': { initialStatus: () => ({ phase: 'Active' }), generationFields: specOnly },
  '/Node': { generationFields: specOnly },
  '/Service': { initialStatus: () => ({ loadBalancer: {} }), generationFields: specOnly },
  '/ResourceQuota': { initialStatus: emptyStatus, generationFields: specOnly },
  'apps/Deployment': { initialStatus: emptyStatus, generationFields: specOnly },
  'apps/ReplicaSet': { initialStatus: emptyStatus, generationFields: specOnly },
  'apps/DaemonSet': { initialStatus: emptyStatus, generationFields: specOnly },
  'apps/StatefulSet': { initialStatus: emptyStatus, generationFields: specOnly },
  'batch/Job': { initialStatus: emptyStatus, generationFields: specOnly },
  'coordination.k8s.io/Lease': { generationFields: specOnly },
  'argoproj.io/Rollout': { initialStatus: emptyStatus, generationFields: specOnly },
  'argoproj.io/Application': { generationFields: specOnly },
};

const DEFAULT: Strategy = { generationFields: allButMeta };

export function strategyFor(info: ResourceInfo): Strategy {
  return STRATEGIES[resourceKeyOfInfo(info)] ?? DEFAULT;
}

export function hasStatusSubresource(info: ResourceInfo): boolean {
  return info.subresources.includes('status');
}
