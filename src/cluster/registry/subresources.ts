// The scale and binding subresources, expressed as ordinary registry reads and writes.

import { rfc3339 } from '../../api/clock.js';
import { errors } from '../../api/errors.js';
import { labelSelectorAsSelector } from '../../api/labels.js';
import { applyPatch } from '../../api/patch/index.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { KObject } from '../../api/types.js';
import { StoreError } from '../store/types.js';
import { keyFor, target } from './info.js';
import type { Registry, WriteOptions } from './registry.js';

export function toScale(obj: KObject): KObject {
  const m = obj.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: m.name,
      namespace: m.namespace,
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: m.creationTimestamp,
    },
    spec: { replicas: obj.spec?.replicas ?? 0 },
    status: {
      replicas: obj.status?.replicas ?? 0,
      selector: labelSelectorAsSelector(obj.spec?.selector ?? {}).toString(),
    },
  };
}

export async function getScale(reg: Registry, info: ResourceInfo, ns: string | undefined, name: string) {
  return toScale(await reg.get(info, ns, name));
}

function replicasOf(scale: unknown): number {
  const r = (scale as KObject | undefined)?.spec?.replicas;
  if (!Number.isInteger(r) || r < 0) {
    throw errors.invalid({ kind: 'Scale', group: 'autoscaling' }, [
      {
        field: 'spec.replicas',
        message: `Invalid value: ${JSON.stringify(r)}: must be greater than or equal to 0`,
        reason: 'FieldValueInvalid',
      },
    ]);
  }
  return r;
}

/** PUT …/scale. */
export async function updateScale(
  reg: Registry,
  info: ResourceInfo,
  ns: string | undefined,
  name: string,
  scale: unknown,
  opts: WriteOptions = {},
) {
  const replicas = replicasOf(scale);
  const wantRv = (scale as KObject).metadata?.resourceVersion;
  const patch = JSON.stringify({ spec: { replicas }, metadata: wantRv ? { resourceVersion: wantRv } : {} });
  return toScale(await reg.patch(info, ns, name, 'application/merge-patch+json', patch, opts));
}

/** PATCH …/scale: the patch applies to the Scale object, then its replicas to the resource. */
export async function patchScale(
  reg: Registry,
  info: ResourceInfo,
  ns: string | undefined,
  name: string,
  contentType: string,
  body: Buffer | string,
  opts: WriteOptions = {},
) {
  const current = toScale(await reg.get(info, ns, name));
  const patched = applyPatch(contentType, current, body, { lookup: () => undefined });
  return updateScale(reg, info, ns, name, { ...patched, metadata: {} }, opts);
}

/** POST pods/NAME/binding: the scheduler's one way to place a pod. */
export async function bindPod(
  reg: Registry,
  podsInfo: ResourceInfo,
  ns: string,
  name: string,
  binding: unknown,
) {
  const node = (binding as KObject | undefined)?.target?.name;
  if (typeof node !== 'string' || node === '') {
    throw errors.invalid({ kind: 'Binding', name }, [
      { field: 'target.name', message: 'Required value', reason: 'FieldValueRequired' },
    ]);
  }
  const key = keyFor(podsInfo, ns, name);
  for (let attempt = 0; ; attempt++) {
    try {
      return await bindOnce(reg, podsInfo, key, name, node, attempt);
    } catch (e) {
      // a cached read that was stale: once more from the store itself
      if (!(e instanceof StoreError && e.kind === 'Conflict') || attempt > 0) {
        throw reg.mapStoreError(e, podsInfo, name);
      }
    }
  }
}

async function bindOnce(
  reg: Registry,
  podsInfo: ResourceInfo,
  key: string,
  name: string,
  node: string,
  attempt: number,
): Promise<KObject> {
  const pod = await reg.read(key, attempt);
  if (!pod) {
    throw errors.notFound(target(podsInfo, name));
  }
  if (pod.spec?.nodeName) {
    throw errors.conflict(
      target(podsInfo, name),
      `pod ${name} is already assigned to node "${pod.spec.nodeName}"`,
    );
  }
  if (pod.metadata.deletionTimestamp) {
    throw errors.conflict(
      target(podsInfo, name),
      `pod ${name} is being deleted, cannot be assigned to a host`,
    );
  }
  const rv = pod.metadata.resourceVersion;
  // Binding bypasses pod-spec immutability, as in Kubernetes: written through the store directly.
  const next = pod; // a fresh copy from the store: ours to change
  next.spec.nodeName = node;
  const conds = (next.status?.conditions ?? []).filter((c: any) => c.type !== 'PodScheduled');
  conds.push({
    type: 'PodScheduled',
    status: 'True',
    lastProbeTime: null,
    lastTransitionTime: rfc3339(reg.clock.now()),
  });
  next.status = { ...(next.status ?? {}), conditions: conds };
  return reg.store.update(key, next, { resourceVersion: rv });
}
