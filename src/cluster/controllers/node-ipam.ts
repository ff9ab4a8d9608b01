// Node IPAM controller: gives every Node without spec.podCIDR the lowest free /24 of the cluster
// pod range (10.244.0.0/16 by default), as kube-controller-manager's range allocator does. The
// node agent waits for it before it sets up its bridge. A pod CIDR, once set, never changes (the
// API forbids it), so an agent that registers again keeps its pods' addresses.
import type { Logger } from 'pino';
import type { KObject } from '../../api/types.js';
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

export const DEFAULT_CLUSTER_CIDR = '10.244.0.0/16';
export const DEFAULT_NODE_MASK = 24;

interface V4Cidr {
  readonly base: number;
  readonly bits: number;
}

function parseV4Cidr(text: string): V4Cidr | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  if (!m) {
    return undefined;
  }
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) {
    return undefined;
  }
  const ip = octets.reduce((acc, o) => acc * 256 + o, 0);
  const size = 2 ** (32 - bits);
  return { base: ip - (ip % size), bits };
}

function formatV4Cidr(base: number, bits: number): string {
  const o = [24, 16, 8, 0].map((s) => Math.floor(base / 2 ** s) % 256);
  return `${o.join('.')}/${bits}`;
}

export interface CidrAssignment {
  readonly node: string;
  readonly cidr: string;
}

/**
 * Pod CIDRs for the nodes that have none (pure): the lowest free subnets of the cluster range, in
 * node creation order (then name). Nodes beyond the range's capacity get nothing.
 */
export function planNodeCidrs(
  nodes: readonly KObject[],
  clusterCidr: string = DEFAULT_CLUSTER_CIDR,
  maskBits: number = DEFAULT_NODE_MASK,
): CidrAssignment[] {
  const range = parseV4Cidr(clusterCidr);
  if (!range || maskBits < range.bits || maskBits > 30) {
    throw new Error(`invalid cluster CIDR ${clusterCidr} for /${maskBits} node subnets`);
  }
  const step = 2 ** (32 - maskBits);
  const count = 2 ** (maskBits - range.bits);
  const used = new Set<number>();
  for (const n of nodes) {
    for (const c of [n.spec?.podCIDR, ...(Array.isArray(n.spec?.podCIDRs) ? n.spec.podCIDRs : [])]) {
      const p = typeof c === 'string' ? parseV4Cidr(c) : undefined;
      if (p && p.base >= range.base && p.base < range.base + count * step) {
        used.add(Math.floor((p.base - range.base) / step));
      }
    }
  }
  const waiting = nodes
    .filter((n) => !n.spec?.podCIDR && !n.metadata.deletionTimestamp)
    .sort(
      (a, b) =>
        String(a.metadata.creationTimestamp ?? '').localeCompare(
          String(b.metadata.creationTimestamp ?? ''),
        ) || String(a.metadata.name).localeCompare(String(b.metadata.name)),
    );
  const out: CidrAssignment[] = [];
  let next = 0;
  for (const n of waiting) {
    while (next < count && used.has(next)) {
      next++;
    }
    if (next >= count) {
      break;
    }
    used.add(next);
    out.push({ node: String(n.metadata.name), cidr: formatV4Cidr(range.base + next * step, maskBits) });
  }
  return out;
}

export interface NodeIpamControllerOptions {
  readonly client: Client;
  readonly informers: InformerFactory;
  readonly logger?: Logger;
  readonly clusterCidr?: string;
  readonly nodeMaskBits?: number;
  readonly queue?: WorkQueue<string>;
}

const ALL = '*';

export class NodeIpamController implements Reconciler {
  readonly name = 'node-ipam';
  readonly queue: WorkQueue<string>;
  private readonly nodes: Informer;
  /** Assignments written but not yet seen in the cache (so two passes never hand out one subnet). */
  private readonly pending = new Map<string, string>();

  constructor(private readonly opts: NodeIpamControllerOptions) {
    this.queue = opts.queue ?? new WorkQueue<string>();
    this.nodes = opts.informers.for(R.nodes);
    const enqueue = (n: KObject) => {
      if (!n.spec?.podCIDR) {
        this.queue.add(ALL);
      }
    };
    this.nodes.addHandlers({
      add: enqueue,
      update: (_o, n) => enqueue(n),
      delete: () => this.queue.add(ALL),
    });
  }

  start(opts: { workers?: number; logger?: Logger } = {}): ControllerHandle {
    // one worker: assignments are computed over all nodes at once
    return runController(this, { queue: this.queue, workers: 1, logger: opts.logger ?? this.opts.logger });
  }

  async reconcile(): Promise<ReconcileResult | undefined> {
    const cached = this.nodes.list();
    const names = new Set(cached.map((n) => String(n.metadata.name)));
    for (const n of cached) {
      if (n.spec?.podCIDR) {
        this.pending.delete(String(n.metadata.name));
      }
    }
    for (const name of [...this.pending.keys()]) {
      if (!names.has(name)) {
        this.pending.delete(name);
      }
    }
    const view = cached.map((n) => {
      const p = this.pending.get(String(n.metadata.name));
      return p && !n.spec?.podCIDR ? { ...n, spec: { ...n.spec, podCIDR: p } } : n;
    });
    const plan = planNodeCidrs(view, this.opts.clusterCidr, this.opts.nodeMaskBits);
    const waiting = view.filter((n) => !n.spec?.podCIDR && !n.metadata.deletionTimestamp).length;
    for (const a of plan) {
      const node = this.nodes.get(undefined, a.node);
      if (!node) {
        continue;
      }
      await this.opts.client.patch(R.nodes, undefined, a.node, 'merge', {
        metadata: { resourceVersion: node.metadata.resourceVersion },
        spec: { podCIDR: a.cidr, podCIDRs: [a.cidr] },
      });
      this.pending.set(a.node, a.cidr);
      this.opts.logger?.info({ node: a.node, podCIDR: a.cidr }, 'assigned pod CIDR');
    }
    if (plan.length < waiting) {
      this.opts.logger?.warn(
        { waiting: waiting - plan.length, clusterCidr: this.opts.clusterCidr ?? DEFAULT_CLUSTER_CIDR },
        'cluster pod CIDR exhausted: nodes wait for a free subnet',
      );
      return { requeueAfterMs: 30_000 };
    }
    return undefined;
  }
}
