// A deterministic stand-in for the cluster around the rollout planners: it applies their actions
// to in-memory ReplicaSets, Services and pods, plays the ReplicaSet controller (creates pods,
// deletes the least ready first) and the kubelet (a pod becomes Ready when its random delay is
// up, or never for a "broken" template). Time moves in whole seconds.
import { rfc3339 } from '../../src/api/clock.js';
import { isPodAvailable } from '../../src/api/pod-helpers.js';
import type { KObject, Pod } from '../../src/api/types.js';
import { compareForDeletion } from '../../src/cluster/controllers/replicaset-plan.js';
import type { ReplicaSetAction } from '../../src/rollout/common/work.js';

/** mulberry32: a small seeded PRNG, so a fast-check seed replays the same run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface SimOptions {
  readonly seed: number;
  /** Most seconds a new pod takes to become Ready. */
  readonly maxReadyDelay?: number;
  /** Pods of templates whose first container image is in here never become Ready. */
  readonly brokenImages?: readonly string[];
}

export class Simulator {
  readonly replicaSets = new Map<string, KObject>();
  readonly pods = new Map<string, Pod>();
  readonly services = new Map<string, KObject>();
  now = new Date('2024-01-01T00:00:00Z');
  private uid = 0;
  private readonly random: () => number;
  private readonly readyAt = new Map<string, number>();

  constructor(private readonly opts: SimOptions) {
    this.random = rng(opts.seed);
  }

  nextUid(prefix: string): string {
    return `${prefix}-${++this.uid}`;
  }

  rsList(): KObject[] {
    return [...this.replicaSets.values()];
  }

  podList(): Pod[] {
    return [...this.pods.values()];
  }

  /** Applies the ReplicaSet actions of a plan; returns the others for the caller. */
  applyReplicaSetAction(a: ReplicaSetAction): void {
    switch (a.kind) {
      case 'createRS': {
        const name = a.rs.metadata.name ?? '';
        if (this.replicaSets.has(name)) {
          throw new Error(`duplicate ReplicaSet ${name}`);
        }
        const rs = structuredClone(a.rs);
        rs.metadata.uid = this.nextUid('rs');
        rs.metadata.creationTimestamp = rfc3339(new Date(Date.UTC(2023, 0, 1) + this.uid * 1000));
        rs.metadata.generation = 1;
        this.replicaSets.set(name, rs);
        return;
      }
      case 'scaleRS':
      case 'annotateRS': {
        const rs = this.mustGet(a.rs);
        const ann = { ...(rs.metadata.annotations ?? {}) };
        for (const [k, v] of Object.entries(a.annotations ?? {})) {
          if (v === null) {
            delete ann[k];
          } else {
            ann[k] = v;
          }
        }
        rs.metadata.annotations = ann;
        if (a.kind === 'scaleRS') {
          rs.spec = { ...rs.spec, replicas: a.to };
        }
        if (a.minReadySeconds !== undefined) {
          rs.spec = { ...rs.spec, minReadySeconds: a.minReadySeconds };
        }
        return;
      }
      case 'deleteRS': {
        const rs = this.mustGet(a.rs);
        this.replicaSets.delete(rs.metadata.name ?? '');
        for (const [k, p] of this.pods) {
          if (p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid) {
            this.pods.delete(k);
          }
        }
        return;
      }
    }
  }

  private mustGet(rs: KObject): KObject {
    const cur = this.replicaSets.get(rs.metadata.name ?? '');
    if (!cur || cur.metadata.uid !== rs.metadata.uid) {
      throw new Error(`no ReplicaSet ${rs.metadata.name}`);
    }
    return cur;
  }

  deletePod(pod: KObject): void {
    this.pods.delete(pod.metadata.name ?? '');
  }

  /** The ReplicaSet controller: pods up or down to spec.replicas (deletions take effect at once). */
  runReplicaSets(): void {
    for (const rs of this.replicaSets.values()) {
      const owned = this.podList().filter((p) => p.metadata.ownerReferences?.[0]?.uid === rs.metadata.uid);
      const want = Number(rs.spec?.replicas ?? 0);
      if (owned.length > want) {
        for (const p of [...owned].sort(compareForDeletion).slice(0, owned.length - want)) {
          this.pods.delete(p.metadata.name ?? '');
        }
      }
      for (let i = owned.length; i < want; i++) {
        this.createPod(rs);
      }
    }
  }

  private createPod(rs: KObject): void {
    const uid = this.nextUid('pod');
    const name = `${rs.metadata.name}-${uid}`;
    const image = String(rs.spec?.template?.spec?.containers?.[0]?.image ?? '');
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        uid,
        namespace: rs.metadata.namespace,
        creationTimestamp: rfc3339(this.now),
        labels: { ...(rs.spec?.template?.metadata?.labels ?? {}) },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: rs.metadata.name ?? '',
            uid: rs.metadata.uid ?? '',
            controller: true,
          },
        ],
      },
      spec: { ...(rs.spec?.template?.spec ?? { containers: [] }), nodeName: 'sim' },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] },
    };
    this.pods.set(name, pod);
    if (!this.opts.brokenImages?.includes(image)) {
      const delay = Math.floor(this.random() * ((this.opts.maxReadyDelay ?? 3) + 1));
      this.readyAt.set(name, this.now.getTime() + delay * 1000);
    }
  }

  /** Pods whose delay is up become Ready now. */
  markReady(): void {
    for (const [name, t] of this.readyAt) {
      const p = this.pods.get(name);
      if (!p) {
        this.readyAt.delete(name);
        continue;
      }
      if (t <= this.now.getTime()) {
        p.status = {
          phase: 'Running',
          conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: rfc3339(this.now) }],
        };
        this.readyAt.delete(name);
      }
    }
  }

  tick(seconds = 1): void {
    this.now = new Date(this.now.getTime() + seconds * 1000);
    this.markReady();
  }

  /** Active pods, and how many are available, over every ReplicaSet (or those with `hash`). */
  counts(minReadySeconds = 0, filter?: (rs: KObject) => boolean): { pods: number; available: number } {
    const uids = new Set(
      this.rsList()
        .filter((rs) => filter?.(rs) ?? true)
        .map((rs) => rs.metadata.uid),
    );
    let pods = 0;
    let available = 0;
    for (const p of this.pods.values()) {
      if (uids.has(p.metadata.ownerReferences?.[0]?.uid)) {
        pods++;
        if (isPodAvailable(p, minReadySeconds, this.now)) {
          available++;
        }
      }
    }
    return { pods, available };
  }
}
