import { describe, expect, it } from 'vitest';
import { applyDefaults, DEFAULTERS } from '../../../src/api/defaults/index.js';
import { groupKindKey } from '../../../src/api/group-kind.js';
import { RESOURCES } from '../../../src/api/resources.js';
import type { KObject } from '../../../src/api/types.js';
import { validObject, validObjects } from '../fixtures.js';

describe('applyDefaults', () => {
  it('has a defaulter for every kind in the resource table', () => {
    for (const r of RESOURCES) {
      expect(
        typeof DEFAULTERS[groupKindKey(r.group, r.kind) as keyof typeof DEFAULTERS],
        `${r.group}/${r.kind}`,
      ).toBe('function');
    }
  });

  it.each(validObjects().map((o) => [o.kind, o] as const))('is idempotent for %s', (_k, o) => {
    const once = structuredClone(o);
    applyDefaults(once);
    const twice = structuredClone(once);
    applyDefaults(twice);
    expect(twice).toEqual(once);
  });

  it('is idempotent for minimal objects of every kind', () => {
    for (const r of RESOURCES) {
      const o: KObject = {
        apiVersion: r.group ? `${r.group}/${r.version}` : r.version,
        kind: r.kind,
        metadata: { name: 'x' },
        spec: {
          template: { spec: { containers: [{ name: 'c', image: 'i' }] } },
          strategy: { canary: {}, blueGreen: {} },
          ports: [{ port: 1 }],
        },
      };
      const once = structuredClone(o);
      applyDefaults(once);
      const twice = structuredClone(once);
      applyDefaults(twice);
      expect(twice, r.kind).toEqual(once);
    }
  });

  it('leaves kinds Gantry does not serve alone', () => {
    const o: KObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: {} };
    applyDefaults(o);
    expect(o).toEqual({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: {} });
  });

  it('matches by group as well as kind', () => {
    const o: KObject = {
      apiVersion: 'example.com/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: {},
    };
    applyDefaults(o);
    expect(o.spec).toEqual({});
  });

  it('Namespace, Secret and Application', () => {
    const ns = validObject('Namespace');
    applyDefaults(ns);
    expect(ns.spec).toEqual({ finalizers: ['kubernetes'] });
    expect(ns.status).toEqual({ phase: 'Active' });
    expect(ns.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'staging' });
    const secret = validObject('Secret');
    applyDefaults(secret);
    expect(secret.type).toBe('Opaque');
    const tls = { ...validObject('Secret'), type: 'kubernetes.io/tls' };
    applyDefaults(tls);
    expect(tls.type).toBe('kubernetes.io/tls');
    const app = validObject('Application');
    applyDefaults(app);
    expect(app.spec.project).toBe('default');
  });

  it('leaves kinds without defaults unchanged', () => {
    for (const kind of [
      'ConfigMap',
      'ServiceAccount',
      'Event',
      'ResourceQuota',
      'Node',
      'Lease',
      'ControllerRevision',
    ]) {
      const o = validObject(kind);
      applyDefaults(o);
      expect(o, kind).toEqual(validObject(kind));
    }
  });
});
