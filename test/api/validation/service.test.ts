import { describe, expect, it } from 'vitest';
import type { KObject } from '../../../src/api/types.js';
import { validateObject } from '../../../src/api/validation/index.js';
import { validObject } from '../fixtures.js';
import { lines, pairs } from './helpers.js';

function svc(spec: Record<string, unknown>, name = 'web'): KObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'ns' }, spec };
}

describe('Service', () => {
  it('accepts the fixture', () => {
    expect(validateObject(validObject('Service'))).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string[]]>([
    ['ports required', { selector: { app: 'web' } }, ['spec.ports FieldValueRequired']],
    ['headless without ports', { clusterIP: 'None' }, []],
    ['ExternalName without ports', { type: 'ExternalName', externalName: 'db.example.com' }, []],
    ['ExternalName needs a name', { type: 'ExternalName' }, ['spec.externalName FieldValueRequired']],
    [
      'ExternalName with a bad name',
      { type: 'ExternalName', externalName: 'not a host' },
      ['spec.externalName FieldValueInvalid'],
    ],
    [
      'ExternalName with a clusterIP',
      { type: 'ExternalName', externalName: 'db.example.com', clusterIP: '10.0.0.1' },
      ['spec.clusterIP FieldValueForbidden'],
    ],
    ['type enum', { type: 'Internal', ports: [{ port: 80 }] }, ['spec.type FieldValueNotSupported']],
    ['port range', { ports: [{ port: 0 }] }, ['spec.ports[0].port FieldValueInvalid']],
    ['port required', { ports: [{ name: 'x' }] }, ['spec.ports[0].port FieldValueRequired']],
    [
      'protocol enum',
      { ports: [{ port: 80, protocol: 'HTTP' }] },
      ['spec.ports[0].protocol FieldValueNotSupported'],
    ],
    [
      'names required with several ports',
      { ports: [{ port: 80 }, { port: 81 }] },
      ['spec.ports[0].name FieldValueRequired', 'spec.ports[1].name FieldValueRequired'],
    ],
    [
      'unique names',
      {
        ports: [
          { name: 'a', port: 80 },
          { name: 'a', port: 81 },
        ],
      },
      ['spec.ports[1].name FieldValueDuplicate'],
    ],
    [
      'unique port/protocol',
      {
        ports: [
          { name: 'a', port: 80 },
          { name: 'b', port: 80 },
        ],
      },
      ['spec.ports[1] FieldValueDuplicate'],
    ],
    [
      'same port, other protocol',
      {
        ports: [
          { name: 'a', port: 53 },
          { name: 'b', port: 53, protocol: 'UDP' },
        ],
      },
      [],
    ],
    ['targetPort name', { ports: [{ port: 80, targetPort: 'http' }] }, []],
    [
      'bad targetPort',
      { ports: [{ port: 80, targetPort: 70000 }] },
      ['spec.ports[0].targetPort FieldValueInvalid'],
    ],
    [
      'nodePort on ClusterIP',
      { ports: [{ port: 80, nodePort: 30080 }] },
      ['spec.ports[0].nodePort FieldValueForbidden'],
    ],
    ['nodePort in range', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] }, []],
    [
      'nodePort out of range',
      { type: 'NodePort', ports: [{ port: 80, nodePort: 8080 }] },
      ['spec.ports[0].nodePort FieldValueInvalid'],
    ],
    [
      'duplicate nodePort',
      {
        type: 'NodePort',
        ports: [
          { name: 'a', port: 80, nodePort: 30080 },
          { name: 'b', port: 81, nodePort: 30080 },
        ],
      },
      ['spec.ports[1].nodePort FieldValueDuplicate'],
    ],
    [
      'bad clusterIP',
      { clusterIP: '10.0.0.300', ports: [{ port: 80 }] },
      ['spec.clusterIP FieldValueInvalid'],
    ],
    ['IPv6 clusterIP', { clusterIP: 'fd00::10', ports: [{ port: 80 }] }, []],
    [
      'headless NodePort',
      { type: 'NodePort', clusterIP: 'None', ports: [{ port: 80 }] },
      ['spec.clusterIP FieldValueInvalid'],
    ],
    [
      'sessionAffinity enum',
      { sessionAffinity: 'Sticky', ports: [{ port: 80 }] },
      ['spec.sessionAffinity FieldValueNotSupported'],
    ],
    [
      'bad selector',
      { selector: { app: 'has space' }, ports: [{ port: 80 }] },
      ['spec.selector FieldValueInvalid'],
    ],
  ])('%s', (_name, spec, want) => {
    expect(pairs(validateObject(svc(spec)))).toEqual(want);
  });

  it('uses DNS-1035 labels for names', () => {
    expect(pairs(validateObject(svc({ ports: [{ port: 80 }] }, '1web')))).toEqual([
      'metadata.name FieldValueInvalid',
    ]);
    expect(pairs(validateObject(svc({ ports: [{ port: 80 }] }, 'web.internal')))).toEqual([
      'metadata.name FieldValueInvalid',
    ]);
  });

  it('explains a nodePort out of range', () => {
    expect(lines(validateObject(svc({ type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] })))).toEqual([
      'spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767',
    ]);
  });

  it('makes an allocated clusterIP immutable', () => {
    const old = svc({ clusterIP: '10.96.0.10', ports: [{ port: 80 }] });
    expect(validateObject(svc({ clusterIP: '10.96.0.10', ports: [{ port: 81 }] }), old)).toEqual([]);
    expect(lines(validateObject(svc({ clusterIP: '10.96.0.11', ports: [{ port: 80 }] }), old))).toEqual([
      'spec.clusterIP: Invalid value: "10.96.0.11": field is immutable',
    ]);
    expect(validateObject(svc({ type: 'ExternalName', externalName: 'x.example.com' }), old)).toEqual([]);
  });
});

describe('Endpoints', () => {
  function ep(subsets: unknown): KObject {
    return { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'ns' }, subsets };
  }

  it('accepts the fixture and an empty object', () => {
    expect(validateObject(validObject('Endpoints'))).toEqual([]);
    expect(validateObject(ep(undefined))).toEqual([]);
  });

  it.each<[unknown, string[]]>([
    [
      [{ addresses: [{ ip: 'nope' }], ports: [{ port: 80 }] }],
      ['subsets[0].addresses[0].ip FieldValueInvalid'],
    ],
    [[{ addresses: [{}], ports: [{ port: 80 }] }], ['subsets[0].addresses[0].ip FieldValueRequired']],
    [
      [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 0 }] }],
      ['subsets[0].ports[0].port FieldValueInvalid'],
    ],
    [
      [{ ports: [{ port: 80 }, { port: 81 }] }],
      ['subsets[0].ports[0].name FieldValueRequired', 'subsets[0].ports[1].name FieldValueRequired'],
    ],
    [[{ ports: [{ port: 80, protocol: 'X' }] }], ['subsets[0].ports[0].protocol FieldValueNotSupported']],
  ])('%j', (subsets, want) => {
    expect(pairs(validateObject(ep(subsets)))).toEqual(want);
  });
});
