import { describe, expect, it } from 'vitest';
import type { KObject } from '../../ui/src/lib/list-state.js';
import { statusLook } from '../../ui/src/lib/status.js';
import { formatBytes, namespacesOf, nodeRow, percent, podRow } from '../../ui/src/lib/workloads.js';

const pod = (
  name: string,
  ns: string,
  node: string,
  status: Record<string, unknown>,
  extra = {},
): KObject => ({
  metadata: { name, namespace: ns, creationTimestamp: '2026-11-22T03:00:00Z', ...extra },
  spec: { nodeName: node, containers: [{ name: 'web' }, { name: 'sidecar' }] },
  status,
});

describe('podRow', () => {
  it('reads readiness, restarts and kubectl-style status', () => {
    const running = podRow(
      pod('web-1', 'production', 'n1', {
        phase: 'Running',
        podIP: '10.1.0.5',
        containerStatuses: [
          { name: 'web', ready: true, restartCount: 2, state: { running: {} } },
          { name: 'sidecar', ready: true, restartCount: 1, state: { running: {} } },
        ],
      }),
    );
    expect(running).toMatchObject({
      status: 'Running',
      ready: '2/2',
      allReady: true,
      restarts: 3,
      node: 'n1',
      ip: '10.1.0.5',
      containers: ['web', 'sidecar'],
    });
    const crashing = podRow(
      pod('web-2', 'production', 'n1', {
        phase: 'Running',
        containerStatuses: [
          { name: 'web', ready: false, restartCount: 5, state: { waiting: { reason: 'CrashLoopBackOff' } } },
          { name: 'sidecar', ready: true, restartCount: 0 },
        ],
      }),
    );
    expect(crashing).toMatchObject({
      status: 'CrashLoopBackOff',
      ready: '1/2',
      allReady: false,
      restarts: 5,
    });
    const leaving = podRow(
      pod('web-3', 'staging', '', { phase: 'Running' }, { deletionTimestamp: '2026-11-22T03:01:00Z' }),
    );
    expect(leaving).toMatchObject({ status: 'Terminating', ready: '0/2', node: '' });
    expect(namespacesOf([running, crashing, leaving])).toEqual(['production', 'staging']);
  });
});

describe('nodeRow', () => {
  it('reads readiness, addresses, resources, CIDR and counts its pods', () => {
    const n: KObject = {
      metadata: { name: 'n1' },
      spec: { podCIDR: '10.240.0.0/24' },
      status: {
        conditions: [{ type: 'Ready', status: 'True' }],
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
        capacity: { cpu: '2', memory: '8025424Ki', pods: '110' },
        allocatable: { cpu: '2', memory: '7923024Ki', pods: '110' },
      },
    };
    const pods = [pod('a', 'x', 'n1', {}), pod('b', 'x', 'n2', {}), pod('c', 'y', 'n1', {})];
    expect(nodeRow(n, pods)).toMatchObject({
      name: 'n1',
      ready: 'Ready',
      schedulable: true,
      addresses: ['InternalIP 127.0.0.1'],
      podCIDR: '10.240.0.0/24',
      pods: 2,
    });
    const down = nodeRow(
      {
        metadata: { name: 'n2' },
        spec: { unschedulable: true },
        status: { conditions: [{ type: 'Ready', status: 'False' }] },
      },
      [],
    );
    expect(down).toMatchObject({ ready: 'NotReady', schedulable: false, podCIDR: '-', pods: 0 });
    expect(nodeRow({ metadata: { name: 'n3' } }, []).ready).toBe('Unknown');
  });
});

describe('formatting', () => {
  it('formats byte quantities', () => {
    expect(formatBytes('8025424Ki')).toBe('7.7 GiB');
    expect(formatBytes('64Mi')).toBe('64.0 MiB');
    expect(formatBytes('1G')).toBe('953.7 MiB');
    expect(formatBytes('512')).toBe('512 B');
    expect(formatBytes('lots')).toBe('lots');
    expect(formatBytes(undefined)).toBe('-');
  });

  it('computes bar percentages, clamped', () => {
    expect(percent(1, 3)).toBe(33);
    expect(percent(3, 3)).toBe(100);
    expect(percent(4, 3)).toBe(100);
    expect(percent(1, 0)).toBe(0);
  });

  it('gives every status an icon besides its colour', () => {
    expect(statusLook('Synced')).toEqual({ icon: '✓', tone: 'ok' });
    expect(statusLook('OutOfSync').tone).toBe('warn');
    expect(statusLook('Degraded').tone).toBe('bad');
    expect(statusLook('SomethingNew')).toEqual({ icon: '?', tone: 'unknown' });
    expect(statusLook(undefined).icon).toBe('?');
  });
});
