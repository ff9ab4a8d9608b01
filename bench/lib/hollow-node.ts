// A hollow node for scale benchmarks (kubemark's idea): it speaks the node agent's protocol to a
// real API server but starts no containers. It registers its Node with a capacity, waits for the
// server's IPAM controller to assign a pod CIDR, renews its Lease in kube-node-lease, posts a
// Ready status, watches the pods bound to it (fieldSelector spec.nodeName=NAME, as the agent
// does) and reports each Running and Ready with an IP from its CIDR through the status
// subresource; a pod being deleted is confirmed at once. Status writes go through a small
// per-node limit, as a kubelet's rate-limited client would.
import { rfc3339, rfc3339Micro } from '../../src/api/clock.js';
import { isApiError } from '../../src/api/errors.js';
import { isPodTerminal } from '../../src/api/pod-helpers.js';
import type { KObject, Pod } from '../../src/api/types.js';
import { Informer } from '../../src/client/informer.js';
import { R } from '../../src/client/resources.js';
import type { Client } from '../../src/client/types.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export interface HollowNodeOptions {
  readonly name: string;
  /** InternalIP of the node (its pods' hostIP). */
  readonly address: string;
  readonly cpu?: string;
  readonly memory?: string;
  readonly pods?: number;
  /** Lease renewal period. Default 10 s (the kubelet's). */
  readonly leaseRenewMs?: number;
  /** Status writes in flight at once. Default 4. */
  readonly maxInFlight?: number;
  /** Give up waiting for a pod CIDR after this. Default 30 s. */
  readonly cidrTimeoutMs?: number;
}

export interface HollowNode {
  readonly name: string;
  readonly podCidr: string;
  /** Pods this node reported Running so far. */
  readonly reported: number;
  /** Status writes that failed (other than a pod deleted meanwhile). */
  readonly errors: number;
  /** Stops the lease, the watch and pending writes; the Node object stays. */
  stop(): Promise<void>;
}

function readyCondition(now: string): Record<string, unknown> {
  return {
    type: 'Ready',
    status: 'True',
    reason: 'KubeletReady',
    message: 'hollow kubelet is posting ready status',
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  };
}

/** Hands out the host addresses .2 … .254 of a /24 (the CIDR's first three octets as prefix). */
class IpPool {
  private readonly byUid = new Map<string, string>();
  private readonly free: string[] = [];

  constructor(cidr: string) {
    const m = /^(\d+\.\d+\.\d+)\.0\/24$/.exec(cidr);
    if (!m) {
      throw new Error(`hollow node: pod CIDR ${cidr} is not a /24`);
    }
    for (let host = 254; host >= 2; host--) {
      this.free.push(`${m[1]}.${host}`);
    }
  }

  allocate(uid: string): string {
    const have = this.byUid.get(uid);
    if (have) {
      return have;
    }
    const ip = this.free.pop();
    if (!ip) {
      throw new Error('hollow node: pod CIDR exhausted');
    }
    this.byUid.set(uid, ip);
    return ip;
  }

  release(uid: string): void {
    const ip = this.byUid.get(uid);
    if (ip) {
      this.byUid.delete(uid);
      this.free.push(ip);
    }
  }
}

/** Runs at most `limit` of the queued operations at once. */
class Limiter {
  private running = 0;
  private readonly queue: (() => Promise<unknown>)[] = [];
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  run(op: () => Promise<unknown>): void {
    this.queue.push(op);
    this.pump();
  }

  clear(): void {
    this.queue.length = 0;
  }

  idle(): Promise<void> {
    return this.running === 0 && this.queue.length === 0
      ? Promise.resolve()
      : new Promise((r) => this.idleWaiters.push(r));
  }

  private pump(): void {
    while (this.running < this.limit && this.queue.length > 0) {
      const op = this.queue.shift()!;
      this.running++;
      void op()
        .catch(() => {})
        .finally(() => {
          this.running--;
          this.pump();
          if (this.running === 0 && this.queue.length === 0) {
            const waiters = this.idleWaiters;
            this.idleWaiters = [];
            for (const w of waiters) {
              w();
            }
          }
        });
    }
  }
}

async function waitForPodCidr(client: Client, name: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const cidr = (await client.get(R.nodes, undefined, name)).spec?.podCIDR;
    if (typeof cidr === 'string' && cidr !== '') {
      return cidr;
    }
    if (Date.now() > deadline) {
      throw new Error(`hollow node ${name}: no pod CIDR assigned within ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function startHollowNode(client: Client, opts: HollowNodeOptions): Promise<HollowNode> {
  const { name } = opts;
  const resources = { cpu: opts.cpu ?? '32', memory: opts.memory ?? '128Gi', pods: String(opts.pods ?? 110) };
  // register without a pod CIDR: the server's IPAM controller assigns one, as for a real agent
  let node: KObject;
  try {
    node = await client.create(R.nodes, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        labels: {
          'kubernetes.io/hostname': name,
          'kubernetes.io/os': 'linux',
          'kubernetes.io/arch': 'amd64',
          'gantry.dev/hollow': 'true',
        },
      },
      spec: {},
    });
  } catch (e) {
    if (!isApiError(e, 409)) {
      throw e;
    }
    node = await client.get(R.nodes, undefined, name);
  }

  const leaseSpec = () => ({
    holderIdentity: name,
    leaseDurationSeconds: 40,
    renewTime: rfc3339Micro(new Date()),
  });
  const renewLease = async () => {
    try {
      await client.patch(R.leases, NODE_LEASE_NAMESPACE, name, 'merge', { spec: leaseSpec() });
    } catch (e) {
      if (!isApiError(e, 404)) {
        throw e;
      }
      await client.create(R.leases, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name,
          namespace: NODE_LEASE_NAMESPACE,
          ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid ?? '' }],
        },
        spec: leaseSpec(),
      });
    }
  };
  await renewLease();
  let errors = 0;
  const renew = setInterval(() => {
    void renewLease().catch(() => {
      errors++;
    });
  }, opts.leaseRenewMs ?? 10_000);
  renew.unref();

  let podCidr: string;
  try {
    podCidr = await waitForPodCidr(client, name, opts.cidrTimeoutMs ?? 30_000);
    const now = rfc3339(new Date());
    await client.patch(
      R.nodes,
      undefined,
      name,
      'merge',
      {
        status: {
          capacity: resources,
          allocatable: resources,
          conditions: [readyCondition(now)],
          addresses: [
            { type: 'InternalIP', address: opts.address },
            { type: 'Hostname', address: name },
          ],
          nodeInfo: {
            kubeletVersion: 'v1.30.0-gantry-hollow',
            containerRuntimeVersion: 'hollow://0',
            operatingSystem: 'linux',
            architecture: 'amd64',
            osImage: 'hollow',
            kernelVersion: 'hollow',
          },
        },
      },
      { subresource: 'status' },
    );
  } catch (e) {
    clearInterval(renew);
    throw e;
  }

  const ips = new IpPool(podCidr);
  const reported = new Set<string>();
  const limiter = new Limiter(opts.maxInFlight ?? 4);
  let stopped = false;
  let reportedCount = 0;

  const runPod = (pod: Pod) => {
    const uid = pod.metadata.uid ?? '';
    const ip = ips.allocate(uid);
    limiter.run(async () => {
      if (stopped) {
        return;
      }
      const now = rfc3339(new Date());
      const cond = (type: string) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: now });
      const scheduled =
        (pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled') ?? cond('PodScheduled');
      try {
        await client.patch(
          R.pods,
          pod.metadata.namespace,
          pod.metadata.name ?? '',
          'merge',
          {
            status: {
              phase: 'Running',
              hostIP: opts.address,
              podIP: ip,
              podIPs: [{ ip }],
              startTime: now,
              conditions: [cond('Initialized'), cond('Ready'), cond('ContainersReady'), scheduled],
              containerStatuses: pod.spec.containers.map((c) => ({
                name: c.name,
                image: c.image ?? '',
                imageID: '',
                containerID: `hollow://${uid}/${c.name}`,
                ready: true,
                started: true,
                restartCount: 0,
                state: { running: { startedAt: now } },
              })),
            },
          },
          { subresource: 'status' },
        );
        reportedCount++;
      } catch (e) {
        if (!isApiError(e, 404)) {
          errors++;
        }
      }
    });
  };

  const onPod = (obj: KObject) => {
    if (stopped) {
      return;
    }
    const pod = obj as Pod;
    const uid = pod.metadata.uid ?? '';
    if (pod.spec.nodeName !== name) {
      return; // the field selector already filters; a node never acts on another node's pod
    }
    if (pod.metadata.deletionTimestamp) {
      limiter.run(() =>
        client
          .delete(R.pods, pod.metadata.namespace, pod.metadata.name ?? '', {
            gracePeriodSeconds: 0,
            preconditions: { uid },
          })
          .catch(() => {}),
      );
      return;
    }
    if (reported.has(uid) || isPodTerminal(pod)) {
      return;
    }
    reported.add(uid);
    runPod(pod);
  };
  const informer = new Informer(client, R.pods, { fieldSelector: `spec.nodeName=${name}` });
  informer.addHandlers({
    add: onPod,
    update: (_o, p) => onPod(p),
    delete: (p) => {
      const uid = p.metadata.uid ?? '';
      ips.release(uid);
      reported.delete(uid);
    },
  });
  await informer.start();

  return {
    name,
    podCidr,
    get reported() {
      return reportedCount;
    },
    get errors() {
      return errors;
    },
    async stop() {
      stopped = true;
      clearInterval(renew);
      informer.stop();
      limiter.clear();
      await limiter.idle();
    },
  };
}
