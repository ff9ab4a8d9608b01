import { describe, expect, it } from 'vitest';
import {
  controllerRef,
  getCondition,
  isPodActive,
  isPodAvailable,
  isPodReady,
  isPodTerminal,
  podRequests,
} from '../../src/api/pod-helpers.js';
import type { Container, Pod } from '../../src/api/types.js';

function pod(
  containers: Container[],
  initContainers?: Container[],
  extra: Record<string, unknown> = {},
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: { containers, ...(initContainers ? { initContainers } : {}), ...extra },
  };
}

function c(
  name: string,
  requests?: Record<string, string>,
  limits?: Record<string, string>,
  restartPolicy?: string,
): Container {
  return { name, image: 'x', resources: { requests, limits }, ...(restartPolicy ? { restartPolicy } : {}) };
}

describe('podRequests', () => {
  it.each([
    ['no resources', pod([{ name: 'a', image: 'x' }]), 0, 0],
    [
      'sum of containers',
      pod([c('a', { cpu: '100m', memory: '64Mi' }), c('b', { cpu: '0.2', memory: '1Gi' })]),
      300,
      64 * 2 ** 20 + 2 ** 30,
    ],
    [
      'limit stands in for a missing request',
      pod([c('a', undefined, { cpu: '1', memory: '128Mi' })]),
      1000,
      128 * 2 ** 20,
    ],
    ['request wins over limit', pod([c('a', { cpu: '250m' }, { cpu: '1', memory: '1Gi' })]), 250, 2 ** 30],
    [
      'init container larger than the sum',
      pod([c('a', { cpu: '100m' }), c('b', { cpu: '100m' })], [c('init', { cpu: '500m', memory: '10' })]),
      500,
      10,
    ],
    [
      'init container smaller than the sum',
      pod([c('a', { cpu: '300m', memory: '100' })], [c('init', { cpu: '200m', memory: '50' })]),
      300,
      100,
    ],
    [
      'sidecar adds to the containers and to later init containers',
      pod(
        [c('a', { cpu: '100m' })],
        [c('side', { cpu: '50m' }, undefined, 'Always'), c('init', { cpu: '400m' })],
      ),
      450,
      0,
    ],
    [
      'pod overhead is added',
      pod([c('a', { cpu: '100m', memory: '100' })], undefined, { overhead: { cpu: '10m', memory: '5' } }),
      110,
      105,
    ],
  ])('%s', (_name, p, cpu, mem) => {
    expect(podRequests(p)).toEqual({ cpuMilli: cpu, memoryBytes: mem });
  });

  it('throws on an invalid quantity', () => {
    expect(() => podRequests(pod([c('a', { cpu: 'lots' })]))).toThrow(/invalid quantity "lots"/);
  });
});

describe('pod status predicates', () => {
  const now = new Date('2024-05-01T10:00:30Z');
  const readySince = (t: string, status: 'True' | 'False' = 'True'): Pick<Pod, 'status' | 'metadata'> => ({
    metadata: {},
    status: { phase: 'Running', conditions: [{ type: 'Ready', status, lastTransitionTime: t }] },
  });

  it('isPodReady', () => {
    expect(isPodReady(readySince('2024-05-01T10:00:00Z'))).toBe(true);
    expect(isPodReady(readySince('2024-05-01T10:00:00Z', 'False'))).toBe(false);
    expect(isPodReady({ status: undefined })).toBe(false);
  });

  it.each([
    [0, '2024-05-01T10:00:30Z', true],
    [10, '2024-05-01T10:00:00Z', true],
    [30, '2024-05-01T10:00:00Z', true],
    [31, '2024-05-01T10:00:00Z', false],
    [10, '2024-05-01T10:00:25Z', false],
    [10, 'garbage', false],
  ])('isPodAvailable(minReady %d, ready since %s) = %s', (min, t, want) => {
    expect(isPodAvailable(readySince(t), min, now)).toBe(want);
  });

  it('a pod that is not ready is never available', () => {
    expect(isPodAvailable(readySince('2024-05-01T09:00:00Z', 'False'), 0, now)).toBe(false);
  });

  it.each([
    ['Pending', false],
    ['Running', false],
    ['Succeeded', true],
    ['Failed', true],
    ['Unknown', false],
  ] as const)('isPodTerminal(%s) = %s', (phase, want) => {
    expect(isPodTerminal({ status: { phase } })).toBe(want);
    expect(isPodActive({ metadata: {}, status: { phase } })).toBe(!want);
  });

  it('a deleting pod is not active', () => {
    expect(
      isPodActive({ metadata: { deletionTimestamp: '2024-01-01T00:00:00Z' }, status: { phase: 'Running' } }),
    ).toBe(false);
  });

  it('getCondition', () => {
    const status = {
      conditions: [
        { type: 'Available', status: 'True' },
        { type: 'Progressing', status: 'False' },
      ],
    };
    expect(getCondition(status, 'Progressing')?.status).toBe('False');
    expect(getCondition(status, 'Ready')).toBeUndefined();
    expect(getCondition(undefined, 'Ready')).toBeUndefined();
  });
});

describe('controllerRef', () => {
  it('returns the reference with controller=true', () => {
    const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'u2', controller: true };
    const obj = {
      metadata: { ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'c', uid: 'u1' }, ref] },
    };
    expect(controllerRef(obj)).toBe(ref);
    expect(controllerRef({ metadata: {} })).toBeUndefined();
    expect(controllerRef({ metadata: { ownerReferences: [{ ...ref, controller: false }] } })).toBeUndefined();
  });
});
