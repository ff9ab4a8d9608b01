import { afterEach, describe, expect, it } from 'vitest';
import { isApiError } from '../../../src/api/errors.js';
import type { KObject, Pod } from '../../../src/api/types.js';
import { R } from '../../../src/client/resources.js';
import {
  EndpointsController,
  endpointSubsets,
  planEndpoints,
} from '../../../src/cluster/controllers/endpoints.js';
import { ReplicaSetController } from '../../../src/cluster/controllers/replicaset.js';
import { Scheduler } from '../../../src/cluster/scheduler/index.js';
import { replicaSet, startTestCluster, type TestCluster, until } from './placement-harness.js';

function svc(
  extra: Record<string, unknown> = {},
  selector: Record<string, string> | null = { app: 'web' },
): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default', labels: { team: 'a' } },
    spec: {
      ...(selector ? { selector } : {}),
      ports: [
        { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
        { name: 'metrics', port: 9090, targetPort: 9090, protocol: 'TCP' },
      ],
      ...extra,
    },
  };
}

function pod(
  name: string,
  ip: string | undefined,
  o: {
    ready?: boolean;
    deleting?: boolean;
    httpPort?: number;
    labels?: Record<string, string>;
    phase?: string;
  } = {},
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      labels: o.labels ?? { app: 'web' },
      ...(o.deleting ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}),
    },
    spec: {
      nodeName: 'n1',
      containers: [
        {
          name: 'c',
          image: 'i',
          ports:
            o.httpPort === undefined ? [] : [{ name: 'http', containerPort: o.httpPort, protocol: 'TCP' }],
        },
      ],
    },
    status: {
      phase: (o.phase ?? 'Running') as never,
      ...(ip ? { podIP: ip } : {}),
      conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True' }],
    },
  };
}

const KEY = { namespace: 'default', name: 'web' };
const ref = (name: string) => ({ kind: 'Pod', namespace: 'default', name, uid: `uid-${name}` });

describe('planEndpoints', () => {
  it('lists ready and not-ready pods with ports resolved per pod, in a stable order', () => {
    const pods = [
      pod('b', '10.0.0.9', { httpPort: 8080 }),
      pod('a', '10.0.0.3', { httpPort: 8080 }),
      pod('slow', '10.0.0.4', { httpPort: 8080, ready: false }),
      pod('leaving', '10.0.0.5', { httpPort: 8080, deleting: true }),
      pod('alt', '10.0.0.6', { httpPort: 3000 }),
      pod('noname', '10.0.0.7'), // no "http" port: only metrics
      pod('noip', undefined, { httpPort: 8080 }),
      pod('done', '10.0.0.8', { httpPort: 8080, phase: 'Succeeded' }),
      pod('other', '10.0.0.10', { httpPort: 8080, labels: { app: 'db' } }),
    ];
    const subsets = endpointSubsets(svc(), pods);
    expect(subsets).toEqual([
      {
        addresses: [{ ip: '10.0.0.6', nodeName: 'n1', targetRef: ref('alt') }],
        ports: [
          { name: 'http', port: 3000, protocol: 'TCP' },
          { name: 'metrics', port: 9090, protocol: 'TCP' },
        ],
      },
      {
        addresses: [
          { ip: '10.0.0.3', nodeName: 'n1', targetRef: ref('a') },
          { ip: '10.0.0.9', nodeName: 'n1', targetRef: ref('b') },
        ],
        notReadyAddresses: [
          { ip: '10.0.0.4', nodeName: 'n1', targetRef: ref('slow') },
          { ip: '10.0.0.5', nodeName: 'n1', targetRef: ref('leaving') },
        ],
        ports: [
          { name: 'http', port: 8080, protocol: 'TCP' },
          { name: 'metrics', port: 9090, protocol: 'TCP' },
        ],
      },
      {
        addresses: [{ ip: '10.0.0.7', nodeName: 'n1', targetRef: ref('noname') }],
        ports: [{ name: 'metrics', port: 9090, protocol: 'TCP' }],
      },
    ]);
    // input order does not matter
    expect(endpointSubsets(svc(), [...pods].reverse())).toEqual(subsets);
  });

  it('creates, updates, deletes, and plans nothing when converged (do-nothing)', () => {
    const pods = [pod('a', '10.0.0.3', { httpPort: 8080 })];
    const [create] = planEndpoints(KEY, svc(), pods, undefined);
    expect(create?.kind).toBe('create');
    const stored =
      create?.kind === 'create'
        ? { ...create.endpoints, metadata: { ...create.endpoints.metadata, resourceVersion: '7' } }
        : undefined;
    expect(stored?.metadata.labels).toEqual({ team: 'a' });
    expect(planEndpoints(KEY, svc(), pods, stored)).toEqual([]);
    const [update] = planEndpoints(KEY, svc(), [...pods, pod('b', '10.0.0.4', { httpPort: 8080 })], stored);
    expect(update?.kind === 'update' && update.endpoints.metadata.resourceVersion).toBe('7');
    expect(planEndpoints(KEY, undefined, [], stored)).toEqual([
      { kind: 'delete', namespace: 'default', name: 'web' },
    ]);
    expect(planEndpoints(KEY, undefined, [], undefined)).toEqual([]);
  });

  it('leaves a Service without selector alone, and publishes not-ready pods when asked', () => {
    expect(planEndpoints(KEY, svc({}, null), [pod('a', '10.0.0.3')], undefined)).toEqual([]);
    const subsets = endpointSubsets(svc({ publishNotReadyAddresses: true }), [
      pod('a', '10.0.0.3', { httpPort: 80, ready: false }),
    ]);
    expect(subsets[0]?.addresses).toHaveLength(1);
    expect(subsets[0]?.notReadyAddresses).toBeUndefined();
  });

  it('lists addresses without ports for a headless Service without ports', () => {
    const headless = svc({ clusterIP: 'None', ports: [] });
    const [a] = planEndpoints(KEY, headless, [pod('a', '10.0.0.3')], undefined);
    expect(a?.kind === 'create' && a.endpoints).toMatchObject({
      metadata: { labels: { team: 'a', 'service.kubernetes.io/headless': '' } },
      subsets: [{ addresses: [{ ip: '10.0.0.3', nodeName: 'n1', targetRef: ref('a') }] }],
    });
  });
});

let cluster: TestCluster | undefined;
afterEach(async () => {
  await cluster?.dispose();
  cluster = undefined;
});

describe('EndpointsController (in-process cluster, fake nodes)', () => {
  it('follows pods: ready addresses, not-ready moves, deleted pods leave, removed with the Service', async () => {
    cluster = await startTestCluster();
    const c = cluster;
    await c.node({ name: 'node-a', leaseRenewMs: 200 });
    await c.run(
      new ReplicaSetController({ client: c.client, informers: c.informers }),
      new Scheduler({ client: c.client, informers: c.informers }),
      new EndpointsController({ client: c.client, informers: c.informers }),
    );
    await c.client.create(R.replicasets, replicaSet('web', 2));
    await c.client.create(R.services, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] },
    });
    const ep = await until('2 ready addresses', async () => {
      const e = await c.client.get(R.endpoints, 'default', 'web').catch(() => undefined);
      return e?.subsets?.[0]?.addresses?.length === 2 ? e : undefined;
    });
    expect(ep.subsets[0].ports).toEqual([{ port: 8080, protocol: 'TCP' }]);
    for (const a of ep.subsets[0].addresses) {
      expect(a.ip).toMatch(/^10\.244\.\d+\.\d+$/);
      expect(a.nodeName).toBe('node-a');
      expect(a.targetRef.kind).toBe('Pod');
    }

    // a pod turns not ready: it moves to notReadyAddresses, quickly
    const name = ep.subsets[0].addresses[0].targetRef.name as string;
    const t0 = Date.now();
    await c.client.patch(
      R.pods,
      'default',
      name,
      'strategic',
      { status: { conditions: [{ type: 'Ready', status: 'False' }] } },
      { subresource: 'status' },
    );
    await until('moved to notReadyAddresses', async () => {
      const e = await c.client.get(R.endpoints, 'default', 'web');
      return (
        e.subsets?.[0]?.notReadyAddresses?.[0]?.targetRef?.name === name &&
        e.subsets[0].addresses?.length === 1
      );
    });
    expect(Date.now() - t0).toBeLessThan(1000);

    // unchanged state writes nothing
    const rv = (await c.client.get(R.endpoints, 'default', 'web')).metadata.resourceVersion;
    await new EndpointsController({ client: c.client, informers: c.informers }).reconcile('default/web');
    expect((await c.client.get(R.endpoints, 'default', 'web')).metadata.resourceVersion).toBe(rv);

    // a ready pod is deleted: it leaves the addresses, and its replacement joins them
    const ready = (await c.client.get(R.endpoints, 'default', 'web')).subsets[0].addresses[0].targetRef
      .name as string;
    await c.client.delete(R.pods, 'default', ready);
    await until('deleted pod gone from endpoints, replacement listed', async () => {
      const e = await c.client.get(R.endpoints, 'default', 'web');
      const names = (e.subsets?.[0]?.addresses ?? []).map(
        (a: { targetRef: { name: string } }) => a.targetRef.name,
      );
      return names.length === 1 && !names.includes(ready);
    });

    await c.client.delete(R.services, 'default', 'web');
    await until('endpoints deleted', async () => {
      try {
        await c.client.get(R.endpoints, 'default', 'web');
        return false;
      } catch (e) {
        return isApiError(e, 404);
      }
    });
  });
});
