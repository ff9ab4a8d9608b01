import { describe, expect, it } from 'vitest';
import { GROUP_KINDS, groupKindKey, groupKindOf } from '../../src/api/group-kind.js';
import { RESOURCES } from '../../src/api/resources.js';

describe('GROUP_KINDS', () => {
  it('lists exactly the kinds of the resource table', () => {
    const fromTable = RESOURCES.map((r) => groupKindKey(r.group, r.kind)).sort();
    expect([...GROUP_KINDS].sort()).toEqual(fromTable);
  });

  it('groupKindOf maps apiVersion + kind', () => {
    expect(groupKindOf({ apiVersion: 'v1', kind: 'Pod' })).toBe('/Pod');
    expect(groupKindOf({ apiVersion: 'apps/v1', kind: 'Deployment' })).toBe('apps/Deployment');
    expect(groupKindOf({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout' })).toBe('argoproj.io/Rollout');
    expect(groupKindOf({ apiVersion: 'v1', kind: 'Deployment' })).toBeUndefined();
    expect(groupKindOf({ apiVersion: 'example.com/v1', kind: 'Widget' })).toBeUndefined();
  });
});
