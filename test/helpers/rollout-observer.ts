// Watches a namespace's pods and Endpoints during a rollout and records, per pod, when it became
// Ready, when its deletion began, and when each Service's Endpoints listed it as a ready address
// and stopped listing it (resource versions, which the store orders globally, and wall time in
// this process, which the in-process agent shares). From these and the kubelet's log it checks
// the traffic contract: a pod is a ready endpoint only after it is Ready, and it leaves every
// Service's ready endpoints before its containers get SIGTERM.
import type { KObject } from '../../src/api/types.js';
import { Informer } from '../../src/client/informer.js';
import { R } from '../../src/client/resources.js';
import type { Client } from '../../src/client/types.js';

export interface PodTrace {
  readonly uid: string;
  name: string;
  image?: string;
  readyRv?: number;
  readyAt?: number;
  deletionRv?: number;
  deletionAt?: number;
}

export interface EndpointTrace {
  readonly service: string;
  readonly uid: string;
  joinedRv: number;
  joinedAt: number;
  leftRv?: number;
  leftAt?: number;
}

function rvOf(o: KObject): number {
  return Number(o.metadata.resourceVersion ?? 0);
}

function isReady(p: KObject): boolean {
  return (
    (p.status?.conditions as { type: string; status: string }[] | undefined)?.some(
      (c) => c.type === 'Ready' && c.status === 'True',
    ) === true
  );
}

function readyUids(ep: KObject): Set<string> {
  const out = new Set<string>();
  for (const s of (ep.subsets as { addresses?: { targetRef?: { uid?: string } }[] }[] | undefined) ?? []) {
    for (const a of s.addresses ?? []) {
      if (a.targetRef?.uid) {
        out.add(a.targetRef.uid);
      }
    }
  }
  return out;
}

export class RolloutObserver {
  readonly pods = new Map<string, PodTrace>();
  /** Every stretch a pod was a ready address of a Service's Endpoints. */
  readonly endpoints: EndpointTrace[] = [];
  private readonly open = new Map<string, EndpointTrace>();
  private readonly podInformer: Informer;
  private readonly epInformer: Informer;

  constructor(client: Client, namespace: string) {
    this.podInformer = new Informer(client, R.pods, { namespace });
    this.epInformer = new Informer(client, R.endpoints, { namespace });
    const onPod = (p: KObject) => {
      const uid = p.metadata.uid ?? '';
      let t = this.pods.get(uid);
      if (!t) {
        t = { uid, name: p.metadata.name ?? '' };
        this.pods.set(uid, t);
      }
      t.image ??= p.spec?.containers?.[0]?.image;
      if (t.readyRv === undefined && isReady(p)) {
        t.readyRv = rvOf(p);
        t.readyAt = Date.now();
      }
      if (t.deletionRv === undefined && p.metadata.deletionTimestamp) {
        t.deletionRv = rvOf(p);
        t.deletionAt = Date.now();
      }
    };
    this.podInformer.addHandlers({ add: onPod, update: (_o, n) => onPod(n) });
    const onEp = (ep: KObject, gone = false) => {
      const svc = ep.metadata.name ?? '';
      const now = gone ? new Set<string>() : readyUids(ep);
      const rv = rvOf(ep);
      for (const uid of now) {
        const key = `${svc}/${uid}`;
        if (!this.open.has(key)) {
          const t: EndpointTrace = { service: svc, uid, joinedRv: rv, joinedAt: Date.now() };
          this.open.set(key, t);
          this.endpoints.push(t);
        }
      }
      for (const [key, t] of this.open) {
        if (t.service === svc && !now.has(t.uid)) {
          t.leftRv = rv;
          t.leftAt = Date.now();
          this.open.delete(key);
        }
      }
    };
    this.epInformer.addHandlers({
      add: (o) => onEp(o),
      update: (_o, n) => onEp(n),
      delete: (o) => onEp(o, true),
    });
  }

  async start(): Promise<void> {
    await Promise.all([this.podInformer.start(), this.epInformer.start()]);
  }

  stop(): void {
    this.podInformer.stop();
    this.epInformer.stop();
  }

  /** Endpoint stretches that began before their pod was Ready (by resource version). */
  joinedBeforeReady(): string[] {
    const out: string[] = [];
    for (const e of this.endpoints) {
      const p = this.pods.get(e.uid);
      if (!p || p.readyRv === undefined || e.joinedRv <= p.readyRv) {
        out.push(
          `${p?.name ?? e.uid} joined ${e.service} at rv ${e.joinedRv}, Ready at rv ${p?.readyRv ?? 'never'}`,
        );
      }
    }
    return out;
  }

  /** Endpoint stretches of one pod uid. */
  stretches(uid: string): EndpointTrace[] {
    return this.endpoints.filter((e) => e.uid === uid);
  }

  /** Pods currently in the cache. */
  livePods(): KObject[] {
    return this.podInformer.list();
  }
}
