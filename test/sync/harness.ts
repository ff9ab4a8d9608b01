// An in-process control plane, a fake node and an ApplicationController for the sync tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isApiError } from '../../src/api/errors.js';
import type { KObject } from '../../src/api/types.js';
import type { ControllerHandle } from '../../src/client/controller.js';
import { InformerFactory } from '../../src/client/informer-factory.js';
import { R } from '../../src/client/resources.js';
import type { Client } from '../../src/client/types.js';
import { type ControlPlane, startControlPlane } from '../../src/cluster/control-plane.js';
import { ApiEventRecorder } from '../../src/cluster/events.js';
import { ApplicationController } from '../../src/sync/reconcile.js';
import { type FakeNode, startFakeNode } from '../fake-node.js';

export interface Harness {
  readonly root: string;
  readonly cp: ControlPlane;
  readonly client: Client;
  node?: FakeNode;
  startController(opts?: { pollIntervalMs?: number }): Promise<RunningController>;
  close(): Promise<void>;
}

export interface RunningController {
  readonly controller: ApplicationController;
  stop(): Promise<void>;
}

export async function startHarness(opts: { node?: boolean; pollIntervalMs?: number } = {}): Promise<Harness> {
  const root = mkdtempSync(join(tmpdir(), 'gantry-sync-'));
  const cp = await startControlPlane({ dataDir: join(root, 'cp'), port: 0, store: 'memory' });
  const client = cp.client;
  await ensureNs(client, 'gantry');
  const running: RunningController[] = [];
  const h: Harness = {
    root,
    cp,
    client,
    async startController(copts = {}) {
      const informers = new InformerFactory(client);
      const controller = new ApplicationController({
        client,
        informers,
        dataDir: join(root, 'sync'),
        recorder: new ApiEventRecorder(client, 'application-controller'),
        pollIntervalMs: copts.pollIntervalMs ?? opts.pollIntervalMs ?? 300,
      });
      await informers.start();
      const handle: ControllerHandle = controller.start();
      const rc: RunningController = {
        controller,
        async stop() {
          await handle.stop();
          informers.stop();
        },
      };
      running.push(rc);
      return rc;
    },
    async close() {
      for (const r of running) {
        await r.stop().catch(() => undefined);
      }
      await h.node?.stop();
      await cp.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
  if (opts.node !== false) {
    h.node = await startFakeNode(client, { name: 'node-1', leaseRenewMs: 1000 });
  }
  return h;
}

export async function ensureNs(client: Client, name: string): Promise<void> {
  try {
    await client.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  } catch (e) {
    if (!isApiError(e, 409)) {
      throw e;
    }
  }
}

export function application(
  name: string,
  repoURL: string,
  opts: {
    path?: string;
    namespace?: string;
    automated?: { prune?: boolean; selfHeal?: boolean } | false;
    syncOptions?: string[];
    annotations?: Record<string, string>;
    syncWindows?: unknown[];
    targetRevision?: string;
  } = {},
): KObject {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'gantry', ...(opts.annotations ? { annotations: opts.annotations } : {}) },
    spec: {
      project: 'default',
      source: { repoURL, path: opts.path ?? '.', targetRevision: opts.targetRevision ?? 'main' },
      destination: { server: 'https://kubernetes.default.svc', namespace: opts.namespace ?? name },
      syncPolicy: {
        ...(opts.automated === false ? {} : { automated: opts.automated ?? { prune: true } }),
        syncOptions: opts.syncOptions ?? ['CreateNamespace=true'],
      },
      ...(opts.syncWindows ? { syncWindows: opts.syncWindows } : {}),
    },
  };
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) {
        return v as T;
      }
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function getApp(client: Client, name: string): Promise<KObject> {
  return client.get(R.applications, 'gantry', name);
}

export async function getOrUndefined(
  client: Client,
  res: (typeof R)[keyof typeof R],
  ns: string,
  name: string,
) {
  try {
    return await client.get(res, ns, name);
  } catch (e) {
    if (isApiError(e, 404)) {
      return undefined;
    }
    throw e;
  }
}

export function configMap(
  name: string,
  data: Record<string, string>,
  annotations?: Record<string, string>,
): string {
  const ann = annotations
    ? `  annotations:\n${Object.entries(annotations)
        .map(([k, v]) => `    ${k}: "${v}"`)
        .join('\n')}\n`
    : '';
  const body = Object.entries(data)
    .map(([k, v]) => `  ${k}: "${v}"`)
    .join('\n');
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n${ann}data:\n${body}\n`;
}

export function deployment(name: string, image: string, replicas = 2): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
        - name: ${name}
          image: ${image}
`;
}
