// normalize(): the rules that keep server-set, server-allocated and controller-added fields out of
// the comparison, and the three-way rule for fields only in live.
import { describe, expect, it } from 'vitest';
import type { KObject } from '../../src/api/types.js';
import { diffResources, LAST_APPLIED_GANTRY, normalize } from '../../src/diff/index.js';
import { apply, clone, find, loadYaml, newRegistry } from './helpers.js';

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null) {
    for (const x of Object.values(v)) {
      deepFreeze(x);
    }
    Object.freeze(v);
  }
  return v;
}

function deployment(containers: unknown[], extra: Record<string, unknown> = {}): KObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', namespace: 'shop' },
    spec: {
      selector: { matchLabels: { app: 'd' } },
      template: { metadata: { labels: { app: 'd' } }, spec: { containers } },
      ...extra,
    },
  };
}

/** diff status of a desired/live pair, last applied = `last` (Gantry's annotation on live). */
function statusOf(desired: KObject, live: KObject, last?: KObject) {
  const l = clone(live);
  if (last) {
    l.metadata.annotations = { ...l.metadata.annotations, [LAST_APPLIED_GANTRY]: JSON.stringify(last) };
  }
  return diffResources([desired], [l], { namespace: 'shop' })[0]!;
}

describe('normalize', () => {
  it('never changes its input and strips server metadata, status and bookkeeping annotations', () => {
    const live = deepFreeze({
      ...deployment([{ name: 'c', image: 'i:1' }]),
      metadata: {
        name: 'd',
        namespace: 'shop',
        uid: 'u',
        resourceVersion: '5',
        generation: 2,
        creationTimestamp: '2026-01-01T00:00:00Z',
        managedFields: [{ manager: 'kubectl' }],
        selfLink: '/x',
        annotations: {
          'deployment.kubernetes.io/revision': '3',
          'kubectl.kubernetes.io/last-applied-configuration': '{}',
          keep: 'me',
        },
      },
      status: { replicas: 1 },
    });
    const n = normalize(live, 'live');
    expect(n.metadata).toEqual({ name: 'd', namespace: 'shop', annotations: { keep: 'me' } });
    expect(n.status).toBeUndefined();
    expect(n.spec.replicas).toBe(1); // defaulted
    expect(n.spec.template.spec.containers[0].imagePullPolicy).toBe('IfNotPresent');
  });

  it('fills the namespace of namespaced manifests and clears it on cluster-scoped ones', () => {
    const cm = normalize({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }, 'desired', {
      namespace: 'shop',
    });
    expect(cm.metadata.namespace).toBe('shop');
    const ns = normalize(
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', namespace: 'x' } },
      'desired',
    );
    expect(ns.metadata.namespace).toBeUndefined();
  });

  it('treats null members of a manifest as absent (kustomize writes creationTimestamp: null)', () => {
    const d = deployment([{ name: 'c', image: 'i:1', command: null }]);
    d.metadata.creationTimestamp = null as unknown as string;
    d.spec.template.metadata.creationTimestamp = null;
    const live = normalize(deployment([{ name: 'c', image: 'i:1' }]), 'live');
    expect(normalize(d, 'desired')).toEqual(live);
  });

  it('keeps kinds with server-allocated and generated fields Synced after real admission', async () => {
    const reg = await newRegistry();
    const desired = loadYaml('cluster-bits.yaml');
    const live = await apply(reg, desired);
    const job = find(live, 'Job', 'migrate');
    expect(job.spec.selector.matchLabels['batch.kubernetes.io/controller-uid']).toBe(job.metadata.uid);
    const svc = find(live, 'Service', 'edge');
    expect(svc.spec.ports[0].nodePort).toBeGreaterThan(0);
    const sa = find(live, 'ServiceAccount', 'builder');
    sa.secrets = [{ name: 'builder-token-x7k2q' }]; // as the token controller of older clusters did
    const results = diffResources(desired, live, { namespace: 'shop' });
    expect(results.map((r) => [r.key.kind, r.status, r.patch])).toEqual([
      ['ServiceAccount', 'Synced', []],
      ['Job', 'Synced', []],
      ['Service', 'Synced', []],
    ]);
    // a node port that git pins is compared
    const moved = clone(desired);
    find(moved, 'Service', 'edge').spec.ports[1].nodePort = 30991;
    const [, , edge] = diffResources(moved, live, { namespace: 'shop' });
    expect(edge!.patch).toEqual([{ op: 'replace', path: '/spec/ports/1/nodePort', value: 30991 }]);
  });

  it('compares a clusterIP only when git sets one', () => {
    const svc = (spec: Record<string, unknown>): KObject => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's', namespace: 'shop' },
      spec: { ports: [{ port: 80 }], ...spec },
    });
    const live = svc({ clusterIP: '10.96.0.7', clusterIPs: ['10.96.0.7'], ipFamilies: ['IPv4'] });
    expect(statusOf(svc({}), live).status).toBe('Synced');
    expect(statusOf(svc({ clusterIP: '10.96.0.8' }), live).patch).toEqual([
      { op: 'replace', path: '/spec/clusterIP', value: '10.96.0.8' },
    ]);
    // git pinned the address once and no longer does: the server keeps it, applying changes
    // nothing, so this is not a difference (the three-way rule alone would call it one)
    const pinned = svc({ clusterIP: '10.96.0.7', ports: [{ port: 80, nodePort: 30001 }], type: 'NodePort' });
    const livePinned = svc({ ...live.spec, ports: [{ port: 80, nodePort: 30001 }], type: 'NodePort' });
    expect(statusOf(svc({ type: 'NodePort' }), livePinned, pinned).status).toBe('Synced');
  });

  it('ignores the selector and labels the server generated for a Job even when they were applied', () => {
    const job = (spec: Record<string, unknown> = {}, labels: Record<string, string> = {}): KObject => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'j', namespace: 'shop' },
      spec: {
        template: {
          metadata: { labels },
          spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i:1' }] },
        },
        ...spec,
      },
    });
    const generated = { 'batch.kubernetes.io/controller-uid': 'u1', 'controller-uid': 'u1', 'job-name': 'j' };
    const live = job(
      { selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } } },
      generated,
    );
    // someone re-applied an exported copy once: the generated fields are in last-applied
    expect(statusOf(job(), live, live).status).toBe('Synced');
  });

  it('ignores ServiceAccount token secrets even when they were applied', () => {
    const sa: KObject = {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'sa', namespace: 'shop' },
    };
    const live = { ...sa, secrets: [{ name: 'sa-token-abcde' }] };
    expect(statusOf(sa, live, live).status).toBe('Synced');
    expect(statusOf({ ...sa, secrets: [{ name: 'mine' }] }, live).status).toBe('OutOfSync');
  });

  it('ignores the Namespace name label and pod-template-hash, and tracking metadata unless git sets it', () => {
    const ns: KObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } };
    const liveNs = { ...ns, metadata: { name: 'team', labels: { 'kubernetes.io/metadata.name': 'team' } } };
    expect(statusOf(ns, liveNs).status).toBe('Synced');

    const d = deployment([{ name: 'c', image: 'i:1' }]);
    const live = clone(d);
    live.spec.selector.matchLabels['pod-template-hash'] = 'abc';
    live.spec.template.metadata.labels['pod-template-hash'] = 'abc';
    live.metadata.labels = { 'app.kubernetes.io/instance': 'shop-app' };
    live.metadata.annotations = { 'gantry.dev/tracking-id': 'x' };
    expect(statusOf(d, live, { ...d, metadata: { ...d.metadata, ...live.metadata } }).status).toBe('Synced');
    const claimed = clone(d);
    claimed.metadata.labels = { 'app.kubernetes.io/instance': 'other-app' };
    expect(statusOf(claimed, live).patch).toEqual([
      { op: 'replace', path: '/metadata/labels/app.kubernetes.io~1instance', value: 'other-app' },
    ]);
  });

  it('treats empty maps and lists in git as absent (the server does not store them)', () => {
    const d = deployment([{ name: 'c', image: 'i:1', args: [], env: [] }], { minReadySeconds: 0 });
    d.spec.template.spec.nodeSelector = {};
    d.metadata.annotations = {};
    const live = deployment([{ name: 'c', image: 'i:1' }], { minReadySeconds: 0 });
    expect(statusOf(d, live).status).toBe('Synced');
    // but an empty list where live has elements is a difference
    const withArgs = deployment([{ name: 'c', image: 'i:1', args: ['x'] }], { minReadySeconds: 0 });
    expect(statusOf(d, withArgs, withArgs).patch).toEqual([
      { op: 'remove', path: '/spec/template/spec/containers/0/args/0' },
    ]);
  });

  it('compares quantities by value', () => {
    const d = deployment([{ name: 'c', image: 'i:1', resources: { requests: { cpu: 0.5, memory: '1Gi' } } }]);
    const same = deployment([
      { name: 'c', image: 'i:1', resources: { requests: { cpu: '500m', memory: '1024Mi' } } },
    ]);
    expect(statusOf(d, same).status).toBe('Synced');
    const more = deployment([
      { name: 'c', image: 'i:1', resources: { requests: { cpu: '600m', memory: '1Gi' } } },
    ]);
    expect(statusOf(d, more).patch).toEqual([
      { op: 'replace', path: '/spec/template/spec/containers/0/resources/requests/cpu', value: 0.5 },
    ]);
  });

  it('matches merge lists by key (env, ports, containers) but keeps atomic lists in order', () => {
    const env = [
      { name: 'A', value: '1' },
      { name: 'B', value: '2' },
    ];
    const d = deployment([{ name: 'c', image: 'i:1', env, args: ['x', 'y'] }]);
    const reordered = deployment([{ name: 'c', image: 'i:1', env: [env[1], env[0]], args: ['x', 'y'] }]);
    expect(statusOf(d, reordered).status).toBe('Synced');
    const argsSwapped = deployment([{ name: 'c', image: 'i:1', env, args: ['y', 'x'] }]);
    expect(statusOf(d, argsSwapped).status).toBe('OutOfSync');
    const two = deployment([
      { name: 'a', image: 'a:1' },
      { name: 'b', image: 'b:1' },
    ]);
    const twoSwapped = deployment([
      { name: 'b', image: 'b:1' },
      { name: 'a', image: 'a:1' },
    ]);
    expect(statusOf(two, twoSwapped).status).toBe('Synced');
  });

  it('applies the three-way rule: live-only fields count only when they were applied before', () => {
    const d = deployment([{ name: 'c', image: 'i:1' }]);
    const live = deployment([{ name: 'c', image: 'i:1', workingDir: '/srv' }], { minReadySeconds: 5 });
    live.metadata.labels = { 'added-by': 'someone' };
    live.metadata.finalizers = ['x/y'];
    // nobody applied these: someone else's fields
    expect(statusOf(d, live).status).toBe('Synced');
    expect(statusOf(d, live, d).status).toBe('Synced');
    // they were in the previous revision and are gone from git now
    const before = deployment([{ name: 'c', image: 'i:1', workingDir: '/srv' }], { minReadySeconds: 5 });
    before.metadata.labels = { 'added-by': 'someone' };
    before.metadata.finalizers = ['x/y'];
    const r = statusOf(d, live, before);
    expect(r.status).toBe('OutOfSync');
    expect(r.patch).toEqual(
      expect.arrayContaining([
        { op: 'remove', path: '/spec/minReadySeconds' },
        { op: 'remove', path: '/spec/template/spec/containers/0/workingDir' },
        { op: 'remove', path: '/metadata/labels' },
        { op: 'remove', path: '/metadata/finalizers' },
      ]),
    );
    expect(r.patch).toHaveLength(4);
  });

  it('reads the last applied configuration from the lastApplied option when given', () => {
    const d = deployment([{ name: 'c', image: 'i:1' }]);
    const live = deployment([{ name: 'c', image: 'i:1' }], { minReadySeconds: 5 });
    const before = deployment([{ name: 'c', image: 'i:1' }], { minReadySeconds: 5 });
    const [r] = diffResources([d], [live], { namespace: 'shop', lastApplied: () => before });
    expect(r!.patch).toEqual([{ op: 'remove', path: '/spec/minReadySeconds' }]);
  });

  it('a field removed from git that has a default compares against the default', () => {
    const before = deployment([{ name: 'c', image: 'i:1' }], { replicas: 4 });
    const live = clone(before);
    const d = deployment([{ name: 'c', image: 'i:1' }]);
    expect(statusOf(d, live, before).patch).toEqual([{ op: 'replace', path: '/spec/replicas', value: 1 }]);
  });
});
