// What differs between resources on create / update / status update, in one table
// (Kubernetes keeps the same in each resource's "strategy"). Everything here is pure.

import type { ResourceInfo } from '../../api/resources.js';
import type { KObject } from '../../api/types.js';
import { resourceKeyOfInfo } from './info.js';

export interface Strategy {
  /**
   * Fills what the server derives from the request before admission: runs on create (old
   * undefined, metadata.uid already assigned) and on update.
   */
  readonly prepare?: (obj: KObject, old: KObject | undefined) => void;
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

/** Secret `stringData` is write-only: merged into `data` (base64) on every write, as Kubernetes does. */
function mergeStringData(obj: KObject): void {
  const sd = obj.stringData;
  if (sd && typeof sd === 'object' && !Array.isArray(sd)) {
    obj.data = { ...(obj.data ?? {}) };
    for (const [k, v] of Object.entries(sd)) {
      obj.data[k] = Buffer.from(String(v), 'utf8').toString('base64');
    }
  }
  delete obj.stringData;
}

/** Job without manualSelector: the server picks a selector on the job's uid and labels the template. */
function jobSelector(obj: KObject, old: KObject | undefined): void {
  if (old || obj.spec?.manualSelector === true || typeof obj.spec !== 'object' || obj.spec === null) {
    return;
  }
  const uid = obj.metadata.uid!;
  const name = obj.metadata.name ?? '';
  obj.spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
  obj.spec.template ??= {};
  const tpl = obj.spec.template;
  tpl.metadata ??= {};
  tpl.metadata.labels = {
    ...(tpl.metadata.labels ?? {}),
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': name,
    'controller-uid': uid,
    'job-name': name,
  };
}

const STRATEGIES: Record<string, Strategy> = {
  '/Secret': { prepare: mergeStringData, generationFields: allButMeta },
  '/Pod': { initialStatus: () => ({ phase: 'Pending' }), generationFields: specOnly },
  '/Namespace': { initialStatus: () => ({ phase: 'Active' }), generationFields: specOnly },
  '/Node': { generationFields: specOnly },
  '/Service': { initialStatus: () => ({ loadBalancer: {} }), generationFields: specOnly },
  '/ResourceQuota': { initialStatus: emptyStatus, generationFields: specOnly },
  'apps/Deployment': { initialStatus: emptyStatus, generationFields: specOnly },
  'apps/ReplicaSet': { initialStatus: emptyStatus, generationFields: specOnly },
  'apps/DaemonSet': { initialStatus: emptyStatus, generationFields: specOnly },
  'apps/StatefulSet': { initialStatus: emptyStatus, generationFields: specOnly },
  'batch/Job': { prepare: jobSelector, initialStatus: emptyStatus, generationFields: specOnly },
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
