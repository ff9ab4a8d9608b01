import { describe, expect, it } from 'vitest';
import type { KObject } from '../../src/api/types.js';
import { pairResources } from '../../src/diff/index.js';

const cm = (name: string, namespace?: string, data: Record<string, string> = {}): KObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, ...(namespace ? { namespace } : {}) },
  data,
});

describe('pairResources', () => {
  it('pairs by ResourceKey, defaulting the namespace of namespaced manifests', () => {
    const pairs = pairResources(
      [cm('a'), cm('b', 'other'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }],
      [cm('a', 'shop'), cm('b', 'shop'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } }],
      { namespace: 'shop' },
    );
    expect(pairs.map((p) => [p.keyString, !!p.desired, !!p.live])).toEqual([
      ['/ConfigMap/shop/a', true, true],
      ['/ConfigMap/other/b', true, false],
      ['/Namespace//shop', true, true],
      ['/ConfigMap/shop/b', false, true],
    ]);
    expect(pairs[0]!.key).toEqual({ group: '', kind: 'ConfigMap', namespace: 'shop', name: 'a' });
  });

  it('puts cluster-scoped kinds at namespace "" and asks about unknown kinds', () => {
    const widget = (ns?: string): KObject => ({
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'w', ...(ns ? { namespace: ns } : {}) },
    });
    const ns: KObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', namespace: 'junk' } };
    expect(pairResources([ns, widget()], [], { namespace: 'shop' }).map((p) => p.keyString)).toEqual([
      '/Namespace//n',
      'example.com/Widget/shop/w',
    ]);
    const clusterScoped = pairResources([widget()], [widget('ignored')], {
      namespace: 'shop',
      isNamespaced: () => false,
    });
    expect(clusterScoped.map((p) => [p.keyString, !!p.desired, !!p.live])).toEqual([
      ['example.com/Widget//w', true, true],
    ]);
  });

  it('keeps the last of duplicate desired objects', () => {
    const pairs = pairResources([cm('a', 'x', { v: '1' }), cm('a', 'x', { v: '2' })], []);
    expect(pairs).toHaveLength(1);
    expect(pairs[0]!.desired!.data).toEqual({ v: '2' });
  });
});
