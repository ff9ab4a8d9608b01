// Reads the workloads an Application touches (its Deployments and Rollouts, with their
// ReplicaSets) for the live sync view. I/O through the Client; a workload that cannot be read
// (not created yet, deleted) is left out rather than failing the view.
import { keyString, type ResourceKey } from '../api/keys.js';
import { labelSelectorAsSelector } from '../api/labels.js';
import type { KObject } from '../api/types.js';
import { R } from '../client/resources.js';
import type { Client } from '../client/types.js';
import { loadRolloutView } from '../rollout/view-load.js';
import type { ResourceStatus } from '../sync/types.js';
import { deploymentProgress, rolloutProgress, type WorkloadProgress } from './progress-frame.js';

/** The Deployments and Rollouts named in the Application's status and its last operation. */
export function workloadRefs(app: KObject): ResourceKey[] {
  const st: Record<string, any> = app.status ?? {};
  const all: ResourceKey[] = [
    ...(Array.isArray(st.resources) ? (st.resources as ResourceStatus[]) : []),
    ...(Array.isArray(st.operationState?.syncResult?.resources)
      ? st.operationState.syncResult.resources
      : []),
  ];
  const seen = new Set<string>();
  return all.filter((r) => {
    const isWorkload =
      (r.group === 'apps' && r.kind === 'Deployment') || (r.group === 'argoproj.io' && r.kind === 'Rollout');
    const key = keyString(r);
    if (!isWorkload || seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}

async function one(client: Client, ref: ResourceKey, health: string | undefined): Promise<WorkloadProgress> {
  if (ref.kind === 'Rollout') {
    return {
      ...rolloutProgress(await loadRolloutView(client, ref.namespace, ref.name)),
      ...(health ? { health } : {}),
    };
  }
  const d = await client.get(R.deployments, ref.namespace, ref.name);
  const selector = labelSelectorAsSelector(d.spec?.selector ?? {}).toString();
  const rs = await client.list(R.replicasets, { namespace: ref.namespace, labelSelector: selector });
  return deploymentProgress(d, rs.items, health);
}

/** The workloads' replica progress, in the order the Application lists them. */
export async function loadWorkloads(client: Client, app: KObject): Promise<WorkloadProgress[]> {
  const statuses: ResourceStatus[] = Array.isArray(app.status?.resources) ? app.status.resources : [];
  const healthOf = new Map(statuses.map((s) => [keyString(s), s.health?.status]));
  const out: WorkloadProgress[] = [];
  for (const ref of workloadRefs(app)) {
    const health = healthOf.get(keyString(ref));
    try {
      out.push(await one(client, ref, health));
    } catch {
      // not there (yet): the resources table says so
    }
  }
  return out;
}
