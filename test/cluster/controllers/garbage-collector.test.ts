import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isApiError } from '../../../src/api/errors.js';
import type { KObject, OwnerReference } from '../../../src/api/types.js';
import { R } from '../../../src/client/resources.js';
import {
  GarbageCollector,
  type GcInput,
  type OwnerState,
  planGarbageCollection,
} from '../../../src/cluster/controllers/garbage-collector.js';
import { type FakeNode, startFakeNode } from '../../fake-node.js';
import { type Harness, newHarness, waitFor } from './core-harness.js';

function ref(uid: string, extra: Partial<OwnerReference> = {}): OwnerReference {
  return { apiVersion: 'v1', kind: 'ConfigMap', name: `owner-${uid}`, uid, ...extra };
}

function obj(uid: string, meta: Partial<KObject['metadata']> = {}): KObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `o-${uid}`, namespace: 'default', uid, ...meta },
  };
}

function input(
  o: KObject,
  owners: Record<string, OwnerState> = {},
  dependents: KObject[] = [],
  withDeps: string[] = [],
): GcInput {
  return {
    obj: o,
    owners: new Map(Object.entries(owners)),
    dependents,
    hasDependents: (x) => withDeps.includes(x.metadata.uid ?? ''),
  };
}

describe('planGarbageCollection', () => {
  it('does nothing for an object without owners, or whose owners all exist (converged)', () => {
    expect(planGarbageCollection(input(obj('a')))).toEqual([]);
    const o = obj('a', { ownerReferences: [ref('p'), ref('q')] });
    expect(planGarbageCollection(input(o, { p: 'solid', q: 'solid' }))).toEqual([]);
  });

  it('deletes (background) an object whose owners are all gone', () => {
    const o = obj('a', { ownerReferences: [ref('p'), ref('q')] });
    expect(planGarbageCollection(input(o, { p: 'dangling', q: 'dangling' }))).toEqual([
      { kind: 'delete', target: o, propagation: 'Background' },
    ]);
  });

  it('keeps an object with one live owner and drops the references to gone ones', () => {
    const o = obj('a', { ownerReferences: [ref('p'), ref('q'), ref('r')] });
    expect(planGarbageCollection(input(o, { p: 'dangling', q: 'solid', r: 'waiting' }))).toEqual([
      { kind: 'removeOwnerRefs', target: o, ownerUids: ['p', 'r'] },
    ]);
  });

  it('deletes in the foreground when the owner waits and the object has dependents of its own', () => {
    const o = obj('a', { ownerReferences: [ref('p')] });
    expect(planGarbageCollection(input(o, { p: 'waiting' }, [], ['a']))[0]).toMatchObject({
      kind: 'delete',
      propagation: 'Foreground',
    });
    expect(planGarbageCollection(input(o, { p: 'waiting' }))[0]).toMatchObject({
      kind: 'delete',
      propagation: 'Background',
    });
  });

  it('keeps objects whose owner kind cannot be resolved', () => {
    const o = obj('a', { ownerReferences: [ref('p', { apiVersion: 'example.com/v1', kind: 'Widget' })] });
    expect(planGarbageCollection(input(o, { p: 'unresolvable' }))).toEqual([]);
  });

  it('foreground: deletes dependents and removes the finalizer only once blocking dependents are gone', () => {
    const owner = obj('p', { deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] });
    const blocking = obj('a', { ownerReferences: [ref('p', { blockOwnerDeletion: true })] });
    const loose = obj('b', { ownerReferences: [ref('p')] });
    const gone = obj('c', {
      ownerReferences: [ref('p', { blockOwnerDeletion: true })],
      deletionTimestamp: '2024-01-01T00:00:00Z',
    });
    const first = planGarbageCollection(input(owner, {}, [blocking, loose, gone], ['b']));
    expect(first).toEqual([
      { kind: 'delete', target: blocking, propagation: 'Background' },
      { kind: 'delete', target: loose, propagation: 'Foreground' },
    ]);
    // only a non-blocking dependent left: the owner may go
    expect(planGarbageCollection(input(owner, {}, [loose]))).toEqual([
      { kind: 'delete', target: loose, propagation: 'Background' },
      { kind: 'removeFinalizer', target: owner, finalizer: 'foregroundDeletion' },
    ]);
    expect(planGarbageCollection(input(owner, {}, []))).toEqual([
      { kind: 'removeFinalizer', target: owner, finalizer: 'foregroundDeletion' },
    ]);
  });

  it('orphan: strips the owner from each dependent, then removes the finalizer', () => {
    const owner = obj('p', { deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['orphan'] });
    const d1 = obj('a', { ownerReferences: [ref('p')] });
    const d2 = obj('b', { ownerReferences: [ref('x'), ref('p')] });
    expect(planGarbageCollection(input(owner, {}, [d1, d2]))).toEqual([
      { kind: 'removeOwnerRefs', target: d1, ownerUids: ['p'] },
      { kind: 'removeOwnerRefs', target: d2, ownerUids: ['p'] },
      { kind: 'removeFinalizer', target: owner, finalizer: 'orphan' },
    ]);
  });

  it('leaves objects being deleted for other reasons alone', () => {
    const o = obj('a', {
      deletionTimestamp: '2024-01-01T00:00:00Z',
      finalizers: ['example.com/hold'],
      ownerReferences: [ref('p')],
    });
    expect(planGarbageCollection(input(o, { p: 'dangling' }))).toEqual([]);
  });
});

describe('GarbageCollector (registry + informers)', () => {
  let h: Harness;
  let node: FakeNode | undefined;

  beforeEach(async () => {
    h = await newHarness();
  });
  afterEach(async () => {
    await node?.stop();
    node = undefined;
    await h.stop();
  });

  const cm = (name: string, owners: OwnerReference[] = [], extra: Partial<KObject['metadata']> = {}) =>
    h.client.create(R.configmaps, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: 'default', ownerReferences: owners, ...extra },
      data: { k: name },
    });
  const refTo = (o: KObject, block = false): OwnerReference => ({
    apiVersion: o.apiVersion,
    kind: o.kind,
    name: o.metadata.name ?? '',
    uid: o.metadata.uid ?? '',
    ...(block ? { blockOwnerDeletion: true } : {}),
  });
  const exists = async (res: typeof R.configmaps, name: string, ns: string | undefined = 'default') => {
    try {
      return await h.client.get(res, ns, name);
    } catch (e) {
      if (isApiError(e, 404)) {
        return undefined;
      }
      throw e;
    }
  };
  const startGc = async (resources?: (typeof R.configmaps)[]) => {
    const gc = new GarbageCollector({
      client: h.client,
      informers: h.informers,
      ...(resources ? { resources } : {}),
    });
    await h.informers.start();
    h.run(gc.start());
    return gc;
  };

  it('background: deleting an owner removes its dependents (pods of a Job too, through their node)', async () => {
    await startGc();
    node = await startFakeNode(h.client, { name: 'node-1' });
    const owner = await cm('owner');
    await cm('dep-1', [refTo(owner)]);
    await cm('dep-2', [refTo(owner)]);
    const job = await h.client.create(R.jobs, {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'batch', namespace: 'default' },
      spec: {
        suspend: true,
        template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] } },
      },
    });
    for (const i of [0, 1]) {
      await h.client.create(R.pods, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: `batch-${i}`,
          namespace: 'default',
          ownerReferences: [{ ...refTo(job, true), controller: true }],
        },
        spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'busybox' }] },
      });
    }
    await waitFor('pods running', async () =>
      (await h.client.list(R.pods, { namespace: 'default' })).items.every(
        (p) => p.status?.phase === 'Running',
      ),
    );
    await h.client.delete(R.configmaps, 'default', 'owner');
    await h.client.delete(R.jobs, 'default', 'batch');
    await waitFor(
      'dependents gone',
      async () => !(await exists(R.configmaps, 'dep-1')) && !(await exists(R.configmaps, 'dep-2')),
    );
    await waitFor(
      'job pods gone',
      async () => (await h.client.list(R.pods, { namespace: 'default' })).items.length === 0,
    );
  });

  it('an owner with the same name but another uid counts as gone; a live owner keeps its dependent', async () => {
    await startGc();
    const owner = await cm('owner');
    await cm('keep', [refTo(owner)]);
    await cm('stale', [{ ...refTo(owner), uid: '00000000-0000-0000-0000-000000000000' }]);
    await waitFor('stale dependent gone', async () => !(await exists(R.configmaps, 'stale')));
    expect(await exists(R.configmaps, 'keep')).toBeDefined();
  });

  it('confirms a missing owner with a live GET before deleting (owner kind not in the caches)', async () => {
    // Only ConfigMaps are watched: a Secret owner is never in the cache, so every check is live.
    await startGc([R.configmaps]);
    const secret = await h.client.create(R.secrets, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'owner', namespace: 'default' },
      data: {},
    });
    await cm('kept', [refTo(secret)]);
    await cm('orphaned', [{ ...refTo(secret), name: 'no-such-secret' }]);
    await waitFor(
      'dependent of a missing secret gone',
      async () => !(await exists(R.configmaps, 'orphaned')),
    );
    expect(await exists(R.configmaps, 'kept')).toBeDefined();
  });

  it('foreground: the owner stays until blocking dependents are gone', async () => {
    await startGc();
    const owner = await cm('owner');
    await cm('held', [refTo(owner, true)], { finalizers: ['example.com/hold'] });
    await cm('plain', [refTo(owner, true)]);
    await h.client.delete(R.configmaps, 'default', 'owner', { propagationPolicy: 'Foreground' });
    await waitFor(
      'held dependent marked for deletion',
      async () => (await exists(R.configmaps, 'held'))?.metadata.deletionTimestamp,
    );
    await waitFor('plain dependent gone', async () => !(await exists(R.configmaps, 'plain')));
    const waiting = await exists(R.configmaps, 'owner');
    expect(waiting?.metadata.finalizers).toContain('foregroundDeletion');
    await h.client.patch(R.configmaps, 'default', 'held', 'merge', { metadata: { finalizers: null } });
    await waitFor('owner gone', async () => !(await exists(R.configmaps, 'owner')));
    expect(await exists(R.configmaps, 'held')).toBeUndefined();
  });

  it('orphan: dependents stay, without the owner reference', async () => {
    await startGc();
    const owner = await cm('owner');
    const other = await cm('other');
    await cm('dep-1', [refTo(owner)]);
    await cm('dep-2', [refTo(other), refTo(owner)]);
    await h.client.delete(R.configmaps, 'default', 'owner', { propagationPolicy: 'Orphan' });
    await waitFor('owner gone', async () => !(await exists(R.configmaps, 'owner')));
    const d1 = await exists(R.configmaps, 'dep-1');
    const d2 = await exists(R.configmaps, 'dep-2');
    expect(d1?.metadata.ownerReferences).toBeUndefined();
    expect(d2?.metadata.ownerReferences?.map((r) => r.uid)).toEqual([other.metadata.uid]);
  });
});
