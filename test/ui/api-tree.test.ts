// The dashboard's resource tree as a pure function of an Application and live objects (fixture
// testdata/api-tree.yaml): parent links by ownerReferences, Endpoints under their Service,
// missing resources, health from the sync engine's rules, per-kind info, and other apps' objects
// left out.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { KObject } from '../../src/api/types.js';
import { applicationTree, ROOT_ID, type TreeNode } from '../../src/ui/tree.js';
import { treeScope } from '../../src/ui/tree-load.js';

const docs = parseAllDocuments(
  readFileSync(join(import.meta.dirname, 'testdata', 'api-tree.yaml'), 'utf8'),
).map((d) => d.toJS() as KObject);
const app = docs[0]!;
const live = docs.slice(1);

function byName(nodes: TreeNode[], kind: string, name: string): TreeNode {
  const n = nodes.find((x) => x.kind === kind && x.name === name);
  if (!n) {
    throw new Error(`no ${kind} ${name} in the tree`);
  }
  return n;
}

const info = (n: TreeNode) => Object.fromEntries(n.info.map((i) => [i.name, i.value]));

describe('applicationTree', () => {
  const nodes = applicationTree(app, live);

  it('roots the tree at the Application with its sync, health and revision', () => {
    expect(nodes[0]).toMatchObject({
      id: ROOT_ID,
      kind: 'Application',
      name: 'web',
      uid: 'app-uid',
      sync: 'OutOfSync',
      health: { status: 'Progressing', message: 'Deployment shop/web progressing' },
    });
    expect(nodes[0]?.parentId).toBeUndefined();
    expect(info(nodes[0]!)).toEqual({ Revision: '53e28ff', Operation: 'Succeeded' });
  });

  it('links Deployment → ReplicaSet → Pod and Service → Endpoints by uid', () => {
    expect(byName(nodes, 'Deployment', 'web')).toMatchObject({
      id: 'dep-uid',
      parentId: ROOT_ID,
      sync: 'Synced',
    });
    expect(byName(nodes, 'ReplicaSet', 'web-5d8f').parentId).toBe('dep-uid');
    expect(byName(nodes, 'ReplicaSet', 'web-7c9a').parentId).toBe('dep-uid');
    expect(byName(nodes, 'Pod', 'web-5d8f-a').parentId).toBe('rs-new-uid');
    expect(byName(nodes, 'Pod', 'web-5d8f-b').parentId).toBe('rs-new-uid');
    expect(byName(nodes, 'Service', 'web')).toMatchObject({ id: 'svc-uid', parentId: ROOT_ID });
    expect(byName(nodes, 'Endpoints', 'web')).toMatchObject({ id: 'ep-uid', parentId: 'svc-uid' });
    expect(byName(nodes, 'ReplicaSet', 'shop-aaa111').parentId).toBe('ro-uid');
  });

  it('lists every parent before its children, newest ReplicaSet first', () => {
    const index = new Map(nodes.map((n, i) => [n.id, i]));
    for (const n of nodes) {
      if (n.parentId) {
        expect(index.get(n.parentId)).toBeLessThan(index.get(n.id)!);
      }
    }
    expect(new Set(nodes.map((n) => n.id)).size).toBe(nodes.length);
    const rs = nodes.filter((n) => n.parentId === 'dep-uid').map((n) => n.name);
    expect(rs).toEqual(['web-5d8f', 'web-7c9a']);
  });

  it('shows a resource in git but not live as missing', () => {
    expect(byName(nodes, 'ConfigMap', 'web-config')).toEqual({
      id: 'missing:/ConfigMap/shop/web-config',
      parentId: ROOT_ID,
      group: '',
      version: 'v1',
      kind: 'ConfigMap',
      namespace: 'shop',
      name: 'web-config',
      sync: 'Missing',
      health: { status: 'Missing' },
      info: [],
    });
  });

  it('leaves out what belongs to other applications', () => {
    expect(nodes.some((n) => n.name === 'other' || n.name === 'other-1')).toBe(false);
  });

  it('assesses health with the sync rules (a crash-looping pod is Degraded)', () => {
    expect(byName(nodes, 'Pod', 'web-5d8f-a').health?.status).toBe('Healthy');
    expect(byName(nodes, 'Pod', 'web-5d8f-b').health?.status).toBe('Degraded');
    expect(byName(nodes, 'Deployment', 'web').health?.status).toBe('Progressing');
    expect(byName(nodes, 'Endpoints', 'web').health).toBeUndefined();
  });

  it('carries replicas, revision, pod phase/ready/restarts/node, service ports and rollout roles', () => {
    expect(info(byName(nodes, 'Deployment', 'web'))).toMatchObject({ Replicas: '1/2', Revision: '2' });
    expect(info(byName(nodes, 'ReplicaSet', 'web-7c9a'))).toMatchObject({ Replicas: '0/0', Revision: '1' });
    expect(info(byName(nodes, 'Pod', 'web-5d8f-b'))).toEqual({
      Phase: 'Running',
      Ready: '0/1',
      Restarts: '3',
      Node: 'n1',
      IP: '10.244.0.7',
    });
    expect(info(byName(nodes, 'Service', 'web'))).toMatchObject({ Type: 'NodePort', Ports: '80:30080/TCP' });
    expect(info(byName(nodes, 'Endpoints', 'web'))).toEqual({ Ready: '1', NotReady: '1' });
    expect(info(byName(nodes, 'ReplicaSet', 'shop-aaa111')).Role).toBe('stable, active');
    expect(info(byName(nodes, 'ReplicaSet', 'shop-bbb222')).Role).toBe('preview');
    expect(byName(nodes, 'ReplicaSet', 'web-7c9a').images).toEqual(['registry.local/web:v1']);
    expect(byName(nodes, 'Deployment', 'web').createdAt).toBe('2024-05-01T10:00:01Z');
  });

  it('adds live objects with its tracking id that the status does not list yet', () => {
    const extra: KObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'web-extra',
        namespace: 'shop',
        uid: 'cm-extra',
        annotations: { 'gantry.dev/tracking-id': 'web:/ConfigMap:shop/web-extra' },
      },
      data: { a: 'b' },
    };
    const forged: KObject = {
      ...extra,
      metadata: { ...extra.metadata, name: 'forged', uid: 'cm-forged' },
    };
    const t = applicationTree(app, [...live, extra, forged]);
    expect(byName(t, 'ConfigMap', 'web-extra')).toMatchObject({ parentId: ROOT_ID, sync: 'Unknown' });
    expect(info(byName(t, 'ConfigMap', 'web-extra'))).toEqual({ Keys: '1' });
    // a tracking id that names another object is not this app's
    expect(t.some((n) => n.name === 'forged')).toBe(false);
  });

  it('an Application without status is just its root', () => {
    const bare: KObject = { ...app, status: undefined };
    expect(applicationTree(bare, [])).toEqual([
      {
        id: ROOT_ID,
        group: 'argoproj.io',
        version: 'v1alpha1',
        kind: 'Application',
        namespace: 'gantry',
        name: 'web',
        uid: 'app-uid',
        sync: 'Unknown',
        health: { status: 'Unknown' },
        info: [],
        createdAt: '2024-05-01T10:00:00Z',
      },
    ]);
  });
});

describe('treeScope', () => {
  it('reads the tracked kinds plus ReplicaSets, Pods and Endpoints in the destination namespaces', () => {
    const s = treeScope(app);
    expect(s.namespaces).toEqual(['shop']);
    expect(s.namespaced.map((i) => `${i.group}/${i.kind}`).sort()).toEqual([
      '/ConfigMap',
      '/Endpoints',
      '/Pod',
      '/Service',
      'apps/Deployment',
      'apps/ReplicaSet',
      'argoproj.io/Rollout',
    ]);
    expect(s.clusterScoped).toEqual([]);
  });
});
