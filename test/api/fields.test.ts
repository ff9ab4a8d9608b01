import { describe, expect, it } from 'vitest';
import { isApiError } from '../../src/api/errors.js';
import { fieldExactMatch, fieldsSupported, fieldValue, parseFieldSelector } from '../../src/api/fields.js';
import type { KObject } from '../../src/api/types.js';

const scheduled: KObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-0', namespace: 'staging' },
  spec: { nodeName: 'node-1', containers: [] },
  status: { phase: 'Running', podIP: '10.0.0.5' },
};
const pending: KObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'production' },
  spec: { containers: [] },
};

describe('parseFieldSelector', () => {
  it.each([
    ['', true, true],
    ['metadata.name=web-0', true, false],
    ['metadata.name==web-0', true, false],
    ['metadata.name!=web-0', false, true],
    ['metadata.namespace!=staging', false, true],
    ['spec.nodeName=', false, true],
    ['spec.nodeName!=', true, false],
    ['spec.nodeName=node-1,status.phase=Running', true, false],
    ['status.phase=Running', true, false],
    ['status.phase=', false, true],
    ['status.podIP=10.0.0.5', true, false],
    [' metadata.name = web-1 ', false, false],
  ])('%j → scheduled %s, pending %s', (s, a, b) => {
    const sel = parseFieldSelector(s, 'Pod');
    expect(sel.matches(scheduled)).toBe(a);
    expect(sel.matches(pending)).toBe(b);
  });

  it('rejects unsupported fields for the kind with the API server message', () => {
    let err: unknown;
    try {
      parseFieldSelector('spec.foo=bar', 'Pod');
    } catch (e) {
      err = e;
    }
    expect(isApiError(err, 400)).toBe(true);
    expect((err as Error).message).toBe('field label not supported: spec.foo');
    expect(() => parseFieldSelector('spec.nodeName=x', 'Service')).toThrow(
      'field label not supported: spec.nodeName',
    );
    expect(() => parseFieldSelector('spec.foo=bar')).not.toThrow();
  });

  it.each(['metadata.name', '=x', 'a=b=c', 'a=b\\q'])('rejects malformed %j', (s) => {
    expect(() => parseFieldSelector(s)).toThrow();
  });

  it('unescapes values and re-escapes them in toString', () => {
    const sel = parseFieldSelector('metadata.name=a\\,b\\=c\\\\d');
    expect(sel.requirements).toEqual([{ field: 'metadata.name', operator: '=', value: 'a,b=c\\d' }]);
    expect(sel.toString()).toBe('metadata.name=a\\,b\\=c\\\\d');
    expect(parseFieldSelector(sel.toString()).requirements).toEqual(sel.requirements);
  });

  it('reads zero values of typed fields as Kubernetes formats them', () => {
    const node: KObject = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' } };
    expect(parseFieldSelector('spec.unschedulable=false', 'Node').matches(node)).toBe(true);
    expect(
      parseFieldSelector('spec.unschedulable=true', 'Node').matches({
        ...node,
        spec: { unschedulable: true },
      }),
    ).toBe(true);
    const job: KObject = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' } };
    expect(parseFieldSelector('status.successful=0', 'Job').matches(job)).toBe(true);
    expect(
      parseFieldSelector('status.successful=2', 'Job').matches({ ...job, status: { succeeded: 2 } }),
    ).toBe(true);
    const rs: KObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'r' },
      status: { replicas: 3 },
    };
    expect(parseFieldSelector('status.replicas=3', 'ReplicaSet').matches(rs)).toBe(true);
  });

  it('matches events by involved object and secrets by type', () => {
    const ev: KObject = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'e', namespace: 'ns' },
      involvedObject: { kind: 'Pod', name: 'web-0', namespace: 'ns', uid: 'u1' },
      reason: 'Scheduled',
      type: 'Normal',
    };
    expect(
      parseFieldSelector(
        'involvedObject.kind=Pod,involvedObject.name=web-0,involvedObject.uid=u1,type=Normal',
        'Event',
      ).matches(ev),
    ).toBe(true);
    expect(parseFieldSelector('reason=Failed', 'Event').matches(ev)).toBe(false);
    const secret: KObject = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      type: 'kubernetes.io/tls',
    };
    expect(parseFieldSelector('type=kubernetes.io/tls', 'Secret').matches(secret)).toBe(true);
    const ns: KObject = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'x' },
      status: { phase: 'Active' },
    };
    expect(parseFieldSelector('status.phase=Active', 'Namespace').matches(ns)).toBe(true);
  });

  it('lists supported fields per kind', () => {
    expect(fieldsSupported('ConfigMap')).toEqual(['metadata.name', 'metadata.namespace']);
    expect(fieldsSupported('Pod')).toEqual(
      expect.arrayContaining([
        'metadata.name',
        'spec.nodeName',
        'status.phase',
        'spec.restartPolicy',
        'spec.schedulerName',
        'status.podIP',
      ]),
    );
    expect(fieldsSupported('Event')).toEqual(
      expect.arrayContaining([
        'involvedObject.kind',
        'involvedObject.name',
        'involvedObject.namespace',
        'involvedObject.uid',
        'reason',
        'type',
      ]),
    );
    expect(fieldsSupported('Node')).toContain('spec.unschedulable');
    expect(fieldsSupported('Secret')).toContain('type');
    expect(fieldsSupported('Job')).toContain('status.successful');
    expect(fieldsSupported('ReplicaSet')).toContain('status.replicas');
    expect(fieldsSupported('Namespace')).toContain('status.phase');
  });

  it('fieldValue and fieldExactMatch', () => {
    expect(fieldValue(pending, 'spec.nodeName')).toBe('');
    expect(fieldValue(pending, 'spec.bogus')).toBeUndefined();
    const sel = parseFieldSelector('spec.nodeName=node-1,metadata.name!=x');
    expect(fieldExactMatch(sel, 'spec.nodeName')).toBe('node-1');
    expect(fieldExactMatch(sel, 'metadata.name')).toBeUndefined();
    expect(parseFieldSelector('').empty()).toBe(true);
  });
});
