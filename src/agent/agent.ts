// The node agent: joins the cluster (registers its Node, waits for the pod CIDR the server's node
// IPAM controller assigns, keeps its Lease in kube-node-lease fresh, posts node status), sets up
// the pod network, runs the kubelet, the service proxy and cluster DNS, and serves container logs
// and exec for the API server (agent-server.ts documents that endpoint and its shared token).
//
// stop() leaves pods running, so a restarted agent adopts them; stop({ removePods: true }) (what
// `gantry up` does when it exits) stops every pod's containers and removes mounts, network
// namespaces, the bridge and the service rules, leaving nothing behind.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, statfs } from 'node:fs/promises';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from 'pino';
import { rfc3339Micro, systemClock } from '../api/clock.js';
import { isApiError } from '../api/errors.js';
import type { KObject } from '../api/types.js';
import { HttpClient } from '../client/http.js';
import { R } from '../client/resources.js';
import type { Client } from '../client/types.js';
import { ApiEventRecorder } from '../cluster/events.js';
import { LocalImageStore } from './images/local-image-store.js';
import {
  AGENT_AUTH_SECRET,
  type AgentServer,
  DEFAULT_AGENT_PORT,
  startAgentServer,
} from './kubelet/agent-server.js';
import { Kubelet } from './kubelet/kubelet.js';
import { goArch, type NodeFacts, nodeLabels, nodeStatus, type Pressure } from './kubelet/node-status.js';
import { readAgentAuthToken } from './kubelet/pod-log-source.js';
import { RouteSync } from './kubelet/route-sync.js';
import { ServiceSync } from './kubelet/service-sync.js';
import { BridgeNetwork } from './network/bridge-network.js';
import { gatewayOf, parseCidr } from './network/cidr.js';
import { ClusterDns } from './network/cluster-dns.js';
import { NftServiceProxy } from './network/nft-service-proxy.js';
import { RouteTable } from './network/routes.js';
import { RuncRuntime } from './runtime/runc-runtime.js';
import type { ContainerRuntime, ImageStore, PodNetwork, ServiceProxy } from './types.js';

export { agentPodExecSource } from './kubelet/exec-proxy.js';
export { agentPodLogSource, ensureAgentAuthToken } from './kubelet/pod-log-source.js';
export { AGENT_AUTH_SECRET };

const run = promisify(execFile);
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
export const CLUSTER_POD_CIDR = '10.244.0.0/16';

export interface AgentOptions {
  readonly apiServer: string | readonly string[];
  readonly token: string;
  readonly caPem?: string;
  readonly nodeName: string;
  readonly dataDir: string;
  /** Set spec.podCIDR ourselves (a standalone node); otherwise wait for the server to assign one. */
  readonly podCidr?: string;
  readonly leaseRenewMs?: number;
  readonly nodeStatusMs?: number;
  readonly insecureRegistries?: readonly string[];
  readonly allowedHostPaths?: readonly string[];
  readonly logger?: Logger;
  /** The node's address (InternalIP); default the first non-loopback IPv4 address. */
  readonly address?: string;
  /** Port of the agent's log/exec endpoint; 0 picks one. Default 10250. */
  readonly port?: number;
  /** Cluster DNS on the pods' gateway, port 53. Default true. */
  readonly dns?: boolean;
  /** The API client (default: HttpClient over apiServer/token/caPem). */
  readonly client?: Client;
  readonly images?: ImageStore;
  readonly runtime?: ContainerRuntime;
  readonly network?: PodNetwork;
  /** false: no service proxy. */
  readonly proxy?: ServiceProxy | false;
  readonly maxPods?: number;
  /** A deleted pod waits this long after leaving the service rules before SIGTERM (default 1 s). */
  readonly drainDelayMs?: number;
  /** Names of this node's kernel objects, distinct per agent when several share a machine. */
  readonly bridgeName?: string;
  readonly netnsPrefix?: string;
  readonly vethPrefix?: string;
  /** runc's state directory (default /run/gantry-runc). */
  readonly runcRoot?: string;
  /** nftables table of the service proxy (default gantry-svc). */
  readonly serviceTable?: string;
  /** Routes to the other nodes' pod CIDRs via their InternalIPs (default true). */
  readonly podRoutes?: boolean;
}

export interface Agent {
  readonly nodeName: string;
  readonly podCidr: string;
  readonly client: Client;
  readonly kubelet: Kubelet;
  readonly services: ServiceSync;
  readonly agentPort: number;
  stop(opts?: { removePods?: boolean }): Promise<void>;
}

function detectAddress(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal) {
        return a.address;
      }
    }
  }
  return '127.0.0.1';
}

function osImage(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
    return m?.[1] ?? 'Linux';
  } catch {
    return 'Linux';
  }
}

async function runcVersion(): Promise<string> {
  try {
    const { stdout } = await run('runc', ['--version']);
    return `runc://${/runc version (\S+)/.exec(stdout)?.[1] ?? 'unknown'}`;
  } catch {
    return 'runc://unknown';
  }
}

async function pressure(dataDir: string): Promise<Pressure> {
  let disk = false;
  try {
    const s = await statfs(dataDir);
    disk = s.blocks > 0 && s.bavail / s.blocks < 0.1;
  } catch {
    // unknown: no pressure reported
  }
  let pid = false;
  try {
    const max = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
    const [, , , running] = readFileSync('/proc/loadavg', 'utf8').split(' ');
    const total = Number(running?.split('/')[1]);
    pid = Number.isFinite(total) && max > 0 && total / max > 0.9;
  } catch {
    // not Linux
  }
  return { memory: os.freemem() < 100 * 2 ** 20, disk, pid };
}

async function getOrUndefined(
  client: Client,
  res: typeof R.nodes,
  ns: string | undefined,
  name: string,
): Promise<KObject | undefined> {
  try {
    return await client.get(res, ns, name);
  } catch (e) {
    if (isApiError(e, 404)) {
      return undefined;
    }
    throw e;
  }
}

export async function startAgent(opts: AgentOptions): Promise<Agent> {
  const log = opts.logger?.child({ component: 'agent', node: opts.nodeName });
  const dataDir = resolve(opts.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const client =
    opts.client ??
    new HttpClient({
      server: opts.apiServer,
      token: opts.token,
      caPem: opts.caPem,
      userAgent: `gantry-agent/${opts.nodeName}`,
    });
  const address = opts.address ?? detectAddress();
  const images =
    opts.images ??
    new LocalImageStore({
      root: join(dataDir, 'images'),
      insecureRegistries: opts.insecureRegistries,
      logger: log,
    });
  const runtime =
    opts.runtime ??
    new RuncRuntime({ root: join(dataDir, 'containers'), runcRoot: opts.runcRoot, logger: log });
  const network =
    opts.network ??
    new BridgeNetwork({
      stateDir: join(dataDir, 'network'),
      noMasqueradeCidrs: [CLUSTER_POD_CIDR],
      bridgeName: opts.bridgeName,
      netnsPrefix: opts.netnsPrefix,
      vethPrefix: opts.vethPrefix,
      logger: log,
    });
  const cleanups: (() => Promise<void> | void)[] = [];
  const timers: NodeJS.Timeout[] = [];
  try {
    // the kubelet is created first so the log endpoint can answer from the start
    let kubelet: Kubelet | undefined;
    let cachedToken: string | undefined;
    const server: AgentServer = await startAgentServer(address, opts.port ?? DEFAULT_AGENT_PORT, {
      backend: {
        containerLogPath: (ns, pod, c, prev) => {
          if (!kubelet) {
            throw new Error('the agent is starting');
          }
          return kubelet.containerLogPath(ns, pod, c, prev);
        },
        exec: (ns, pod, c, args, ms) => {
          if (!kubelet) {
            return Promise.reject(new Error('the agent is starting'));
          }
          return kubelet.exec(ns, pod, c, args, ms);
        },
        execStream: (ns, pod, c, args, o) => {
          if (!kubelet) {
            return Promise.reject(new Error('the agent is starting'));
          }
          return kubelet.execStream(ns, pod, c, args, o);
        },
      },
      runtime,
      token: async (refresh) => {
        if (refresh || cachedToken === undefined) {
          cachedToken = await readAgentAuthToken(client);
        }
        return cachedToken;
      },
      logger: log,
    });
    cleanups.push(() => server.close());

    const facts: NodeFacts = {
      nodeName: opts.nodeName,
      hostname: os.hostname(),
      address,
      cpus: os.cpus().length,
      memoryBytes: os.totalmem(),
      storageBytes: await statfs(dataDir).then(
        (s) => s.blocks * s.bsize,
        () => undefined,
      ),
      maxPods: opts.maxPods ?? 110,
      architecture: goArch(process.arch),
      kernelVersion: os.release(),
      osImage: osImage(),
      runtimeVersion: await runcVersion(),
      agentPort: server.port,
      machineID: (() => {
        try {
          return readFileSync('/etc/machine-id', 'utf8').trim();
        } catch {
          return undefined;
        }
      })(),
    };

    // register (or re-register) the Node
    let node = await getOrUndefined(client, R.nodes, undefined, opts.nodeName);
    if (!node) {
      try {
        node = await client.create(R.nodes, {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: { name: opts.nodeName, labels: nodeLabels(facts) },
          spec: opts.podCidr ? { podCIDR: opts.podCidr, podCIDRs: [opts.podCidr] } : {},
        });
      } catch (e) {
        if (!isApiError(e, 409)) {
          throw e;
        }
        node = await client.get(R.nodes, undefined, opts.nodeName);
      }
    } else {
      node = await client.patch(R.nodes, undefined, opts.nodeName, 'merge', {
        metadata: { labels: nodeLabels(facts) },
        ...(opts.podCidr && !node.spec?.podCIDR
          ? { spec: { podCIDR: opts.podCidr, podCIDRs: [opts.podCidr] } }
          : {}),
      });
    }
    const postStatus = async (ready: boolean) => {
      const current = await getOrUndefined(client, R.nodes, undefined, opts.nodeName);
      await client.patch(
        R.nodes,
        undefined,
        opts.nodeName,
        'merge',
        { status: nodeStatus(facts, await pressure(dataDir), current, systemClock.now(), ready) },
        { subresource: 'status' },
      );
    };

    // the Lease, owned by the Node (so it goes with it)
    const leaseSpec = () => ({
      holderIdentity: opts.nodeName,
      leaseDurationSeconds: 40,
      renewTime: rfc3339Micro(new Date()),
    });
    const renewLease = async () => {
      try {
        await client.patch(R.leases, NODE_LEASE_NAMESPACE, opts.nodeName, 'merge', { spec: leaseSpec() });
      } catch (e) {
        if (!isApiError(e, 404)) {
          throw e;
        }
        await client.create(R.leases, {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: {
            name: opts.nodeName,
            namespace: NODE_LEASE_NAMESPACE,
            ownerReferences: [
              { apiVersion: 'v1', kind: 'Node', name: opts.nodeName, uid: node?.metadata.uid ?? '' },
            ],
          },
          spec: leaseSpec(),
        });
      }
    };
    await renewLease();
    await postStatus(false);
    const every = (ms: number, what: string, fn: () => Promise<void>) => {
      const t = setInterval(
        () => void fn().catch((e) => log?.warn({ err: (e as Error)?.message }, `${what} failed`)),
        ms,
      );
      t.unref();
      timers.push(t);
    };
    every(opts.leaseRenewMs ?? 10_000, 'lease renewal', renewLease);

    // the pod CIDR, assigned by the server's node IPAM controller
    let podCidr: string | undefined = node.spec?.podCIDR;
    const waitStarted = Date.now();
    while (!podCidr) {
      await new Promise((r) => setTimeout(r, 200));
      podCidr = (await client.get(R.nodes, undefined, opts.nodeName)).spec?.podCIDR;
      if (!podCidr && Date.now() - waitStarted > 10_000) {
        log?.info('waiting for the server to assign a pod CIDR (node IPAM controller)');
      }
    }
    await network.init(podCidr);
    log?.info({ podCidr }, 'pod network ready');

    // the kubelet drains a deleted pod until the service proxy (started below) no longer routes to it
    let services: ServiceSync | undefined;
    kubelet = new Kubelet({
      trafficTo: (ip) => services?.trafficTo(ip) ?? { serving: false },
      drainDelayMs: opts.drainDelayMs,
      client,
      nodeName: opts.nodeName,
      images,
      runtime,
      network,
      dataDir,
      logger: opts.logger,
      recorder: new ApiEventRecorder(client, 'kubelet', { host: opts.nodeName, logger: log }),
      allowedHostPaths: opts.allowedHostPaths,
      hostIP: address,
      nodeAllocatable: { cpuMilli: facts.cpus * 1000, memoryBytes: facts.memoryBytes },
    });
    await kubelet.start();

    const proxy =
      opts.proxy === false
        ? undefined
        : (opts.proxy ??
          new NftServiceProxy({ nodeIPs: [address], tableName: opts.serviceTable, logger: log }));
    const k = kubelet;
    services = new ServiceSync({ client, proxy, logger: log, onApplied: () => k.serviceRulesChanged() });
    await services.start();
    // every other node's pods are reached through that node (a routed pod network)
    let routes: RouteSync | undefined;
    if (opts.podRoutes !== false) {
      routes = new RouteSync({ client, nodeName: opts.nodeName, table: new RouteTable(log), logger: log });
      await routes.start();
      const r = routes;
      cleanups.push(() => r.stop());
    }
    let dns: ClusterDns | undefined;
    if (opts.dns !== false) {
      dns = new ClusterDns({
        listen: { address: gatewayOf(parseCidr(podCidr)), port: 53 },
        lookup: services.lookup,
        logger: log,
      });
      await dns.start();
    }

    await postStatus(true);
    every(opts.nodeStatusMs ?? 10_000, 'node status', () => postStatus(true));
    log?.info(
      { address, agentPort: server.port, secret: `${AGENT_AUTH_SECRET.namespace}/${AGENT_AUTH_SECRET.name}` },
      'node agent running',
    );

    const cidr = podCidr;
    const svc = services;
    return {
      nodeName: opts.nodeName,
      podCidr: cidr,
      client,
      kubelet: k,
      services: svc,
      agentPort: server.port,
      async stop(stopOpts: { removePods?: boolean } = {}) {
        for (const t of timers) {
          clearInterval(t);
        }
        svc.stop();
        await routes?.stop({ removeRoutes: stopOpts.removePods });
        await dns?.stop();
        await k.stop({ removePods: stopOpts.removePods });
        if (stopOpts.removePods) {
          await proxy?.shutdown();
          await network.shutdown();
        }
        await server.close();
        if (!opts.client && client instanceof HttpClient) {
          client.close();
        }
      },
    };
  } catch (e) {
    for (const t of timers) {
      clearInterval(t);
    }
    for (const c of cleanups.reverse()) {
      await c();
    }
    throw new Error(`start node agent ${opts.nodeName}`, { cause: e });
  }
}
