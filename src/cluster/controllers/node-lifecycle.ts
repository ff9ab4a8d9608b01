// Node lifecycle controller: a node whose Lease (kube-node-lease/<node>) stops being renewed
// for the grace period is marked Ready=Unknown and tainted node.kubernetes.io/unreachable:NoExecute;
// after the eviction delay its pods are force-deleted so their controllers recreate them on
// other nodes. A renewed lease removes the taint (the agent sets Ready back itself).
//
// Timing. Like kube-controller-manager, the controller times renewals with its own clock (the
// moment it sees spec.renewTime change, or the agent post a new Ready lastHeartbeatTime), so clock
// skew between node and server cannot evict.
// Kubernetes waits 40 s (node-monitor-grace-period), then evicts after the pods' default 300 s
// toleration of the unreachable taint. Gantry keeps the 40 s grace but replaces the 300 s default
// with `evictionDelayMs` (default 5 s): a control plane for small clusters should move work off a
// dead node quickly. A pod that tolerates the taint keeps its own tolerationSeconds (forever without).
import type { Logger } from 'pino';
import { type Clock, rfc3339, systemClock } from '../../api/clock.js';
import { isApiError } from '../../api/errors.js';
import { getCondition, isPodTerminal } from '../../api/pod-helpers.js';
import type { KObject, Pod } from '../../api/types.js';
import {
  type ControllerHandle,
  type ReconcileResult,
  type Reconciler,
  runController,
} from '../../client/controller.js';
import type { Informer } from '../../client/informer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import type { Client } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { EventRecorder } from '../events.js';
import {
  nodeTaints,
  podTolerations,
  TAINT_UNREACHABLE,
  type Taint,
  toleratesTaint,
} from '../scheduler/taints.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
export const DEFAULT_NODE_GRACE_PERIOD_MS = 40_000;
export const DEFAULT_POD_EVICTION_DELAY_MS = 5_000;
export const NODE_STATUS_UNKNOWN_MESSAGE = 'Kubelet stopped posting node status.';
/** Informer index on pods: spec.nodeName ('' for unscheduled pods). */
export const POD_NODE_NAME_INDEX = 'gantry.dev/pod-node-name';

const UNKNOWN_CONDITIONS = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

export type NodeLifecycleAction =
  | { readonly kind: 'markUnknown'; readonly conditions: readonly Record<string, unknown>[] }
  | { readonly kind: 'taint'; readonly taints: readonly Taint[] }
  | { readonly kind: 'untaint'; readonly taints: readonly Taint[] }
  | { readonly kind: 'evict'; readonly pods: readonly Pod[] };

export interface NodeLifecycleInput {
  readonly node: KObject;
  /** When this controller last saw the node's lease renewed (or first saw the node). */
  readonly lastRenewal: Date;
  /** Pods bound to the node. */
  readonly pods: readonly Pod[];
  readonly now: Date;
  readonly gracePeriodMs?: number;
  readonly evictionDelayMs?: number;
}

export interface NodeLifecyclePlan {
  readonly actions: NodeLifecycleAction[];
  /** When the verdict may change without an event (lease deadline, next eviction). */
  readonly requeueAfterMs?: number;
}

function unknownConditions(node: KObject, now: Date): Record<string, unknown>[] {
  const existing: Record<string, any>[] = Array.isArray(node.status?.conditions)
    ? node.status.conditions
    : [];
  const out = existing.map((c) =>
    UNKNOWN_CONDITIONS.includes(c.type) && c.status !== 'Unknown'
      ? {
          ...c,
          status: 'Unknown',
          reason: 'NodeStatusUnknown',
          message: NODE_STATUS_UNKNOWN_MESSAGE,
          lastTransitionTime: rfc3339(now),
        }
      : c,
  );
  if (!existing.some((c) => c.type === 'Ready')) {
    out.push({
      type: 'Ready',
      status: 'Unknown',
      reason: 'NodeStatusNeverUpdated',
      message: 'Kubelet never posted node status.',
      lastTransitionTime: rfc3339(now),
    });
  }
  return out;
}

/** ms at which `pod` must leave a node tainted unreachable since `taintedAt` (Infinity: never). */
function evictionDeadline(pod: Pod, taint: Taint, taintedAt: number, delayMs: number): number {
  const tol = podTolerations(pod).filter((t) => toleratesTaint(t, taint));
  if (tol.length === 0) {
    return taintedAt + delayMs;
  }
  let seconds = Number.POSITIVE_INFINITY;
  for (const t of tol) {
    seconds = Math.min(
      seconds,
      t.tolerationSeconds === undefined ? Number.POSITIVE_INFINITY : Math.max(0, t.tolerationSeconds),
    );
  }
  return taintedAt + seconds * 1000;
}

export function planNodeLifecycle(input: NodeLifecycleInput): NodeLifecyclePlan {
  const { node, now } = input;
  const grace = input.gracePeriodMs ?? DEFAULT_NODE_GRACE_PERIOD_MS;
  const delay = input.evictionDelayMs ?? DEFAULT_POD_EVICTION_DELAY_MS;
  const taints = nodeTaints(node);
  const existing = taints.find((t) => t.key === TAINT_UNREACHABLE && t.effect === 'NoExecute');
  const deadline = input.lastRenewal.getTime() + grace;
  const actions: NodeLifecycleAction[] = [];
  if (now.getTime() <= deadline) {
    if (existing) {
      actions.push({ kind: 'untaint', taints: taints.filter((t) => t.key !== TAINT_UNREACHABLE) });
    }
    return { actions, requeueAfterMs: deadline - now.getTime() + 1 };
  }
  if (getCondition<{ type: string; status: string }>(node.status, 'Ready')?.status !== 'Unknown') {
    actions.push({ kind: 'markUnknown', conditions: unknownConditions(node, now) });
  }
  let taint = existing;
  if (!taint) {
    taint = { key: TAINT_UNREACHABLE, effect: 'NoExecute', timeAdded: rfc3339(now) };
    actions.push({ kind: 'taint', taints: [...taints, taint] });
  }
  // the taint's timeAdded has whole seconds: use the exact time when we add it in this pass
  const parsed = existing?.timeAdded ? Date.parse(existing.timeAdded) : Number.NaN;
  const taintedAt = Number.isNaN(parsed) ? now.getTime() : Math.min(parsed, now.getTime());
  const evict: Pod[] = [];
  let next = Number.POSITIVE_INFINITY;
  for (const pod of input.pods) {
    if (isPodTerminal(pod)) {
      continue;
    }
    const at = evictionDeadline(pod, taint, taintedAt, delay);
    if (at <= now.getTime()) {
      evict.push(pod);
    } else {
      next = Math.min(next, at);
    }
  }
  if (evict.length > 0) {
    actions.push({ kind: 'evict', pods: evict });
  }
  return Number.isFinite(next) ? { actions, requeueAfterMs: next - now.getTime() } : { actions };
}

export interface NodeLifecycleControllerOptions {
  readonly client: Client;
  readonly informers: InformerFactory;
  readonly recorder?: EventRecorder;
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly queue?: WorkQueue<string>;
  /** Lease silence before a node is marked Unknown and tainted. Default 40 s. */
  readonly gracePeriodMs?: number;
  /** Time on the unreachable taint before the node's pods are deleted. Default 5 s. */
  readonly evictionDelayMs?: number;
}

export class NodeLifecycleController implements Reconciler {
  readonly name = 'node-lifecycle';
  readonly queue: WorkQueue<string>;
  private readonly nodes: Informer;
  private readonly leases: Informer;
  private readonly pods: Informer;
  private readonly clock: Clock;
  /** node → the heartbeat last seen (lease renewTime | Ready lastHeartbeatTime) and when (our clock). */
  private readonly probes = new Map<string, { beat: string; at: number }>();

  constructor(private readonly opts: NodeLifecycleControllerOptions) {
    this.queue = opts.queue ?? new WorkQueue<string>();
    this.clock = opts.clock ?? systemClock;
    this.nodes = opts.informers.for(R.nodes);
    this.leases = opts.informers.for(R.leases);
    this.pods = opts.informers.for(R.pods);
    this.pods.addIndex(POD_NODE_NAME_INDEX, (p) => [p.spec?.nodeName ?? '']);
    this.nodes.addHandlers({
      add: (n) => {
        this.observeHeartbeat(n.metadata.name ?? '');
        this.queue.add(n.metadata.name ?? '');
      },
      update: (_o, n) => {
        this.observeHeartbeat(n.metadata.name ?? '');
        this.queue.add(n.metadata.name ?? '');
      },
      delete: (n) => {
        this.probes.delete(n.metadata.name ?? '');
        this.queue.add(n.metadata.name ?? '');
      },
    });
    const onLease = (l: KObject) => {
      if (l.metadata.namespace === NODE_LEASE_NAMESPACE) {
        this.observeHeartbeat(l.metadata.name ?? '');
        this.queue.add(l.metadata.name ?? '');
      }
    };
    this.leases.addHandlers({ add: onLease, update: (_o, l) => onLease(l) });
  }

  start(opts: { workers?: number; logger?: Logger } = {}): ControllerHandle {
    return runController(this, {
      queue: this.queue,
      workers: opts.workers ?? 1,
      logger: opts.logger ?? this.opts.logger,
    });
  }

  /**
   * Records our clock's time when the node shows a new sign of life: its lease renewTime, or a
   * new Ready lastHeartbeatTime posted by the agent (our own status writes keep that field). The
   * first sighting counts too, so a restarted controller gives every node a full grace period.
   */
  private observeHeartbeat(name: string): void {
    const lease = this.leases.get(NODE_LEASE_NAMESPACE, name);
    const node = this.nodes.get(undefined, name);
    const ready = getCondition<{ type: string; lastHeartbeatTime?: string }>(node?.status, 'Ready');
    const beat = `${lease?.spec?.renewTime ?? ''}|${ready?.lastHeartbeatTime ?? ''}`;
    const prev = this.probes.get(name);
    if (!prev || prev.beat !== beat) {
      this.probes.set(name, { beat, at: this.clock.now().getTime() });
    }
  }

  async reconcile(name: string): Promise<ReconcileResult> {
    const node = this.nodes.get(undefined, name);
    if (!node) {
      this.probes.delete(name);
      return {};
    }
    this.observeHeartbeat(name);
    const probe = this.probes.get(name)!;
    const plan = planNodeLifecycle({
      node,
      lastRenewal: new Date(probe.at),
      pods: this.pods.byIndex(POD_NODE_NAME_INDEX, name) as Pod[],
      now: this.clock.now(),
      gracePeriodMs: this.opts.gracePeriodMs,
      evictionDelayMs: this.opts.evictionDelayMs,
    });
    let current = node;
    for (const a of plan.actions) {
      current = await this.execute(current, a);
    }
    return plan.requeueAfterMs === undefined ? {} : { requeueAfterMs: plan.requeueAfterMs };
  }

  /** Runs one action with the node's resourceVersion as precondition; returns the node as written. */
  private async execute(node: KObject, a: NodeLifecycleAction): Promise<KObject> {
    const name = node.metadata.name ?? '';
    const rv = node.metadata.resourceVersion;
    switch (a.kind) {
      case 'markUnknown': {
        const written = await this.opts.client.patch(
          R.nodes,
          undefined,
          name,
          'merge',
          { metadata: { resourceVersion: rv }, status: { conditions: a.conditions } },
          { subresource: 'status' },
        );
        this.opts.recorder?.event(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
        this.opts.logger?.info({ node: name }, 'node lease expired; marked NotReady');
        return written;
      }
      case 'taint':
      case 'untaint':
        return this.opts.client.patch(R.nodes, undefined, name, 'merge', {
          metadata: { resourceVersion: rv },
          spec: { taints: a.taints.length > 0 ? a.taints : null },
        });
      case 'evict':
        await Promise.all(a.pods.map((p) => this.evict(node, p)));
        return node;
    }
  }

  private async evict(node: KObject, pod: Pod): Promise<void> {
    const ns = pod.metadata.namespace ?? 'default';
    const name = pod.metadata.name ?? '';
    try {
      await this.opts.client.delete(R.pods, ns, name, {
        gracePeriodSeconds: 0,
        preconditions: { uid: pod.metadata.uid },
      });
      this.opts.recorder?.event(
        pod,
        'Normal',
        'TaintManagerEviction',
        `Marking for deletion Pod ${ns}/${name}`,
      );
      this.opts.logger?.info(
        { node: node.metadata.name, pod: `${ns}/${name}` },
        'evicted pod from unreachable node',
      );
    } catch (e) {
      if (!isApiError(e, 404) && !isApiError(e, 409)) {
        throw e;
      }
    }
  }
}
