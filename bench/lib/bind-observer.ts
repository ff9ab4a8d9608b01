// Watches every pod of a namespace from the bench process and records, per pod, the local
// (monotonic) receive time of the event that first showed it (ADDED), of the one that first
// carried spec.nodeName (the binding) and of the one that first showed it Running and Ready.
// The server's own timestamps have one-second resolution, too coarse for scheduling latency;
// both receive times come through the same watch stream, so their difference is the latency.
// It also checks per-node semantics: a pod's hostIP must be that of the node it was bound to.
import type { Pod, WatchEvent } from '../../src/api/types.js';
import { R } from '../../src/client/resources.js';
import type { Client, WatchHandle } from '../../src/client/types.js';
import { nowMs } from './stats.js';

export interface PodTimes {
  added?: number;
  bound?: number;
  running?: number;
  /** The pod's DELETED event (evicted, or deleted by its ReplicaSet). */
  deleted?: number;
  node?: string;
}

export interface BindObserver {
  readonly pods: ReadonlyMap<string, PodTimes>;
  readonly boundCount: number;
  readonly runningCount: number;
  /** Pods reported Running with a hostIP other than their node's. */
  readonly wrongNode: number;
  /** Resolves once `count` pods are Running (or rejects after timeoutMs). */
  waitRunning(count: number, timeoutMs: number): Promise<void>;
  stop(): void;
}

function isReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

export async function observeBindings(
  client: Client,
  namespace: string,
  nodeAddress: (node: string) => string | undefined,
): Promise<BindObserver> {
  const pods = new Map<string, PodTimes>();
  let boundCount = 0;
  let runningCount = 0;
  let wrongNode = 0;
  let waiter: { count: number; resolve: () => void } | undefined;
  const onEvent = (ev: WatchEvent) => {
    const t = nowMs();
    const pod = ev.object as Pod;
    const uid = pod.metadata.uid ?? '';
    if (ev.type === 'BOOKMARK' || uid === '') {
      return;
    }
    let rec = pods.get(uid);
    if (!rec) {
      rec = {};
      pods.set(uid, rec);
    }
    rec.added ??= t;
    if (ev.type === 'DELETED') {
      rec.deleted ??= t;
      return;
    }
    if (pod.spec?.nodeName && rec.bound === undefined) {
      rec.bound = t;
      rec.node = pod.spec.nodeName;
      boundCount++;
    }
    if (rec.running === undefined && pod.status?.phase === 'Running' && isReady(pod)) {
      rec.running = t;
      runningCount++;
      if (pod.status.hostIP !== nodeAddress(pod.spec.nodeName ?? '')) {
        wrongNode++;
      }
      if (waiter && runningCount >= waiter.count) {
        waiter.resolve();
        waiter = undefined;
      }
    }
  };
  const list = await client.list(R.pods, { namespace });
  const handle: WatchHandle = await client.watch(
    R.pods,
    { namespace, resourceVersion: list.metadata.resourceVersion },
    onEvent,
  );
  return {
    pods,
    get boundCount() {
      return boundCount;
    },
    get runningCount() {
      return runningCount;
    },
    get wrongNode() {
      return wrongNode;
    },
    waitRunning(count, timeoutMs) {
      if (runningCount >= count) {
        return Promise.resolve();
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiter = undefined;
          reject(new Error(`only ${runningCount} of ${count} pods Running after ${timeoutMs} ms`));
        }, timeoutMs);
        waiter = {
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        };
        void handle.done.then((err) => {
          if (waiter) {
            clearTimeout(timer);
            waiter = undefined;
            reject(new Error('pod watch ended early', { cause: err }));
          }
        });
      });
    },
    stop: () => handle.stop(),
  };
}
