// End-to-end scenarios for diffResources: live objects come from Gantry's real admission.
import { beforeEach, describe, expect, it } from 'vitest';
import { resourceFor } from '../../src/api/resources.js';
import type { KObject } from '../../src/api/types.js';
import type { Registry } from '../../src/cluster/registry/index.js';
import { diffResources } from '../../src/diff/index.js';
import { apply, clone, find, loadYaml, newRegistry } from './helpers.js';

const DEPLOY = resourceFor('apps/v1', 'Deployment')!;

describe('diffResources on a freshly applied Deployment + Service', () => {
  let reg: Registry;
  let desired: KObject[];
  let live: KObject[];

  beforeEach(async () => {
    reg = await newRegistry();
    desired = loadYaml('app.yaml');
    live = await apply(reg, desired);
  });

  it('is Synced although live carries defaults, server fields, IPs and tracking metadata', () => {
    // sanity: the live copies really went through admission
    const svc = find(live, 'Service', 'web');
    expect(svc.spec.clusterIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(find(live, 'Deployment', 'web').spec.template.spec.dnsPolicy).toBe('ClusterFirst');

    const results = diffResources(desired, live, { namespace: 'shop' });
    expect(results.map((r) => [r.keyString, r.status])).toEqual([
      ['apps/Deployment/shop/web', 'Synced'],
      ['/Service/shop/web', 'Synced'],
    ]);
    for (const r of results) {
      expect(r.patch).toEqual([]);
      expect(r.diff).toBe('');
      expect(r.error).toBeUndefined();
    }
  });

  it('reports an image change as OutOfSync with a replace of the image', () => {
    const next = clone(desired);
    find(next, 'Deployment', 'web').spec.template.spec.containers[0].image = 'registry.local/web:1.5.0';
    const [dep, svc] = diffResources(next, live, { namespace: 'shop' });
    expect(dep!.status).toBe('OutOfSync');
    expect(dep!.patch).toEqual([
      { op: 'replace', path: '/spec/template/spec/containers/0/image', value: 'registry.local/web:1.5.0' },
    ]);
    expect(dep!.diff).toContain('-        image: registry.local/web:1.4.2');
    expect(dep!.diff).toContain('+        image: registry.local/web:1.5.0');
    expect(dep!.diff.split('\n').slice(0, 3)).toEqual([
      '===== apps/Deployment shop/web ======',
      '--- live',
      '+++ desired',
    ]);
    expect(svc!.status).toBe('Synced');
  });

  it('catches a live scale (kubectl scale, the self-heal case) as OutOfSync on /spec/replicas', async () => {
    const scaled = await reg.patch(
      DEPLOY,
      'shop',
      'web',
      'application/merge-patch+json',
      JSON.stringify({ spec: { replicas: 7 } }),
    );
    const liveNow = [scaled, find(live, 'Service', 'web')];
    const [dep] = diffResources(desired, liveNow, { namespace: 'shop' });
    expect(dep!.status).toBe('OutOfSync');
    expect(dep!.patch).toEqual([{ op: 'replace', path: '/spec/replicas', value: 3 }]);
  });

  it('catches a field removed from git (it was in the last applied configuration)', () => {
    const next = clone(desired);
    const dep = find(next, 'Deployment', 'web');
    delete dep.metadata.annotations!.team;
    delete dep.spec.template.spec.containers[0].env;
    const [d] = diffResources(next, live, { namespace: 'shop' });
    expect(d!.status).toBe('OutOfSync');
    expect(d!.patch).toEqual(
      expect.arrayContaining([
        { op: 'remove', path: '/metadata/annotations' },
        { op: 'remove', path: '/spec/template/spec/containers/0/env' },
      ]),
    );
    expect(d!.patch).toHaveLength(2);
  });

  it('catches a container removed from git but not a sidecar someone else injected', () => {
    const dep = find(live, 'Deployment', 'web');
    const injected = clone(dep);
    injected.spec.template.spec.containers.push({ name: 'mesh-proxy', image: 'mesh/proxy:1' });
    const same = diffResources(desired, [injected], { namespace: 'shop' })[0]!;
    expect(same.status).toBe('Synced');

    const next = clone(desired);
    find(next, 'Deployment', 'web').spec.template.spec.containers.splice(1, 1); // drop log-shipper
    const [d] = diffResources(next, [injected], { namespace: 'shop' });
    expect(d!.status).toBe('OutOfSync');
    expect(d!.patch).toEqual([{ op: 'remove', path: '/spec/template/spec/containers/1' }]);
  });

  it('stays Synced when controllers add annotations and status', async () => {
    const dep = find(live, 'Deployment', 'web');
    const withStatus = await reg.update(DEPLOY, 'shop', 'web', {
      ...dep,
      metadata: {
        ...dep.metadata,
        annotations: { ...dep.metadata.annotations, 'deployment.kubernetes.io/revision': '1' },
        finalizers: ['example.com/protect'],
      },
    });
    const withCond = await reg.update(
      DEPLOY,
      'shop',
      'web',
      {
        ...withStatus,
        status: {
          observedGeneration: 1,
          replicas: 3,
          readyReplicas: 3,
          conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }],
        },
      },
      {},
      'status',
    );
    expect(withCond.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('1');
    expect(withCond.status.readyReplicas).toBe(3);
    const [d] = diffResources(desired, [withCond], { namespace: 'shop' });
    expect(d!.status).toBe('Synced');
  });

  it('honours ignoreDifferences on /spec/replicas (and only for the rule’s resource)', async () => {
    const scaled = await reg.patch(
      DEPLOY,
      'shop',
      'web',
      'application/merge-patch+json',
      JSON.stringify({ spec: { replicas: 7 } }),
    );
    const ignore = [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }];
    expect(
      diffResources(desired, [scaled], { namespace: 'shop', ignoreDifferences: ignore })[0]!.status,
    ).toBe('Synced');
    const otherName = [{ group: 'apps', kind: 'Deployment', name: 'api', jsonPointers: ['/spec/replicas'] }];
    expect(
      diffResources(desired, [scaled], { namespace: 'shop', ignoreDifferences: otherName })[0]!.status,
    ).toBe('OutOfSync');
    const jq = [{ group: 'apps', kind: 'Deployment', jqPathExpressions: ['.spec.replicas'] }];
    expect(diffResources(desired, [scaled], { namespace: 'shop', ignoreDifferences: jq })[0]!.status).toBe(
      'Synced',
    );
  });

  it('reports Missing and Extra', () => {
    const extraCm: KObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'old', namespace: 'shop', uid: 'u1', resourceVersion: '9' },
      data: { a: '1' },
    };
    const onlyDeploy = desired.filter((o) => o.kind === 'Deployment');
    const results = diffResources(
      [...onlyDeploy, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'new' }, data: { b: '2' } }],
      [find(live, 'Deployment', 'web'), extraCm],
      { namespace: 'shop' },
    );
    expect(results.map((r) => [r.keyString, r.status])).toEqual([
      ['apps/Deployment/shop/web', 'Synced'],
      ['/ConfigMap/shop/new', 'Missing'],
      ['/ConfigMap/shop/old', 'Extra'],
    ]);
    const missing = results[1]!;
    expect(missing.patch).toEqual(expect.arrayContaining([{ op: 'add', path: '/data', value: { b: '2' } }]));
    expect(missing.diff).toContain('+data:');
    expect(missing.live).toBeUndefined();
    const extra = results[2]!;
    expect(extra.patch).toEqual(expect.arrayContaining([{ op: 'remove', path: '/data' }]));
    expect(extra.diff).toContain('-data:');
    expect(extra.diff).not.toContain('resourceVersion');
    expect(extra.desired).toBeUndefined();
    expect(extra.live).toBe(extraCm);
  });

  it('returns a per-resource error instead of throwing', () => {
    const bad = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } } as KObject;
    const broken = [
      ...desired,
      bad,
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web2' }, spec: {} } as KObject,
    ];
    const liveX = { ...bad, metadata: { name: 'x', namespace: 'shop' } } as KObject;
    const results = diffResources(broken, [...live, liveX], {
      namespace: 'shop',
      ignoreDifferences: [{ kind: 'ConfigMap', jqPathExpressions: ['.data | keys'] }],
    });
    const x = results.find((r) => r.keyString === '/ConfigMap/shop/x')!;
    expect(x.status).toBe('OutOfSync');
    expect(x.error).toMatch(/jq/);
    expect(results.find((r) => r.keyString === 'apps/Deployment/shop/web')!.status).toBe('Synced');
    expect(results.find((r) => r.keyString === 'apps/Deployment/shop/web2')!.status).toBe('Missing');
  });

  it('colours the human diff on request', () => {
    const next = clone(desired);
    find(next, 'Deployment', 'web').spec.replicas = 4;
    const [d] = diffResources(next, live, { namespace: 'shop', color: true });
    expect(d!.diff).toContain('\u001b[31m-  replicas: 3\u001b[0m');
    expect(d!.diff).toContain('\u001b[32m+  replicas: 4\u001b[0m');
    const [plain] = diffResources(next, live, { namespace: 'shop' });
    expect(plain!.diff).not.toContain('\u001b[');
  });
});
