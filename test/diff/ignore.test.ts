import { describe, expect, it } from 'vitest';
import {
  applyIgnoreDifferences,
  type IgnoreDifference,
  parsePointer,
  rulesFor,
} from '../../src/diff/index.js';

const obj = () => ({
  metadata: { annotations: { 'a/b': '1', 'c~d': '2', keep: '3' } },
  spec: {
    replicas: 3,
    containers: [
      { name: 'app', image: 'a:1' },
      { name: 'istio-proxy', image: 'p:1' },
      { name: 'side', image: 's:1' },
    ],
  },
});

function ignoring(rule: Omit<IgnoreDifference, 'kind'>) {
  const o = obj();
  applyIgnoreDifferences(o, [{ kind: 'Deployment', ...rule }]);
  return o;
}

describe('ignoreDifferences', () => {
  it('parses RFC 6901 pointers with escapes', () => {
    expect(parsePointer('/metadata/annotations/a~1b')).toEqual(['metadata', 'annotations', 'a/b']);
    expect(parsePointer('/x/c~0d')).toEqual(['x', 'c~d']);
    expect(parsePointer('')).toEqual([]);
    expect(() => parsePointer('spec')).toThrow(/must start/);
  });

  it('removes what JSON pointers name, array elements included, and ignores missing paths', () => {
    const o = ignoring({
      jsonPointers: [
        '/spec/replicas',
        '/metadata/annotations/a~1b',
        '/spec/containers/0',
        '/spec/containers/2',
        '/no/such',
      ],
    });
    expect(o.spec).toEqual({ containers: [{ name: 'istio-proxy', image: 'p:1' }] });
    expect(o.metadata.annotations).toEqual({ 'c~d': '2', keep: '3' });
  });

  it('evaluates simple jq paths, iteration and select', () => {
    expect(ignoring({ jqPathExpressions: ['.spec.replicas'] }).spec.replicas).toBeUndefined();
    expect(ignoring({ jqPathExpressions: ['.metadata.annotations["a/b"]'] }).metadata.annotations).toEqual({
      'c~d': '2',
      keep: '3',
    });
    expect(ignoring({ jqPathExpressions: ['.spec.containers[1].image'] }).spec.containers[1]).toEqual({
      name: 'istio-proxy',
    });
    expect(ignoring({ jqPathExpressions: ['.spec.containers[].image'] }).spec.containers).toEqual([
      { name: 'app' },
      { name: 'istio-proxy' },
      { name: 'side' },
    ]);
    expect(
      ignoring({
        jqPathExpressions: ['.spec.containers[] | select(.name == "istio-proxy")'],
      }).spec.containers.map((c) => c.name),
    ).toEqual(['app', 'side']);
    expect(
      ignoring({ jqPathExpressions: ['.spec.containers[] | select(.name != "app") | .image'] }).spec
        .containers,
    ).toEqual([{ name: 'app', image: 'a:1' }, { name: 'istio-proxy' }, { name: 'side' }]);
    expect(ignoring({ jqPathExpressions: ['.spec?.nothing?'] })).toEqual(obj());
  });

  it('rejects jq it does not understand', () => {
    expect(() => ignoring({ jqPathExpressions: ['.spec | keys'] })).toThrow(/unsupported/);
    expect(() => ignoring({ jqPathExpressions: ['.spec.containers[foo]'] })).toThrow(/unsupported/);
  });

  it('selects rules by group, kind, name and namespace (absent group = core, * = any)', () => {
    const key = { group: 'apps', kind: 'Deployment', namespace: 'shop', name: 'web' };
    const rules: IgnoreDifference[] = [
      { group: 'apps', kind: 'Deployment' },
      { kind: 'Deployment' },
      { group: '*', kind: '*', namespace: 'shop' },
      { group: 'apps', kind: 'Deployment', name: 'api' },
      { group: 'apps', kind: 'Deployment', name: 'web', namespace: 'other' },
    ];
    expect(rulesFor(rules, key)).toEqual([rules[0], rules[2]]);
    expect(
      rulesFor([{ kind: 'ConfigMap' }], { group: '', kind: 'ConfigMap', namespace: 'x', name: 'y' }),
    ).toHaveLength(1);
  });
});
