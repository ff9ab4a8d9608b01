import { describe, expect, it } from 'vitest';
import type { KObject } from '../../../src/api/types.js';
import { validateObject } from '../../../src/api/validation/index.js';
import { validObject } from '../fixtures.js';
import { lines, pairs } from './helpers.js';

function edit(kind: string, f: (o: KObject) => void): KObject {
  const o = validObject(kind);
  f(o);
  return o;
}

describe('ConfigMap', () => {
  it.each<[string, (o: KObject) => void, string[]]>([
    ['fixture', () => {}, []],
    ['bad key', (o) => (o.data = { 'bad/key': 'x' }), ['data FieldValueInvalid']],
    ['dot-dot key', (o) => (o.data = { '..': 'x' }), ['data FieldValueInvalid']],
    ['non-string value', (o) => (o.data = { k: 5 }), ['data[k] FieldValueInvalid']],
    [
      'binaryData must be base64',
      (o) => (o.binaryData = { bin: 'not base64!' }),
      ['binaryData[bin] FieldValueInvalid'],
    ],
    ['binaryData base64', (o) => (o.binaryData = { bin: 'AAEC' }), []],
    [
      'key in both maps',
      (o) => (o.binaryData = { LOG_LEVEL: 'AAEC' }),
      ['binaryData[LOG_LEVEL] FieldValueDuplicate'],
    ],
    ['too large', (o) => (o.data = { big: 'x'.repeat(1024 * 1024 + 1) }), ['data FieldValueTooLong']],
  ])('%s', (_name, f, want) => {
    expect(pairs(validateObject(edit('ConfigMap', f)))).toEqual(want);
  });

  it('keeps immutable ConfigMaps unchanged', () => {
    const old = edit('ConfigMap', (o) => (o.immutable = true));
    const changed = edit('ConfigMap', (o) => {
      o.immutable = true;
      o.data = { LOG_LEVEL: 'debug' };
    });
    expect(lines(validateObject(changed, old))).toEqual([
      'data: Forbidden: field is immutable when `immutable` is set',
    ]);
    expect(pairs(validateObject(validObject('ConfigMap'), old))).toEqual(['immutable FieldValueForbidden']);
    expect(validateObject(structuredClone(old), old)).toEqual([]);
  });
});

describe('Secret', () => {
  it.each<[string, (o: KObject) => void, string[]]>([
    ['fixture', () => {}, []],
    ['data not base64', (o) => (o.data = { password: 'plain text' }), ['data[password] FieldValueInvalid']],
    ['bad key', (o) => (o.stringData = { 'a b': 'x' }), ['stringData FieldValueInvalid']],
    [
      'tls needs both keys',
      (o) => (o.type = 'kubernetes.io/tls'),
      ['data[tls.crt] FieldValueRequired', 'data[tls.key] FieldValueRequired'],
    ],
    [
      'tls keys may come from stringData',
      (o) => {
        o.type = 'kubernetes.io/tls';
        o.stringData = { 'tls.crt': 'c', 'tls.key': 'k' };
      },
      [],
    ],
    [
      'dockerconfigjson',
      (o) => (o.type = 'kubernetes.io/dockerconfigjson'),
      ['data[.dockerconfigjson] FieldValueRequired'],
    ],
    ['too large', (o) => (o.stringData = { big: 'x'.repeat(1024 * 1024 + 1) }), ['data FieldValueTooLong']],
  ])('%s', (_name, f, want) => {
    expect(pairs(validateObject(edit('Secret', f)))).toEqual(want);
  });

  it('never echoes secret values in messages', () => {
    const causes = validateObject(edit('Secret', (o) => (o.data = { password: 'hunter2 plain' })));
    expect(causes.map((c) => c.message).join(' ')).not.toContain('hunter2');
    expect(lines(causes)).toEqual([
      'data[password]: Invalid value: "<secret contents redacted>": must be base64-encoded',
    ]);
  });

  it('makes the type immutable', () => {
    const old = edit('Secret', (o) => (o.type = 'Opaque'));
    const next = edit('Secret', (o) => {
      o.type = 'kubernetes.io/basic-auth';
      o.stringData = { username: 'u' };
    });
    expect(pairs(validateObject(next, old))).toEqual(['type FieldValueInvalid']);
  });
});

describe('Namespace, Event, ResourceQuota, Node, Lease, ControllerRevision, ServiceAccount', () => {
  it.each(['Namespace', 'Event', 'ResourceQuota', 'Node', 'Lease', 'ControllerRevision', 'ServiceAccount'])(
    '%s fixture is valid',
    (kind) => {
      expect(validateObject(validObject(kind))).toEqual([]);
    },
  );

  it.each<[string, (o: KObject) => void, string[]]>([
    ['Namespace', (o) => (o.metadata.name = 'my.ns'), ['metadata.name FieldValueInvalid']],
    [
      'Namespace',
      (o) => (o.spec = { finalizers: ['bad finalizer'] }),
      ['spec.finalizers[0] FieldValueInvalid'],
    ],
    ['Event', (o) => (o.involvedObject.namespace = 'other'), ['involvedObject.namespace FieldValueInvalid']],
    ['Event', (o) => delete o.involvedObject, ['involvedObject FieldValueRequired']],
    ['Event', (o) => (o.type = 'Info'), ['type FieldValueNotSupported']],
    ['ResourceQuota', (o) => (o.spec.hard.pods = 'many'), ['spec.hard[pods] FieldValueInvalid']],
    [
      'ResourceQuota',
      (o) => (o.spec.hard['requests.cpu'] = '-1'),
      ['spec.hard[requests.cpu] FieldValueInvalid'],
    ],
    ['ResourceQuota', (o) => (o.spec.scopes = ['Forever']), ['spec.scopes[0] FieldValueNotSupported']],
    ['Node', (o) => (o.spec.podCIDR = '10.0.0.0/33'), ['spec.podCIDR FieldValueInvalid']],
    ['Node', (o) => (o.spec.taints = [{ key: 'k' }]), ['spec.taints[0].effect FieldValueRequired']],
    ['Node', (o) => (o.status.capacity.cpu = 'four'), ['status.capacity[cpu] FieldValueInvalid']],
    ['Lease', (o) => (o.spec.leaseDurationSeconds = 0), ['spec.leaseDurationSeconds FieldValueInvalid']],
    ['Lease', (o) => (o.spec.renewTime = 'yesterday'), ['spec.renewTime FieldValueInvalid']],
    ['ControllerRevision', (o) => delete o.revision, ['revision FieldValueRequired']],
    ['ServiceAccount', (o) => (o.metadata.name = 'Bad'), ['metadata.name FieldValueInvalid']],
  ])('%s problem', (kind, f, want) => {
    expect(pairs(validateObject(edit(kind, f)))).toEqual(want);
  });

  it('Node podCIDR may be set once', () => {
    const old = validObject('Node');
    expect(
      pairs(
        validateObject(
          edit('Node', (o) => (o.spec.podCIDR = '10.244.2.0/24')),
          old,
        ),
      ),
    ).toEqual(['spec.podCIDR FieldValueForbidden']);
    const fresh = edit('Node', (o) => delete o.spec.podCIDR);
    expect(validateObject(old, fresh)).toEqual([]);
  });

  it('ControllerRevision data is immutable', () => {
    const old = validObject('ControllerRevision');
    expect(
      validateObject(
        edit('ControllerRevision', (o) => (o.revision = 4)),
        old,
      ),
    ).toEqual([]);
    expect(
      pairs(
        validateObject(
          edit('ControllerRevision', (o) => (o.data = { x: 1 })),
          old,
        ),
      ),
    ).toEqual(['data FieldValueInvalid']);
  });
});
