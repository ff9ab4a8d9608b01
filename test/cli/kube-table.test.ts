// kubectl's table layout (Go tabwriter: min width 6, padding 3, last column unpadded) and how a
// typed resource name resolves against discovery (pure).
import { describe, expect, it } from 'vitest';
import { type ApiResource, resolveResource, typePrefix } from '../../src/cli/discovery.js';
import { cellText, tableLines, tabwrite } from '../../src/cli/kube-table.js';

const res = (
  group: string,
  name: string,
  kind: string,
  shortNames: string[] = [],
  namespaced = true,
): ApiResource => ({
  group,
  version: group === '' ? 'v1' : group === 'argoproj.io' ? 'v1alpha1' : 'v1',
  name,
  singularName: kind.toLowerCase(),
  kind,
  namespaced,
  shortNames,
  verbs: ['get', 'list'],
});

const all = [
  res('', 'pods', 'Pod', ['po']),
  res('', 'events', 'Event', ['ev']),
  res('', 'nodes', 'Node', ['no'], false),
  res('apps', 'deployments', 'Deployment', ['deploy']),
  res('events.k8s.io', 'events', 'Event', ['ev']),
  res('argoproj.io', 'rollouts', 'Rollout', ['ro']),
  res('argoproj.io', 'applications', 'Application', ['app', 'apps']),
];

describe('resolveResource', () => {
  it('takes plural, singular, kind and short names, preferring the core group', () => {
    for (const t of ['po', 'pod', 'pods', 'Pod', 'PODS']) {
      expect(resolveResource(t, all)?.name).toBe('pods');
    }
    expect(resolveResource('events', all)?.group).toBe('');
    expect(resolveResource('ro', all)?.kind).toBe('Rollout');
    expect(resolveResource('app', all)?.kind).toBe('Application');
  });

  it('takes group- and version.group-qualified names', () => {
    expect(resolveResource('rollouts.argoproj.io', all)?.kind).toBe('Rollout');
    expect(resolveResource('events.events.k8s.io', all)?.group).toBe('events.k8s.io');
    expect(resolveResource('deployments.v1.apps', all)?.kind).toBe('Deployment');
    expect(resolveResource('deploy.apps', all)?.kind).toBe('Deployment');
    expect(resolveResource('rollouts.apps', all)).toBeUndefined();
    expect(resolveResource('bogus', all)).toBeUndefined();
  });

  it('names types as kubectl -o name does', () => {
    expect(typePrefix(all[0]!)).toBe('pod');
    expect(typePrefix(all[3]!)).toBe('deployment.apps');
  });
});

describe('tables', () => {
  it('pads every column but the last to max(6, widest + 3)', () => {
    expect(
      tabwrite([
        ['NAME', 'READY', 'AGE'],
        ['a', '1/1', '5s'],
      ]),
    ).toBe('NAME   READY   AGE\na      1/1     5s\n');
    expect(
      tabwrite([
        ['A', 'B'],
        ['x', ''],
      ]),
    ).toBe('A     B\nx     \n');
  });

  it('hides priority columns unless wide, adds NAMESPACE first and LABELS last', () => {
    const t = {
      columnDefinitions: [{ name: 'Name' }, { name: 'Status' }, { name: 'IP', priority: 1 }],
      rows: [
        {
          cells: ['web', 'Running', '10.0.0.1'],
          object: { metadata: { namespace: 'shop', labels: { b: '2', a: '1' } } },
        },
      ],
    };
    expect(tableLines([t])).toEqual([
      ['NAME', 'STATUS'],
      ['web', 'Running'],
    ]);
    expect(tableLines([t], { wide: true, allNamespaces: true, showLabels: true })).toEqual([
      ['NAMESPACE', 'NAME', 'STATUS', 'IP', 'LABELS'],
      ['shop', 'web', 'Running', '10.0.0.1', 'a=1,b=2'],
    ]);
    expect(tableLines([t], { noHeaders: true, namePrefix: 'pod' })).toEqual([['pod/web', 'Running']]);
  });

  it('prints cells as kubectl: nothing for null, first line only, numbers as is', () => {
    expect(cellText(null)).toBe('');
    expect(cellText(3)).toBe('3');
    expect(cellText('a\nb')).toBe('a...');
  });
});
