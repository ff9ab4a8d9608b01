// The registry's Kubernetes semantics over a real MemoryStore: metadata, generation,
// optimistic concurrency, status split, finalizers, deletion, quota, service allocation.
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../../src/api/errors.js';
import type { KObject } from '../../../src/api/types.js';
import { R } from '../../../src/client/resources.js';
import { Registry } from '../../../src/cluster/registry/index.js';
import { MemoryStore } from '../../../src/cluster/store/memory.js';

let reg: Registry;
let store: MemoryStore;

beforeEach(async () => {
  store = new MemoryStore();
  reg = new Registry({ store });
  await reg.bootstrap();
});

function rs(name: string, replicas = 1): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default', labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'c', image: 'img:1' }] },
      },
    },
  };
}

async function code(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 0;
  } catch (e) {
    if (e instanceof ApiError) {
      return e.code;
    }
    throw e;
  }
}

describe('create', () => {
  it('sets uid, creationTimestamp, generation, resourceVersion and defaults', async () => {
    const o = await reg.create(R.replicasets, 'default', rs('web'));
    expect(o.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(o.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(o.metadata.generation).toBe(1);
    expect(Number(o.metadata.resourceVersion)).toBeGreaterThan(0);
    expect(o.spec.template.spec.restartPolicy).toBe('Always');
    expect(o.status).toEqual({});
  });

  it('generates names from generateName', async () => {
    const o = await reg.create(R.configmaps, 'default', { metadata: { generateName: 'cfg-' }, data: {} });
    expect(o.metadata.name).toMatch(/^cfg-[a-z0-9]{5}$/);
  });

  it('refuses duplicates (409) and invalid objects (422) and stores nothing', async () => {
    await reg.create(R.replicasets, 'default', rs('web'));
    expect(await code(reg.create(R.replicasets, 'default', rs('web')))).toBe(409);
    const before = store.revision();
    const bad = rs('Bad_Name');
    bad.spec.template.spec.containers = [];
    const err = await reg.create(R.replicasets, 'default', bad).catch((e: ApiError) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(422);
    const fields = (err as ApiError).details?.causes?.map((c) => c.field) ?? [];
    expect(fields).toContain('metadata.name');
    expect(fields).toContain('spec.template.spec.containers');
    expect(store.revision()).toBe(before);
  });

  it('refuses creates in a missing or terminating namespace', async () => {
    expect(await code(reg.create(R.configmaps, 'nope', { metadata: { name: 'a' } }))).toBe(404);
    await reg.create(R.namespaces, undefined, { metadata: { name: 'dying' } });
    await reg.delete(R.namespaces, undefined, 'dying');
    expect(await code(reg.create(R.configmaps, 'dying', { metadata: { name: 'a' } }))).toBe(403);
  });

  it('rejects a body whose namespace differs from the URL', async () => {
    expect(
      await code(reg.create(R.configmaps, 'default', { metadata: { name: 'a', namespace: 'kube-system' } })),
    ).toBe(400);
  });
});

describe('update and patch', () => {
  it('bumps generation only on spec changes and enforces resourceVersion', async () => {
    const o = await reg.create(R.replicasets, 'default', rs('web'));
    const labelled = structuredClone(o);
    labelled.metadata.labels = { app: 'web', extra: 'x' };
    const u1 = await reg.update(R.replicasets, 'default', 'web', labelled);
    expect(u1.metadata.generation).toBe(1);
    const scaled = structuredClone(u1);
    scaled.spec.replicas = 3;
    const u2 = await reg.update(R.replicasets, 'default', 'web', scaled);
    expect(u2.metadata.generation).toBe(2);
    // stale resourceVersion → 409
    expect(await code(reg.update(R.replicasets, 'default', 'web', scaled))).toBe(409);
  });

  it('keeps status out of main updates and spec out of status updates', async () => {
    const o = await reg.create(R.replicasets, 'default', rs('web'));
    const withStatus = structuredClone(o);
    withStatus.status = { replicas: 5 };
    withStatus.spec.replicas = 2;
    const u = await reg.update(R.replicasets, 'default', 'web', withStatus);
    expect(u.status).toEqual({});
    expect(u.spec.replicas).toBe(2);
    const s = structuredClone(u);
    s.status = { replicas: 2 };
    s.spec.replicas = 9;
    const us = await reg.update(R.replicasets, 'default', 'web', s, {}, 'status');
    expect(us.status).toEqual({ replicas: 2 });
    expect(us.spec.replicas).toBe(2);
  });

  it('a no-op update writes nothing', async () => {
    const o = await reg.create(R.replicasets, 'default', rs('web'));
    const again = await reg.update(R.replicasets, 'default', 'web', structuredClone(o));
    expect(again.metadata.resourceVersion).toBe(o.metadata.resourceVersion);
  });

  it('applies merge and strategic merge patches', async () => {
    await reg.create(R.replicasets, 'default', rs('web'));
    const m = await reg.patch(
      R.replicasets,
      'default',
      'web',
      'application/merge-patch+json',
      '{"spec":{"replicas":4}}',
    );
    expect(m.spec.replicas).toBe(4);
    const s = await reg.patch(
      R.replicasets,
      'default',
      'web',
      'application/strategic-merge-patch+json',
      JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'side', image: 'side:1' }] } } } }),
    );
    expect(s.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(['c', 'side']);
  });
});

describe('delete', () => {
  it('removes objects without finalizers and keeps those with finalizers until they are cleared', async () => {
    await reg.create(R.configmaps, 'default', { metadata: { name: 'plain' } });
    await reg.delete(R.configmaps, 'default', 'plain');
    expect(await code(reg.get(R.configmaps, 'default', 'plain'))).toBe(404);

    await reg.create(R.configmaps, 'default', {
      metadata: { name: 'held', finalizers: ['example.com/hold'] },
    });
    const marked = await reg.delete(R.configmaps, 'default', 'held');
    expect(marked.metadata.deletionTimestamp).toBeDefined();
    const live = await reg.get(R.configmaps, 'default', 'held');
    await reg.update(R.configmaps, 'default', 'held', {
      ...live,
      metadata: { ...live.metadata, finalizers: [] },
    });
    expect(await code(reg.get(R.configmaps, 'default', 'held'))).toBe(404);
  });

  it('adds the foregroundDeletion / orphan finalizer for those policies', async () => {
    await reg.create(R.replicasets, 'default', rs('fg'));
    const fg = await reg.delete(R.replicasets, 'default', 'fg', { propagationPolicy: 'Foreground' });
    expect(fg.metadata.finalizers).toEqual(['foregroundDeletion']);
    await reg.create(R.replicasets, 'default', rs('or'));
    const or = await reg.delete(R.replicasets, 'default', 'or', { propagationPolicy: 'Orphan' });
    expect(or.metadata.finalizers).toEqual(['orphan']);
  });

  it('deletes bound pods gracefully, and at once with grace 0', async () => {
    await reg.create(R.pods, 'default', {
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'c', image: 'i:1' }] },
    });
    await reg.store.update('//pods/default/p', {
      ...(await reg.get(R.pods, 'default', 'p')),
      spec: { ...(await reg.get(R.pods, 'default', 'p')).spec, nodeName: 'n1' },
    });
    const d = await reg.delete(R.pods, 'default', 'p');
    expect(d.metadata.deletionTimestamp).toBeDefined();
    expect(d.metadata.deletionGracePeriodSeconds).toBe(30);
    await reg.delete(R.pods, 'default', 'p', { gracePeriodSeconds: 0 });
    expect(await code(reg.get(R.pods, 'default', 'p'))).toBe(404);
  });

  it('honours uid and resourceVersion preconditions', async () => {
    const o = await reg.create(R.configmaps, 'default', { metadata: { name: 'c' } });
    expect(await code(reg.delete(R.configmaps, 'default', 'c', { preconditions: { uid: 'other' } }))).toBe(
      409,
    );
    expect(
      await code(reg.delete(R.configmaps, 'default', 'c', { preconditions: { resourceVersion: '1' } })),
    ).toBe(409);
    await reg.delete(R.configmaps, 'default', 'c', { preconditions: { uid: o.metadata.uid } });
  });
});

describe('admission extras', () => {
  it('allocates distinct ClusterIPs and NodePorts and rejects taken ones', async () => {
    const svc = (name: string, extra: Record<string, unknown> = {}) => ({
      metadata: { name },
      spec: { type: 'NodePort', selector: { app: name }, ports: [{ port: 80 }], ...extra },
    });
    const a = await reg.create(R.services, 'default', svc('a'));
    const b = await reg.create(R.services, 'default', svc('b'));
    expect(a.spec.clusterIP).toMatch(/^10\.96\./);
    expect(a.spec.clusterIP).not.toBe(b.spec.clusterIP);
    expect(a.spec.ports[0].nodePort).toBeGreaterThanOrEqual(30000);
    expect(a.spec.ports[0].nodePort).not.toBe(b.spec.ports[0].nodePort);
    expect(await code(reg.create(R.services, 'default', svc('c', { clusterIP: a.spec.clusterIP })))).toBe(
      422,
    );
    expect(
      await code(
        reg.create(
          R.services,
          'default',
          svc('d', { ports: [{ port: 80, nodePort: a.spec.ports[0].nodePort }] }),
        ),
      ),
    ).toBe(422);
  });

  it('enforces ResourceQuota on pods and stores nothing over quota', async () => {
    await reg.create(R.resourcequotas, 'default', { metadata: { name: 'q' }, spec: { hard: { pods: '1' } } });
    const pod = (name: string) => ({
      metadata: { name },
      spec: { containers: [{ name: 'c', image: 'i:1' }] },
    });
    await reg.create(R.pods, 'default', pod('one'));
    const err = await reg.create(R.pods, 'default', pod('two')).catch((e: ApiError) => e);
    expect((err as ApiError).code).toBe(403);
    expect((err as ApiError).message).toMatch(
      /exceeded quota: q, requested: pods=1, used: pods=1, limited: pods=1/,
    );
    expect(await code(reg.get(R.pods, 'default', 'two'))).toBe(404);
  });
});

describe('list and watch', () => {
  it('filters by label and field selectors and pages with continue tokens', async () => {
    for (const [n, env] of [
      ['a', 'prod'],
      ['b', 'qa'],
      ['c', 'dev'],
    ]) {
      await reg.create(R.configmaps, 'default', { metadata: { name: n, labels: { env: env! } } });
    }
    const sel = await reg.list(R.configmaps, { labelSelector: 'env in (prod,qa)' });
    expect(sel.items.map((o) => o.metadata.name)).toEqual(['a', 'b']);
    const f = await reg.list(R.configmaps, { fieldSelector: 'metadata.name!=a' });
    expect(f.items.map((o) => o.metadata.name)).toEqual(['b', 'c']);
    const p1 = await reg.list(R.configmaps, { namespace: 'default', limit: 2 });
    expect(p1.items).toHaveLength(2);
    expect(p1.metadata.continue).toBeDefined();
    const p2 = await reg.list(R.configmaps, {
      namespace: 'default',
      limit: 2,
      continue: p1.metadata.continue,
    });
    expect(p2.items.map((o) => o.metadata.name)).toEqual(['c']);
    expect(p2.metadata.continue).toBeUndefined();
    // filtered pages skip non-matching objects and still end exactly
    const f1 = await reg.list(R.configmaps, { namespace: 'default', labelSelector: 'env!=qa', limit: 1 });
    expect(f1.items.map((o) => o.metadata.name)).toEqual(['a']);
    const f2 = await reg.list(R.configmaps, {
      namespace: 'default',
      labelSelector: 'env!=qa',
      limit: 1,
      continue: f1.metadata.continue,
    });
    expect(f2.items.map((o) => o.metadata.name)).toEqual(['c']);
    expect(f2.metadata.continue).toBeUndefined();
  });
});

describe('server-derived fields', () => {
  it('merges Secret stringData into base64 data', async () => {
    const s = await reg.create(R.secrets, 'default', {
      metadata: { name: 's' },
      stringData: { user: 'admin' },
    });
    expect(s.data).toEqual({ user: Buffer.from('admin').toString('base64') });
    expect(s.stringData).toBeUndefined();
  });

  it('gives a Job without manualSelector a selector on its uid and labels its template', async () => {
    const j = await reg.create(R.jobs, 'default', {
      metadata: { name: 'once' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    expect(j.spec.selector.matchLabels['batch.kubernetes.io/controller-uid']).toBe(j.metadata.uid);
    expect(j.spec.template.metadata.labels['job-name']).toBe('once');
  });
});

describe('namespace lifecycle', () => {
  it('always carries the kubernetes finalizer; only the finalize subresource removes it', async () => {
    const ns = await reg.create(R.namespaces, undefined, {
      metadata: { name: 'team' },
      spec: { finalizers: [] },
    });
    expect(ns.spec.finalizers).toEqual(['kubernetes']);
    const plain = await reg.update(R.namespaces, undefined, 'team', { ...ns, spec: { finalizers: [] } });
    expect(plain.spec.finalizers).toEqual(['kubernetes']);
    const deleting = await reg.delete(R.namespaces, undefined, 'team');
    expect(deleting.status.phase).toBe('Terminating');
    expect(await code(reg.get(R.namespaces, undefined, 'team'))).toBe(0);
    await reg.update(
      R.namespaces,
      undefined,
      'team',
      { ...deleting, spec: { finalizers: [] } },
      {},
      'finalize',
    );
    expect(await code(reg.get(R.namespaces, undefined, 'team'))).toBe(404);
  });
});
