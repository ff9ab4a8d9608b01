// Wires one control plane: store → registry → API server (HTTPS + tokens) → kubeconfig,
// plus the controller manager and scheduler running in-process on the same registry. With leader
// election on (several servers on one etcd), the controllers — and whatever else is registered
// through `whileLeading` (the sync engine) — run only while this server holds the leader Lease.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { InProcessClient } from '../client/in-process.js';
import { InformerFactory } from '../client/informer-factory.js';
import type { Client } from '../client/types.js';
import type { PodExecSource } from './apiserver/exec-upgrade.js';
import type { PodLogSource } from './apiserver/handlers.js';
import { type ApiServer, createApiServer } from './apiserver/server.js';
import { ensurePki, TokenStore, writeKubeconfig } from './auth/index.js';
import { startControllerManager } from './controllers/manager.js';
import { LeaderElector, type LeaderTimings } from './leader.js';
import { LeaderScope, type Stoppable } from './leader-scope.js';
import { Registry } from './registry/index.js';
import { openStore } from './store/open.js';
import type { Store } from './store/types.js';

export interface ControlPlaneOptions {
  readonly dataDir: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** `memory` | `sqlite:PATH` | `etcd:URL[,URL…]`; default sqlite in the data dir. */
  readonly store?: string;
  /** Extra names/IPs for the server certificate. */
  readonly tlsHosts?: readonly string[];
  /** Plain HTTP (tests of the HTTP layer only; kubectl gets HTTPS). */
  readonly insecureHttp?: boolean;
  readonly controllers?: boolean | Parameters<typeof startControllerManager>[0]['options'];
  readonly logger?: Logger;
  /** Where `kubectl logs` reads from, given the control plane's client (the node agents' endpoint). */
  readonly logs?: (client: Client) => PodLogSource;
  /** Where `kubectl exec` runs, given the control plane's client (the node agents' endpoint). */
  readonly exec?: (client: Client) => PodExecSource;
  /**
   * Run controllers (and `whileLeading` work) only while holding the `kube-system/gantry-leader`
   * Lease: for several servers on one store. Default off (one server owns its store).
   */
  readonly leaderElection?: boolean | (LeaderTimings & { readonly identity?: string });
}

/** What work run while leading is given: the informers of this term of leadership. */
export interface LeaderContext {
  /**
   * The controller manager's informer factory for this term (a fresh one, stopped with the work,
   * when controllers are off): work that needs pods or ReplicaSets reads the
   * same caches as the controllers instead of holding a second copy. Stopped with the term; the
   * work must not stop it itself.
   */
  readonly informers: InformerFactory;
}

export interface ControlPlane {
  readonly url: string;
  readonly kubeconfigPath: string;
  readonly adminToken: string;
  readonly caPem: string;
  readonly registry: Registry;
  readonly store: Store;
  readonly client: InProcessClient;
  readonly tokens: TokenStore;
  readonly server: ApiServer;
  /** Set when leader election is on. */
  readonly elector?: LeaderElector;
  /**
   * Runs `start` while this server leads (at once when leader election is off) and stops what it
   * returned when leadership is lost or the control plane stops. `start` runs after the
   * controllers of the same term and is given their informers.
   */
  whileLeading(start: (ctx: LeaderContext) => Promise<Stoppable>): void;
  stop(): Promise<void>;
}

export async function startControlPlane(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const dataDir = resolve(opts.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const store = await openStore(opts.store, dataDir);
  const registry = new Registry({ store });
  await registry.bootstrap();
  const tokens = new TokenStore(dataDir);
  const adminToken = tokens.ensureAdminToken();
  const host = opts.host ?? '127.0.0.1';
  const pki = await ensurePki(dataDir, [...(opts.tlsHosts ?? []), ...(host === '0.0.0.0' ? [] : [host])]);
  const client = new InProcessClient(registry);
  const server = createApiServer({
    registry,
    authenticator: tokens,
    tls: opts.insecureHttp ? undefined : { cert: pki.certPem, key: pki.keyPem },
    logger: opts.logger?.child({ component: 'apiserver' }),
    logs: opts.logs?.(client),
    exec: opts.exec?.(client),
  });
  const url = await server.listen(opts.port ?? 6443, host);
  const kubeconfigPath = join(dataDir, 'kubeconfig');
  await writeKubeconfig(kubeconfigPath, { server: url, caPem: pki.caCertPem, token: adminToken });
  const scope = new LeaderScope(opts.logger);
  // The informers of the current term of leadership: the controller manager's, shared with the
  // work registered through whileLeading (it starts after the controllers, in the same term).
  let termInformers: InformerFactory | undefined;
  const informerError = (e: unknown) => opts.logger?.warn({ err: (e as Error)?.message }, 'informer error');
  if (opts.controllers !== false) {
    scope.add(async () => {
      const manager = await startControllerManager({
        client,
        logger: opts.logger?.child({ component: 'controller-manager' }),
        options: typeof opts.controllers === 'object' ? opts.controllers : undefined,
      });
      termInformers = manager.informers;
      return {
        async stop() {
          if (termInformers === manager.informers) {
            termInformers = undefined;
          }
          await manager.stop();
        },
      };
    });
  }
  let elector: LeaderElector | undefined;
  if (opts.leaderElection) {
    elector = new LeaderElector({
      ...(typeof opts.leaderElection === 'object' ? opts.leaderElection : {}),
      client,
      logger: opts.logger?.child({ component: 'leader-election' }),
      onStartedLeading: scope.started,
      onStoppedLeading: () => scope.settled(),
    });
    elector.start();
  } else {
    scope.started(new AbortController().signal);
    await scope.settled();
  }
  return {
    url,
    kubeconfigPath,
    adminToken,
    caPem: pki.caCertPem,
    registry,
    store,
    client,
    tokens,
    server,
    elector,
    whileLeading: (start) =>
      scope.add(async () => {
        if (termInformers) {
          return start({ informers: termInformers });
        }
        // no controllers this term (off, or they failed to start): informers of its own
        const own = new InformerFactory(client, { onError: informerError });
        const work = await start({ informers: own });
        return {
          async stop() {
            await work.stop();
            own.stop();
          },
        };
      }),
    async stop() {
      await elector?.stop();
      await scope.stop();
      await server.close();
      await store.close();
    },
  };
}
