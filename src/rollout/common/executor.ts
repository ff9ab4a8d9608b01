// Executes the ReplicaSet actions of a rollout plan through the Client. Updates carry the
// resourceVersion the plan saw, so a plan made from a stale cache fails with a conflict (and is
// made again) instead of overwriting newer state. A create that finds its name taken by our own
// ReplicaSet of the same template (a cache that lags behind an earlier create) is a success.
import { isApiError } from '../../api/errors.js';
import { controllerRef } from '../../api/pod-helpers.js';
import type { KObject, PodTemplateSpec } from '../../api/types.js';
import { R } from '../../client/resources.js';
import type { Client } from '../../client/types.js';
import type { EventRecorder } from '../../cluster/events.js';
import { templatesEqual } from './replica-sets.js';
import type { ReplicaSetAction } from './work.js';

/** The ReplicaSet name is taken by an object that is not this owner's ReplicaSet of that template. */
export class HashCollisionError extends Error {
  constructor(readonly rsName: string) {
    super(`replica set "${rsName}" exists with another template: hash collision`);
    this.name = 'HashCollisionError';
  }
}

export interface ReplicaSetExecutor {
  readonly client: Client;
  readonly recorder?: EventRecorder;
  readonly owner: KObject;
  readonly hashLabel: string;
}

function scaledMessage(name: string, from: number, to: number): string {
  return `Scaled ${to > from ? 'up' : 'down'} replica set ${name} to ${to}`;
}

export async function executeReplicaSetAction(x: ReplicaSetExecutor, a: ReplicaSetAction): Promise<void> {
  switch (a.kind) {
    case 'createRS':
      return createReplicaSet(x, a.rs);
    case 'scaleRS':
    case 'annotateRS': {
      const next = structuredClone(a.rs) as KObject;
      const ann: Record<string, string> = { ...(next.metadata.annotations ?? {}) };
      for (const [k, v] of Object.entries(a.annotations ?? {})) {
        if (v === null) {
          delete ann[k];
        } else {
          ann[k] = v;
        }
      }
      next.metadata.annotations = ann;
      next.spec = { ...next.spec };
      if (a.kind === 'scaleRS') {
        next.spec.replicas = a.to;
      }
      if (a.minReadySeconds !== undefined) {
        next.spec.minReadySeconds = a.minReadySeconds;
      }
      delete next.status;
      try {
        await x.client.update(R.replicasets, next);
      } catch (e) {
        throw new Error(`update replica set ${a.rs.metadata.name}`, { cause: e });
      }
      if (a.kind === 'scaleRS') {
        x.recorder?.event(
          x.owner,
          'Normal',
          'ScalingReplicaSet',
          scaledMessage(a.rs.metadata.name ?? '', a.from, a.to),
        );
      }
      return;
    }
    case 'deleteRS':
      try {
        await x.client.delete(R.replicasets, a.rs.metadata.namespace, a.rs.metadata.name ?? '', {
          preconditions: { uid: a.rs.metadata.uid },
        });
      } catch (e) {
        if (!isApiError(e, 404) && !isApiError(e, 409)) {
          throw new Error(`delete replica set ${a.rs.metadata.name}`, { cause: e });
        }
      }
      return;
  }
}

async function createReplicaSet(x: ReplicaSetExecutor, rs: KObject): Promise<void> {
  const name = rs.metadata.name ?? '';
  try {
    await x.client.create(R.replicasets, rs);
    const n = Number(rs.spec?.replicas ?? 0);
    if (n > 0) {
      x.recorder?.event(x.owner, 'Normal', 'ScalingReplicaSet', scaledMessage(name, 0, n));
    }
    return;
  } catch (e) {
    if (!isApiError(e, 409)) {
      throw new Error(`create replica set ${name}`, { cause: e });
    }
  }
  const existing = await x.client.get(R.replicasets, rs.metadata.namespace, name);
  const ours = controllerRef(existing)?.uid === x.owner.metadata.uid;
  if (
    !ours ||
    !templatesEqual(
      existing.spec?.template as PodTemplateSpec | undefined,
      rs.spec?.template as PodTemplateSpec | undefined,
      x.hashLabel,
    )
  ) {
    throw new HashCollisionError(name);
  }
}
