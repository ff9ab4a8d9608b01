// Reads what a RolloutView is made of through the Client: the Rollout, the ReplicaSets it owns
// and their pods (I/O at the edge; src/rollout/view.ts builds the view).
import { isApiError } from '../api/errors.js';
import { labelSelectorAsSelector } from '../api/labels.js';
import type { KObject } from '../api/types.js';
import { R } from '../client/resources.js';
import type { Client } from '../client/types.js';
import { type RolloutView, rolloutView } from './view.js';

export interface RolloutObjects {
  readonly rollout: KObject;
  readonly replicaSets: readonly KObject[];
  readonly pods: readonly KObject[];
}

/** The Rollout, its ReplicaSets and their pods; a readable error when the Rollout does not exist. */
export async function loadRolloutObjects(client: Client, ns: string, name: string): Promise<RolloutObjects> {
  let rollout: KObject;
  try {
    rollout = await client.get(R.rollouts, ns, name);
  } catch (e) {
    if (isApiError(e, 404)) {
      throw new Error(`rollout "${name}" not found in namespace ${ns}`, { cause: e });
    }
    throw e;
  }
  const selector = labelSelectorAsSelector(rollout.spec?.selector ?? {}).toString();
  const owned = (o: KObject) =>
    o.metadata.ownerReferences?.some((r) => r.uid === rollout.metadata.uid) ?? false;
  const replicaSets = (
    await client.list(R.replicasets, { namespace: ns, labelSelector: selector })
  ).items.filter(owned);
  const rsUids = new Set(replicaSets.map((rs) => rs.metadata.uid));
  const pods = (await client.list(R.pods, { namespace: ns, labelSelector: selector })).items.filter((p) =>
    p.metadata.ownerReferences?.some((r) => rsUids.has(r.uid)),
  );
  return { rollout, replicaSets, pods };
}

/** The view of one Rollout as it is now. */
export async function loadRolloutView(client: Client, ns: string, name: string): Promise<RolloutView> {
  const o = await loadRolloutObjects(client, ns, name);
  return rolloutView(o.rollout, o.replicaSets, o.pods);
}
