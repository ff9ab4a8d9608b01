import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../../src/api/defaults/index.js';
import { errors } from '../../../src/api/errors.js';
import { groupKindKey } from '../../../src/api/group-kind.js';
import { RESOURCES } from '../../../src/api/resources.js';
import type { KObject } from '../../../src/api/types.js';
import { VALIDATORS, validateObject } from '../../../src/api/validation/index.js';
import { validObjects } from '../fixtures.js';
import { pairs } from './helpers.js';

describe('validateObject', () => {
  it('has a validator for every kind in the resource table', () => {
    for (const r of RESOURCES) {
      expect(Object.hasOwn(VALIDATORS, groupKindKey(r.group, r.kind)), `${r.group}/${r.kind}`).toBe(true);
    }
  });

  it('has a valid fixture of every kind', () => {
    const kinds = new Set(validObjects().map((o) => o.kind));
    for (const r of RESOURCES) {
      expect(kinds.has(r.kind), r.kind).toBe(true);
    }
  });

  it.each(validObjects().map((o) => [o.kind, o] as const))(
    '%s fixture is valid as written and after defaulting',
    (_k, o) => {
      expect(validateObject(o)).toEqual([]);
      const defaulted = structuredClone(o);
      applyDefaults(defaulted);
      expect(validateObject(defaulted)).toEqual([]);
      // An unchanged update is always allowed.
      expect(validateObject(defaulted, structuredClone(defaulted))).toEqual([]);
    },
  );

  it('checks only metadata for kinds Gantry does not serve', () => {
    const widget: KObject = {
      apiVersion: 'example.com/v1',
      kind: 'Widget',
      metadata: { name: 'Bad_Name' },
      spec: { anything: 1 },
    };
    expect(pairs(validateObject(widget))).toEqual(['metadata.name FieldValueInvalid']);
    expect(validateObject({ ...widget, metadata: { name: 'ok' } })).toEqual([]);
  });

  it('returns all problems across metadata and spec, ready for a 422 Status', () => {
    const d: KObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'Web' },
      spec: {
        replicas: -1,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web' }] } },
      },
    };
    const causes = validateObject(d);
    expect(pairs(causes)).toEqual([
      'metadata.name FieldValueInvalid',
      'spec.replicas FieldValueInvalid',
      'spec.template.spec.containers[0].image FieldValueRequired',
    ]);
    const err = errors.invalid({ group: 'apps', kind: 'Deployment', name: 'Web' }, causes);
    expect(err.code).toBe(422);
    expect(err.message).toContain('spec.template.spec.containers[0].image: Required value');
    expect(err.message).toContain('spec.replicas: Invalid value: -1: must be greater than or equal to 0');
  });

  it('never throws on nonsense shapes', () => {
    const junk: unknown[] = [
      null,
      5,
      'x',
      [],
      { containers: 'x' },
      { selector: 'x', template: 7, strategy: [] },
    ];
    for (const r of RESOURCES) {
      for (const spec of junk) {
        const o = {
          apiVersion: r.group ? `${r.group}/${r.version}` : r.version,
          kind: r.kind,
          metadata: { name: 'x' },
          spec,
          data: spec,
          subsets: spec,
        };
        expect(() => validateObject(o as KObject)).not.toThrow();
        expect(() => validateObject(o as KObject, o as KObject)).not.toThrow();
      }
    }
  });
});
