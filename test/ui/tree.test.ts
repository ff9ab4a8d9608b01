import { describe, expect, it } from 'vitest';
import { flattenTree, infoValue, nodeLink } from '../../ui/src/lib/tree.js';
import type { TreeNode } from '../../ui/src/lib/types.js';

function node(
  id: string,
  kind: string,
  name: string,
  parentId?: string,
  extra: Partial<TreeNode> = {},
): TreeNode {
  return {
    id,
    kind,
    name,
    group: kind === 'Deployment' || kind === 'ReplicaSet' ? 'apps' : kind === 'Rollout' ? 'argoproj.io' : '',
    version: 'v1',
    namespace: 'production',
    info: [],
    ...(parentId ? { parentId } : {}),
    ...extra,
  };
}

describe('flattenTree', () => {
  const nodes = [
    node('p2', 'Pod', 'web-abc-2', 'rs1'),
    node('svc', 'Service', 'web', 'app'),
    node('rs1', 'ReplicaSet', 'web-abc', 'dep'),
    node('p1', 'Pod', 'web-abc-1', 'rs1'),
    node('dep', 'Deployment', 'web', 'app'),
    node('ep', 'Endpoints', 'web', 'svc'),
    { ...node('app', 'Application', 'web-production'), namespace: 'gantry' },
    node('cm', 'ConfigMap', 'settings', 'app'),
  ];

  it('walks depth-first from the Application, children in kind order then name', () => {
    const rows = flattenTree(nodes);
    expect(rows.map((r) => `${'  '.repeat(r.depth)}${r.node.kind}/${r.node.name}`)).toEqual([
      'Application/web-production',
      '  ConfigMap/settings',
      '  Service/web',
      '    Endpoints/web',
      '  Deployment/web',
      '    ReplicaSet/web-abc',
      '      Pod/web-abc-1',
      '      Pod/web-abc-2',
    ]);
    expect(rows.find((r) => r.node.id === 'rs1')?.childCount).toBe(2);
    expect(rows.filter((r) => r.last).map((r) => r.node.id)).toEqual(['app', 'ep', 'dep', 'rs1', 'p2']);
  });

  it('puts nodes with an unknown parent under the root and survives cycles', () => {
    const rows = flattenTree([
      node('app', 'Application', 'a'),
      node('orphan', 'Pod', 'lost', 'no-such-parent'),
      node('x', 'ReplicaSet', 'x', 'y'),
      node('y', 'ReplicaSet', 'y', 'x'),
    ]);
    expect(rows.map((r) => r.node.id).sort()).toEqual(['app', 'orphan', 'x', 'y']);
    expect(rows.find((r) => r.node.id === 'orphan')?.depth).toBe(1);
  });

  it('works without a root node', () => {
    const rows = flattenTree([
      node('b', 'Service', 'b'),
      node('a', 'ConfigMap', 'a'),
      node('c', 'Pod', 'c', 'b'),
    ]);
    expect(rows.map((r) => [r.node.id, r.depth])).toEqual([
      ['a', 0],
      ['b', 0],
      ['c', 1],
    ]);
  });
});

describe('node helpers', () => {
  it('links Rollouts and Pods to their pages, not missing resources', () => {
    expect(nodeLink(node('r', 'Rollout', 'shop'))).toBe('/ui/rollouts/production/shop');
    expect(nodeLink(node('p', 'Pod', 'web-1'))).toBe('/ui/pods/production/web-1');
    expect(nodeLink(node('d', 'Deployment', 'web'))).toBeUndefined();
    expect(nodeLink(node('missing:argoproj.io/Rollout/production/shop', 'Rollout', 'shop'))).toBeUndefined();
  });

  it('reads info values', () => {
    const n = node('rs', 'ReplicaSet', 'shop-1', undefined, { info: [{ name: 'Role', value: 'active' }] });
    expect(infoValue(n, 'Role')).toBe('active');
    expect(infoValue(n, 'Revision')).toBeUndefined();
  });
});
