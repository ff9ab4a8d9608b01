// Wires one control plane: store → registry → API server (HTTPS + tokens) → kubeconfig,
// plus the controller manager and scheduler running in-process on the same registry.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { InProcessClient } from '../client/in-process.js';
import type { Client } from '../client/types.js';
import type { PodLogSource } from './apiserver/handlers.js';
import { type ApiServer, createApiServer } from './apiserver/server.js';
import { ensurePki, TokenStore, writeKubeconfig } from './auth/index.js';
import { type ControllerManager, startControllerManager } from './controllers/manager.js';
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
  });
  const url = await server.listen(opts.port ?? 6443, host);
  const kubeconfigPath = join(dataDir, 'kubeconfig');
  await writeKubeconfig(kubeconfigPath, { server: url, caPem: pki.caCertPem, token: adminToken });
  let manager: ControllerManager | undefined;
  if (opts.controllers !== false) {
    manager = await startControllerManager({
      client,
      logger: opts.logger?.child({ component: 'controller-manager' }),
      options: typeof opts.controllers === 'object' ? opts.controllers : undefined,
    });
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
    async stop() {
      await manager?.stop();
      await server.close();
      await store.close();
    },
  };
}
