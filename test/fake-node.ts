// A fake node agent for tests: registers a Node, keeps its Lease fresh, and plays the kubelet
// for pods bound to it (Running with an IP from the node's pod CIDR and Ready conditions, or
// Succeeded/Failed for `true`/`false` run-to-completion pods; graceful deletions confirmed at
// once). Everything goes through the Client, as the real agent does, so it works over
// InProcessClient and HttpClient alike.
import { rfc3339, rfc3339Micro } from '../src/api/clock.js';
import { isApiError } from '../src/api/errors.js';
import { isPodTerminal } from '../src/api/pod-helpers.js';
import type { KObject, Pod } from '../src/api/types.js';
import { Informer } from '../src/client/informer.js';
import { R } from '../src/client/resources.js';
import type { Client } from '../src/client/types.js';

export interface FakeNodeOptions {
  readonly name: string;
  readonly cpu?: string;
  readonly memory?: string;
  readonly pods?: number;
  /** Lease renewal period. Default 10 s (the kubelet's). */
  readonly leaseRenewMs?: number;
  readonly labels?: Readonly<Record<string, string>>;
  /** N in the pod CIDR 10.244.N.0/24 (default: a per-process counter). */
  readonly index?: number;
  /** Delay before a `true`/`false` pod completes. Default 50 ms. */
  readonly completionDelayMs?: number;
}

export interface FakeNode {
  readonly name: string;
  /** Stops renewing the lease and serving pods (the node "dies"); the Node object stays. */
  stop(): Promise<void>;
  /** Reports the node's Ready condition True or False, as an agent would. */
  setReady(ready: boolean): Promise<void>;
}

let nextIndex = 1;

const LEASE_NS = 'kube-node-lease';

function readyCondition(ready: boolean, now: string, transition: string): Record<string, unknown> {
  return {
    type: 'Ready',
    status: ready ? 'True' : 'False',
    reason: ready ? 'KubeletReady' : 'KubeletNotReady',
    message: ready ? 'kubelet is posting ready status' : 'container runtime is down',
    lastHeartbeatTime: now,
    lastTransitionTime: transition,
  };
}

function completionOf(pod: Pod): 'Succeeded' | 'Failed' | undefined {
  const policy = pod.spec.restartPolicy ?? 'Always';
  if (policy === 'Always') {
    return undefined;
  }
  const cmds = pod.spec.containers.map((c) => JSON.stringify(c.command ?? []));
  if (cmds.every((c) => c === '["true"]')) {
    return 'Succeeded';
  }
  if (cmds.some((c) => c === '["false"]')) {
    return 'Failed';
  }
  return undefined;
}

export async function startFakeNode(client: Client, opts: FakeNodeOptions): Promise<FakeNode> {
  const { name } = opts;
  // A node that registers again (an agent restart) keeps its pod CIDR, as the API requires.
  const previous = await client.get(R.nodes, undefined, name).catch((e) => {
    if (isApiError(e, 404)) {
      return undefined;
    }
    throw e;
  });
  const kept = /^10\.244\.(\d+)\.0\/24$/.exec(String(previous?.spec?.podCIDR ?? ''));
  const index = opts.index ?? (kept ? Number(kept[1]) : nextIndex++ % 256);
  const cidr = `10.244.${index}.0/24`;
  const resources = { cpu: opts.cpu ?? '4', memory: opts.memory ?? '8Gi', pods: String(opts.pods ?? 110) };
  const started = rfc3339(new Date());
  let readyTransition = started;
  let ready = true;
  const nodeBody: KObject = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        ...(opts.labels ?? {}),
      },
    },
    spec: { podCIDR: cidr, podCIDRs: [cidr] },
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: [readyCondition(true, started, started)],
      addresses: [
        { type: 'InternalIP', address: `192.168.56.${index}` },
        { type: 'Hostname', address: name },
      ],
      nodeInfo: {
        kubeletVersion: 'v1.30.0-gantry-fake',
        containerRuntimeVersion: 'fake://0',
        operatingSystem: 'linux',
        architecture: 'amd64',
        osImage: 'fake',
        kernelVersion: 'fake',
      },
    },
  };
  let node: KObject;
  try {
    node = await client.create(R.nodes, nodeBody);
  } catch (e) {
    if (!isApiError(e, 409)) {
      throw e;
    }
    const cur = await client.get(R.nodes, undefined, name);
    node = await client.update(R.nodes, {
      ...cur,
      metadata: { ...cur.metadata, labels: nodeBody.metadata.labels },
      spec: { ...cur.spec, ...nodeBody.spec },
    });
  }
  const writeStatus = async () => {
    const now = rfc3339(new Date());
    await client.patch(
      R.nodes,
      undefined,
      name,
      'merge',
      { status: { ...nodeBody.status, conditions: [readyCondition(ready, now, readyTransition)] } },
      { subresource: 'status' },
    );
  };

  // The lease, owned by the Node as the kubelet makes it.
  const leaseSpec = () => ({
    holderIdentity: name,
    leaseDurationSeconds: 40,
    renewTime: rfc3339Micro(new Date()),
  });
  try {
    await client.create(R.leases, {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name,
        namespace: LEASE_NS,
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: node.metadata.uid ?? '' }],
      },
      spec: leaseSpec(),
    });
  } catch (e) {
    if (!isApiError(e, 409)) {
      throw e;
    }
    await client.patch(R.leases, LEASE_NS, name, 'merge', { spec: leaseSpec() });
  }
  // Status after the lease: a node controller that sees Ready=True also sees a fresh lease.
  await writeStatus();
  let stopped = false;
  const renew = setInterval(() => {
    void client
      .patch(R.leases, LEASE_NS, name, 'merge', { spec: { renewTime: rfc3339Micro(new Date()) } })
      .catch(() => {});
  }, opts.leaseRenewMs ?? 10_000);
  renew.unref();

  // The pods: IPs from the CIDR, status through the status subresource.
  const ips = new Map<string, string>();
  const reported = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  const inFlight = new Set<Promise<unknown>>();
  const allocate = (uid: string): string => {
    let ip = ips.get(uid);
    if (ip) {
      return ip;
    }
    const used = new Set(ips.values());
    for (let host = 2; host < 255; host++) {
      const candidate = `10.244.${index}.${host}`;
      if (!used.has(candidate)) {
        ip = candidate;
        break;
      }
    }
    if (!ip) {
      throw new Error(`fake node ${name}: pod CIDR ${cidr} exhausted`);
    }
    ips.set(uid, ip);
    return ip;
  };
  const track = (p: Promise<unknown>) => {
    const q = p.catch(() => {}).finally(() => inFlight.delete(q));
    inFlight.add(q);
  };
  const patchStatus = (pod: Pod, status: Record<string, unknown>) =>
    client.patch(
      R.pods,
      pod.metadata.namespace,
      pod.metadata.name ?? '',
      'merge',
      { status },
      { subresource: 'status' },
    );

  const run = (pod: Pod) => {
    const uid = pod.metadata.uid ?? '';
    const now = rfc3339(new Date());
    const ip = allocate(uid);
    const cond = (type: string, status = 'True') => ({
      type,
      status,
      lastProbeTime: null,
      lastTransitionTime: now,
    });
    const scheduled =
      (pod.status?.conditions ?? []).find((c) => c.type === 'PodScheduled') ?? cond('PodScheduled');
    track(
      patchStatus(pod, {
        phase: 'Running',
        hostIP: `192.168.56.${index}`,
        podIP: ip,
        podIPs: [{ ip }],
        startTime: now,
        conditions: [cond('Initialized'), cond('Ready'), cond('ContainersReady'), scheduled],
        containerStatuses: pod.spec.containers.map((c) => ({
          name: c.name,
          image: c.image ?? '',
          imageID: '',
          containerID: `fake://${uid}/${c.name}`,
          ready: true,
          started: true,
          restartCount: 0,
          state: { running: { startedAt: now } },
        })),
      }),
    );
    const end = completionOf(pod);
    if (end) {
      const t = setTimeout(() => {
        timers.delete(t);
        const at = rfc3339(new Date());
        const code = end === 'Succeeded' ? 0 : 1;
        track(
          patchStatus(pod, {
            phase: end,
            podIP: ip,
            podIPs: [{ ip }],
            conditions: [
              cond('Initialized'),
              cond('Ready', 'False'),
              cond('ContainersReady', 'False'),
              scheduled,
            ],
            containerStatuses: pod.spec.containers.map((c) => ({
              name: c.name,
              image: c.image ?? '',
              imageID: '',
              containerID: `fake://${uid}/${c.name}`,
              ready: false,
              started: false,
              restartCount: 0,
              state: {
                terminated: {
                  exitCode: code,
                  reason: code === 0 ? 'Completed' : 'Error',
                  startedAt: now,
                  finishedAt: at,
                },
              },
            })),
          }),
        );
      }, opts.completionDelayMs ?? 50);
      timers.add(t);
    }
  };

  const onPod = (obj: KObject) => {
    if (stopped) {
      return;
    }
    const pod = obj as Pod;
    const uid = pod.metadata.uid ?? '';
    if (pod.metadata.deletionTimestamp) {
      track(
        client.delete(R.pods, pod.metadata.namespace, pod.metadata.name ?? '', {
          gracePeriodSeconds: 0,
          preconditions: { uid },
        }),
      );
      return;
    }
    if (reported.has(uid) || isPodTerminal(pod)) {
      return;
    }
    reported.add(uid);
    run(pod);
  };
  const informer = new Informer(client, R.pods, { fieldSelector: `spec.nodeName=${name}` });
  informer.addHandlers({
    add: onPod,
    update: (_o, p) => onPod(p),
    delete: (p) => {
      ips.delete(p.metadata.uid ?? '');
      reported.delete(p.metadata.uid ?? '');
    },
  });
  await informer.start();

  return {
    name,
    async stop() {
      stopped = true;
      clearInterval(renew);
      for (const t of timers) {
        clearTimeout(t);
      }
      informer.stop();
      await Promise.all([...inFlight]);
    },
    async setReady(value: boolean) {
      if (value !== ready) {
        ready = value;
        readyTransition = rfc3339(new Date());
      }
      await writeStatus();
    },
  };
}
