// `gantry server` and `gantry up`: the production wiring of the parts (CONVENTIONS.md #9 — the
// entry file is where implementations are chosen). server = control plane + sync engine;
// up = server + a local node agent (+ an Application for --repo, or the bundled demo).
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { type Agent, type AgentOptions, startAgent } from '../agent/agent.js';
import { LocalImageStore } from '../agent/images/index.js';
import { agentPodExecSource } from '../agent/kubelet/exec-proxy.js';
import { agentPodLogSource } from '../agent/kubelet/pod-log-source.js';
import { type ControlPlane, startControlPlane } from '../cluster/control-plane.js';
import { ApiEventRecorder } from '../cluster/events.js';
import { requestRefreshOfRepos } from '../sync/app-actions.js';
import { ApplicationController } from '../sync/reconcile.js';
import { createWebhookHandler, GENERIC_WEBHOOK_PATH, sameRepo, WEBHOOK_PATH } from '../sync/webhook.js';
import { mountDashboard } from '../ui/server.js';
import { type DemoInfo, prepareDemo } from './demo.js';
import { rootLogger } from './logger.js';

export interface DaemonFlags {
  readonly dataDir: string;
  readonly port: number;
  readonly host: string;
  readonly store?: string;
  readonly tlsSan: readonly string[];
  /** Poll interval of every Application's repository (ms). */
  readonly pollMs?: number;
  readonly webhookSecret?: string;
  /** Leader election among servers sharing a store; default on for an etcd store. */
  readonly leaderElect?: boolean;
  /** Leader lease duration (ms); renew deadline and retry period follow from it. Default 15 s. */
  readonly leaderLeaseMs?: number;
  /** Node lease silence before a node goes NotReady (ms); default the controller's (40 s). */
  readonly nodeGraceMs?: number;
  /** How long a NotReady node's pods are kept before they are evicted (ms); default 5 s. */
  readonly podEvictionMs?: number;
}

export interface UpFlags extends DaemonFlags {
  readonly repo?: string;
  readonly path?: string;
  readonly revision?: string;
  readonly namespace?: string;
  readonly app?: string;
  readonly demo?: string;
  readonly nodeName?: string;
  readonly agentPort?: number;
  readonly insecureRegistry: readonly string[];
  /**
   * Overrides for the local agent's parts (network, service proxy, runtime, pod CIDR …): lets
   * several `up` daemons share one machine (tests, benchmarks) with distinct bridge, netns and
   * nftables names. Not a CLI flag.
   */
  readonly agentOptions?: Partial<
    Omit<AgentOptions, 'apiServer' | 'token' | 'caPem' | 'client' | 'dataDir' | 'images'>
  >;
}

export interface Daemon {
  readonly cp: ControlPlane;
  readonly agent?: Agent;
  readonly demo?: DemoInfo;
  stop(): Promise<void>;
}

/**
 * The sync engine: the webhooks (mounted on every server) and the Application controller on the
 * controller manager's informers, run only while this server leads. A push that reaches a follower
 * becomes a refresh annotation on the Applications it concerns, which the leader acts on at once.
 */
function startSync(cp: ControlPlane, flags: DaemonFlags, log: Logger): void {
  let current: ApplicationController | undefined;
  const webhook = createWebhookHandler({
    secret: () => flags.webhookSecret ?? process.env.GANTRY_WEBHOOK_SECRET,
    onPush: (e) => {
      if (current) {
        return current.onPush(e);
      }
      // a standby server passes the push on through the Applications the leader watches
      return requestRefreshOfRepos(cp.client, e.repoURLs, sameRepo).then((names) => {
        log.info(
          { apps: names },
          'push received while not leading: refresh requested through the Applications',
        );
      });
    },
    logger: log.child({ component: 'webhook' }),
  });
  cp.server.mount(WEBHOOK_PATH, webhook);
  cp.server.mount(GENERIC_WEBHOOK_PATH, webhook);
  cp.whileLeading(async ({ informers }) => {
    // The controller manager's informers of this term: pods and ReplicaSets (the health of what an
    // Application deployed) are cached once per server, not once for controllers and once for sync.
    // They are stopped with the term, not here.
    const apps = new ApplicationController({
      client: cp.client,
      informers,
      dataDir: join(resolve(flags.dataDir), 'sync'),
      logger: log.child({ component: 'sync' }),
      recorder: new ApiEventRecorder(cp.client, 'gantry-sync', { logger: log }),
      pollIntervalMs: flags.pollMs,
    });
    await informers.start();
    const handle = apps.start({ logger: log.child({ controller: 'application' }) });
    current = apps;
    return {
      async stop() {
        if (current === apps) {
          current = undefined;
        }
        await handle.stop();
      },
    };
  });
}

export async function startDaemon(
  mode: 'server' | 'up',
  flags: UpFlags,
  log: Logger = rootLogger(),
): Promise<Daemon> {
  const dataDir = resolve(flags.dataDir);
  const cp = await startControlPlane({
    dataDir,
    port: flags.port,
    host: flags.host,
    store: flags.store,
    tlsHosts: flags.tlsSan,
    logger: log,
    logs: agentPodLogSource,
    exec: agentPodExecSource,
    ...(flags.nodeGraceMs !== undefined || flags.podEvictionMs !== undefined
      ? { controllers: { nodeGracePeriodMs: flags.nodeGraceMs, podEvictionDelayMs: flags.podEvictionMs } }
      : {}),
    // several servers on one etcd: only the leader runs controllers and sync
    leaderElection:
      (flags.leaderElect ?? flags.store?.startsWith('etcd:') === true)
        ? { leaseDurationMs: flags.leaderLeaseMs }
        : false,
  });
  startSync(cp, flags, log);
  mountDashboard(cp, { dataDir, logger: log });
  let agent: Agent | undefined;
  let demo: DemoInfo | undefined;
  try {
    if (mode === 'up') {
      const images = new LocalImageStore({
        root: join(dataDir, 'agent', 'images'),
        insecureRegistries: flags.insecureRegistry,
        logger: log.child({ component: 'images' }),
      });
      agent = await startAgent({
        apiServer: cp.url,
        token: cp.adminToken,
        caPem: cp.caPem,
        client: cp.client,
        nodeName: flags.nodeName ?? hostname(),
        dataDir: join(dataDir, 'agent'),
        port: flags.agentPort,
        images,
        insecureRegistries: flags.insecureRegistry,
        logger: log.child({ component: 'agent' }),
        ...flags.agentOptions,
      });
      if (flags.demo) {
        demo = await prepareDemo({ client: cp.client, dataDir, manifests: resolve(flags.demo), images, log });
      } else if (flags.repo) {
        const { ensureApplication } = await import('../sync/bootstrap.js');
        await ensureApplication(cp.client, {
          name: flags.app ?? 'default',
          repoURL: flags.repo,
          path: flags.path,
          targetRevision: flags.revision,
          namespace: flags.namespace,
        });
      }
    }
  } catch (e) {
    await agent?.stop({ removePods: true });
    await cp.stop();
    throw e;
  }
  return {
    cp,
    agent,
    demo,
    async stop() {
      // `gantry up` owns its node: nothing of it may outlive the process
      await agent?.stop({ removePods: true });
      await cp.stop();
    },
  };
}

/** Runs until SIGINT/SIGTERM, printing where things are. */
export async function runDaemon(mode: 'server' | 'up', flags: UpFlags): Promise<void> {
  const log = rootLogger();
  const d = await startDaemon(mode, flags, log);
  const out = process.stdout;
  out.write(`gantry ${mode}: API server at ${d.cp.url}\n`);
  out.write(`kubeconfig: ${d.cp.kubeconfigPath}\n`);
  out.write(`  export KUBECONFIG=${d.cp.kubeconfigPath}; kubectl get nodes\n`);
  // the token travels in the fragment: a browser never sends it to a server or a log
  out.write(`dashboard: ${d.cp.url}/ui/#token=${d.cp.adminToken}\n`);
  if (mode === 'server') {
    out.write(
      `join a node: gantry agent --join ${d.cp.url} --ca-file ${join(resolve(flags.dataDir), 'pki', 'ca.crt')} --token "$(gantry token create --data-dir ${resolve(flags.dataDir)})"\n`,
    );
  }
  if (d.agent) {
    out.write(`node: ${d.agent.nodeName} (pod CIDR ${d.agent.podCidr})\n`);
  }
  if (d.demo) {
    out.write(
      `demo repository: ${d.demo.repoURL}  (git clone it, change manifests/, push: Gantry syncs it)\n`,
    );
    for (const a of d.demo.apps) {
      out.write(`  application ${a.name}: ${a.path} -> namespace ${a.namespace}\n`);
    }
    for (const l of d.demo.links) {
      out.write(`  ${l}\n`);
    }
  }
  let stopping = false;
  const stop = async (sig: string) => {
    if (stopping) {
      return;
    }
    stopping = true;
    log.info({ signal: sig }, 'stopping');
    await d.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}
