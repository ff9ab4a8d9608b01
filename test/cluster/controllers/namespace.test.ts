import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isApiError } from '../../../src/api/errors.js';
import type { KObject } from '../../../src/api/types.js';
import { R } from '../../../src/client/resources.js';
import { GarbageCollector } from '../../../src/cluster/controllers/garbage-collector.js';
import {
  type NamespaceContent,
  NamespaceController,
  namespaceConditions,
  planNamespace,
} from '../../../src/cluster/controllers/namespace.js';
import { type FakeNode, startFakeNode } from '../../fake-node.js';
import { type Harness, newHarness, waitFor } from './core-harness.js';

const DELETING = '2024-01-01T00:00:00Z';

function ns(extra: Partial<KObject> = {}, deleting = true): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'team', uid: 'u', ...(deleting ? { deletionTimestamp: DELETING } : {}) },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: deleting ? 'Terminating' : 'Active' },
    ...extra,
  };
}

function item(name: string, meta: Partial<KObject['metadata']> = {}): KObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'team', uid: name, ...meta } };
}

describe('planNamespace', () => {
  it('does nothing for an active namespace, or one whose kubernetes finalizer is already gone', () => {
    const contents: NamespaceContent[] = [{ resource: R.configmaps, items: [item('a')] }];
    expect(planNamespace(ns({}, false), contents)).toEqual([]);
    expect(planNamespace(ns({ spec: { finalizers: [] } }), contents)).toEqual([]);
  });

  it('deletes what is not yet being deleted and reports what remains', () => {
    const a = item('a');
    const b = item('b', { deletionTimestamp: DELETING, finalizers: ['example.com/hold'] });
    const pod = { ...item('p', { deletionTimestamp: DELETING }), kind: 'Pod' };
    const contents = [
      { resource: R.configmaps, items: [a, b] },
      { resource: R.pods, items: [pod] },
      { resource: R.jobs, items: [] },
    ];
    const actions = planNamespace(ns(), contents);
    expect(actions.filter((x) => x.kind === 'deleteObject')).toEqual([
      { kind: 'deleteObject', resource: R.configmaps, target: a },
    ]);
    const set = actions.find((x) => x.kind === 'setConditions');
    expect(
      set?.kind === 'setConditions' && set.conditions.find((c) => c.type === 'NamespaceContentRemaining'),
    ).toMatchObject({
      status: 'True',
      reason: 'SomeResourcesRemain',
      message:
        'Some resources are remaining: configmaps. has 2 resource instances, pods. has 1 resource instances',
    });
    expect(
      set?.kind === 'setConditions' && set.conditions.find((c) => c.type === 'NamespaceFinalizersRemaining'),
    ).toMatchObject({
      status: 'True',
      message:
        'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances',
    });
  });

  it('plans nothing more while content it already deleted is finishing and the conditions are current', () => {
    const contents = [
      { resource: R.pods, items: [{ ...item('p', { deletionTimestamp: DELETING }), kind: 'Pod' }] },
    ];
    const current = ns({ status: { phase: 'Terminating', conditions: namespaceConditions(contents) } });
    expect(planNamespace(current, contents)).toEqual([]);
  });

  it('lets go of the namespace once it is empty', () => {
    expect(planNamespace(ns(), [{ resource: R.configmaps, items: [] }])).toEqual([
      { kind: 'removeFinalizer' },
    ]);
  });
});

describe('NamespaceController (registry + informers)', () => {
  let h: Harness;
  let node: FakeNode | undefined;
  beforeEach(async () => {
    h = await newHarness();
  });
  afterEach(async () => {
    await node?.stop();
    await h.stop();
  });

  it('empties a deleted namespace, waits for pods and finalizers, then the namespace goes', async () => {
    const gc = new GarbageCollector({ client: h.client, informers: h.informers });
    const nsc = new NamespaceController({ client: h.client, informers: h.informers, recheckMs: 200 });
    await h.informers.start();
    h.run(gc.start(), nsc.start());
    node = await startFakeNode(h.client, { name: 'node-1' });
    await h.client.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } });
    await h.client.create(R.configmaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cfg', namespace: 'team' },
    });
    await h.client.create(R.configmaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'held', namespace: 'team', finalizers: ['example.com/hold'] },
    });
    await h.client.create(R.services, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'team' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80 }] },
    });
    await h.client.create(R.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'runner', namespace: 'team' },
      spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox' }] },
    });
    await waitFor(
      'pod running',
      async () => (await h.client.get(R.pods, 'team', 'runner')).status?.phase === 'Running',
    );

    await h.client.delete(R.namespaces, undefined, 'team');
    const terminating = await waitFor('finalizers reported', async () => {
      const n = await h.client.get(R.namespaces, undefined, 'team');
      const c = (n.status?.conditions ?? []).find((x: any) => x.type === 'NamespaceFinalizersRemaining');
      return c?.status === 'True' ? n : undefined;
    });
    expect(terminating.status.phase).toBe('Terminating');
    expect(terminating.spec.finalizers).toEqual(['kubernetes']);
    await waitFor(
      'pod gone',
      async () => (await h.client.list(R.pods, { namespace: 'team' })).items.length === 0,
    );
    expect((await h.client.list(R.services, { namespace: 'team' })).items).toEqual([]);
    expect(
      (await h.client.list(R.configmaps, { namespace: 'team' })).items.map((c) => c.metadata.name),
    ).toEqual(['held']);
    await expect(
      h.client.create(R.configmaps, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'late', namespace: 'team' },
      }),
    ).rejects.toMatchObject({ code: 403 });

    await h.client.patch(R.configmaps, 'team', 'held', 'merge', { metadata: { finalizers: null } });
    await waitFor('namespace gone', async () => {
      try {
        await h.client.get(R.namespaces, undefined, 'team');
        return false;
      } catch (e) {
        return isApiError(e, 404);
      }
    });
  });
});
