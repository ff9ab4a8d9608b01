import { describe, expect, it } from 'vitest';
import type { ObjectMeta } from '../../../src/api/types.js';
import {
  ANNOTATIONS_MAX_BYTES,
  type NameRule,
  validateLabelSelector,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from '../../../src/api/validation/metadata.js';
import { lines, pairs } from './helpers.js';

describe('validateObjectMeta names', () => {
  it.each<[NameRule, string, boolean]>([
    ['subdomain', 'web', true],
    ['subdomain', 'web.example-1', true],
    ['subdomain', 'a'.repeat(253), true],
    ['subdomain', 'a'.repeat(254), false],
    ['subdomain', 'Foo_bar', false],
    ['subdomain', '-web', false],
    ['subdomain', 'web.', false],
    ['subdomain', '..', false],
    ['subdomain', 'a/b', false],
    ['label', 'staging', true],
    ['label', '1st', true],
    ['label', 'a.b', false],
    ['label', 'a'.repeat(64), false],
    ['dns1035', 'web', true],
    ['dns1035', '1web', false],
    ['dns1035', 'web-', false],
  ])('%s %j valid=%s', (rule, name, ok) => {
    const causes = validateObjectMeta({ name }, rule);
    expect(causes.length === 0).toBe(ok);
    if (!ok) {
      expect(causes.every((c) => c.field === 'metadata.name' && c.reason === 'FieldValueInvalid')).toBe(true);
    }
  });

  it('reports the Kubernetes message for a bad subdomain', () => {
    expect(lines(validateObjectMeta({ name: 'Foo_bar' }, 'subdomain'))).toEqual([
      expect.stringMatching(
        /^metadata\.name: Invalid value: "Foo_bar": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '\.'/,
      ),
    ]);
  });

  it('requires a name unless generateName is set, and checks the generateName prefix', () => {
    expect(lines(validateObjectMeta({}, 'subdomain'))).toEqual([
      'metadata.name: Required value: name or generateName is required',
    ]);
    expect(validateObjectMeta({ generateName: 'web-' }, 'subdomain')).toEqual([]);
    expect(validateObjectMeta({ generateName: 'web-' }, 'dns1035')).toEqual([]);
    expect(pairs(validateObjectMeta({ generateName: 'Web_' }, 'subdomain'))).toEqual([
      'metadata.generateName FieldValueInvalid',
    ]);
    expect(pairs(validateObjectMeta(undefined, 'subdomain'))).toEqual(['metadata FieldValueRequired']);
  });

  it('checks the namespace syntax', () => {
    expect(pairs(validateObjectMeta({ name: 'a', namespace: 'Bad.NS' }, 'subdomain'))).toEqual([
      'metadata.namespace FieldValueInvalid',
    ]);
  });
});

describe('labels and annotations', () => {
  it.each<[Record<string, unknown>, string[]]>([
    [{ app: 'web', 'app.kubernetes.io/name': 'web', empty: '' }, []],
    [{ 'bad key': 'x' }, ['metadata.labels FieldValueInvalid']],
    [{ 'a/b/c': 'x' }, ['metadata.labels FieldValueInvalid']],
    [{ '/x': 'x' }, ['metadata.labels FieldValueInvalid']],
    [{ app: 'has space' }, ['metadata.labels FieldValueInvalid']],
    [{ app: 'v'.repeat(64) }, ['metadata.labels FieldValueInvalid']],
    [{ app: 5 }, ['metadata.labels[app] FieldValueInvalid']],
  ])('labels %j', (labels, want) => {
    expect(
      pairs(validateObjectMeta({ name: 'a', labels: labels as ObjectMeta['labels'] }, 'subdomain')),
    ).toEqual(want);
  });

  it('allows any annotation value but checks keys and total size', () => {
    expect(
      validateObjectMeta(
        { name: 'a', annotations: { 'Example.com/Some-Key': 'any value at all {}' } },
        'subdomain',
      ),
    ).toEqual([]);
    expect(pairs(validateObjectMeta({ name: 'a', annotations: { 'bad key': 'x' } }, 'subdomain'))).toEqual([
      'metadata.annotations FieldValueInvalid',
    ]);
    const big = 'x'.repeat(ANNOTATIONS_MAX_BYTES);
    expect(lines(validateObjectMeta({ name: 'a', annotations: { k: big } }, 'subdomain'))).toEqual([
      'metadata.annotations: Too long: must have at most 262144 bytes',
    ]);
    expect(validateObjectMeta({ name: 'a', annotations: { k: big.slice(1) } }, 'subdomain')).toEqual([]);
  });

  it('reports every problem, not only the first', () => {
    const causes = validateObjectMeta({ name: 'Bad_Name', labels: { 'bad key': 'bad value' } }, 'subdomain');
    expect(pairs(causes)).toEqual([
      'metadata.name FieldValueInvalid',
      'metadata.labels FieldValueInvalid',
      'metadata.labels FieldValueInvalid',
    ]);
  });
});

describe('owner references and finalizers', () => {
  const ref = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1' };

  it('requires the identity fields and at most one controller', () => {
    expect(validateObjectMeta({ name: 'a', ownerReferences: [ref] }, 'subdomain')).toEqual([]);
    expect(
      pairs(validateObjectMeta({ name: 'a', ownerReferences: [{ ...ref, uid: '' }] }, 'subdomain')),
    ).toEqual(['metadata.ownerReferences[0].uid FieldValueRequired']);
    const two = [
      { ...ref, controller: true },
      { ...ref, name: 'other', controller: true },
    ];
    expect(lines(validateObjectMeta({ name: 'a', ownerReferences: two }, 'subdomain'))).toEqual([
      expect.stringContaining('Only one reference can have Controller set to true'),
    ]);
  });

  it('accepts standard and qualified finalizers only', () => {
    expect(
      validateObjectMeta(
        { name: 'a', finalizers: ['kubernetes', 'gantry.dev/prune', 'foregroundDeletion'] },
        'subdomain',
      ),
    ).toEqual([]);
    expect(pairs(validateObjectMeta({ name: 'a', finalizers: ['custom'] }, 'subdomain'))).toEqual([
      'metadata.finalizers[0] FieldValueInvalid',
    ]);
  });
});

describe('validateObjectMetaUpdate', () => {
  it('refuses changes to name, namespace, uid and creationTimestamp', () => {
    const old = { name: 'a', namespace: 'ns', uid: 'u1', creationTimestamp: '2024-01-01T00:00:00Z' };
    expect(validateObjectMetaUpdate({ ...old, labels: { x: 'y' } }, old)).toEqual([]);
    expect(validateObjectMetaUpdate({ name: 'a' }, old)).toEqual([]);
    expect(lines(validateObjectMetaUpdate({ ...old, name: 'b', uid: 'u2' }, old))).toEqual([
      'metadata.name: Invalid value: "b": field is immutable',
      'metadata.uid: Invalid value: "u2": field is immutable',
    ]);
  });
});

describe('validateLabelSelector', () => {
  it.each<[unknown, string[]]>([
    [{ matchLabels: { app: 'web' } }, []],
    [{ matchExpressions: [{ key: 'env', operator: 'In', values: ['a', 'b'] }] }, []],
    [{ matchExpressions: [{ key: 'env', operator: 'Exists' }] }, []],
    [
      { matchExpressions: [{ key: 'env', operator: 'In', values: [] }] },
      ['s.matchExpressions[0].values FieldValueRequired'],
    ],
    [
      { matchExpressions: [{ key: 'env', operator: 'Exists', values: ['x'] }] },
      ['s.matchExpressions[0].values FieldValueForbidden'],
    ],
    [
      { matchExpressions: [{ key: 'env', operator: 'Equals', values: ['x'] }] },
      ['s.matchExpressions[0].operator FieldValueNotSupported'],
    ],
    [{ matchExpressions: [{ operator: 'Exists' }] }, ['s.matchExpressions[0].key FieldValueRequired']],
    [
      { matchExpressions: [{ key: 'env', operator: 'In', values: ['bad value'] }] },
      ['s.matchExpressions[0].values[0] FieldValueInvalid'],
    ],
    [{ matchLabels: { 'bad key': 'x' } }, ['s.matchLabels FieldValueInvalid']],
    ['app=web', ['s FieldValueInvalid']],
  ])('%j', (sel, want) => {
    expect(pairs(validateLabelSelector(sel, 's'))).toEqual(want);
  });
});
