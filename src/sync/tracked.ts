// The live side of every Application: one informer per kind an Application may deploy, each
// listing only objects carrying the `app.kubernetes.io/instance` label, indexed by the app their
// tracking id names (an object whose label was copied from a pod template is not tracked: its
// tracking id must name the object itself). Changes are reported by app name so the controller
// requeues the app at once (self-heal in well under a poll). Children (ReplicaSets and pods a
// workload owns) come from the shared informers, for health.
import type { ResourceInfo } from '../api/resources.js';
import { RESOURCES } from '../api/resources.js';
import type { KObject } from '../api/types.js';
import { Informer } from '../client/informer.js';
import type { InformerFactory } from '../client/informer-factory.js';
import { R } from '../client/resources.js';
import type { Client } from '../client/types.js';
import { TRACKING_LABEL } from '../diff/index.js';
import { trackedBy } from './apply.js';

const APP_INDEX = 'gantry-sync/app';
const OWNER_INDEX = 'gantry-sync/owner-uid';
/** Kinds no Application deploys (high-churn bookkeeping objects). */
const UNTRACKED = new Set(['/Event', 'coordination.k8s.io/Lease', '/Node']);

export function trackableResources(): ResourceInfo[] {
  return RESOURCES.filter((r) => !UNTRACKED.has(`${r.group}/${r.kind}`));
}

function ownerUids(o: KObject): string[] {
  return (o.metadata.ownerReferences ?? []).map((r) => r.uid).filter(Boolean);
}

export class TrackedObjects {
  private readonly informers: Informer[];
  private readonly pods: Informer;
  private readonly replicaSets: Informer;

  constructor(
    client: Client,
    shared: InformerFactory,
    onChange: (appName: string) => void,
    onError?: (e: unknown) => void,
  ) {
    this.informers = trackableResources().map(
      (res) => new Informer(client, res, { labelSelector: TRACKING_LABEL, ...(onError ? { onError } : {}) }),
    );
    const notify = (o: KObject) => {
      const app = trackedBy(o) ?? o.metadata.labels?.[TRACKING_LABEL];
      if (app) {
        onChange(app);
      }
    };
    for (const inf of this.informers) {
      inf.addIndex(APP_INDEX, (o) => {
        const app = trackedBy(o);
        return app ? [app] : [];
      });
      inf.addHandlers({
        add: notify,
        update: (old, o) => {
          notify(o);
          const before = trackedBy(old);
          if (before && before !== trackedBy(o)) {
            onChange(before);
          }
        },
        delete: notify,
      });
    }
    this.pods = shared.for(R.pods);
    this.replicaSets = shared.for(R.replicasets);
    for (const inf of [this.pods, this.replicaSets]) {
      inf.addIndex(OWNER_INDEX, ownerUids);
    }
  }

  async start(): Promise<void> {
    await Promise.all(this.informers.map((i) => i.start()));
  }

  waitForSync(): Promise<void> {
    return Promise.all(this.informers.map((i) => i.waitForSync())).then(() => undefined);
  }

  stop(): void {
    for (const i of this.informers) {
      i.stop();
    }
  }

  /** Live objects whose tracking id names `appName`. */
  liveOf(appName: string): KObject[] {
    return this.informers.flatMap((i) => i.byIndex(APP_INDEX, appName));
  }

  /** What a workload owns: ReplicaSets and pods (and a Deployment's ReplicaSets' pods). */
  childrenOf(obj: KObject): KObject[] {
    const uid = obj.metadata.uid;
    if (
      !uid ||
      !['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'Rollout'].includes(obj.kind)
    ) {
      return [];
    }
    const rs =
      obj.kind === 'Deployment' || obj.kind === 'Rollout' ? this.replicaSets.byIndex(OWNER_INDEX, uid) : [];
    const pods = this.pods.byIndex(OWNER_INDEX, uid);
    for (const r of rs) {
      if (r.metadata.uid) {
        pods.push(...this.pods.byIndex(OWNER_INDEX, r.metadata.uid));
      }
    }
    return [...rs, ...pods];
  }
}
