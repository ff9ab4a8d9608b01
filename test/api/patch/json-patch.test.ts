import { describe, expect, it } from 'vitest';
import { type ApiError, isApiError } from '../../../src/api/errors.js';
import { applyJsonPatch } from '../../../src/api/patch/index.js';
import { deepFreeze, thrown } from './helpers.js';

const deployment = () =>
  deepFreeze({
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: { replicas: 2, template: { spec: { containers: [{ name: 'web', image: 'nginx:1.1' }] } } },
  });

describe('applyJsonPatch', () => {
  const ok: { name: string; patch: unknown[]; check: (out: any) => void }[] = [
    {
      name: 'replace, add and remove',
      patch: [
        { op: 'replace', path: '/spec/replicas', value: 5 },
        { op: 'add', path: '/metadata/labels/tier', value: 'fe' },
        { op: 'remove', path: '/metadata/labels/app' },
      ],
      check: (out) => {
        expect(out.spec.replicas).toBe(5);
        expect(out.metadata.labels).toEqual({ tier: 'fe' });
      },
    },
    {
      name: 'a passing test op guards the change (kubectl rollout undo style)',
      patch: [
        { op: 'test', path: '/spec/replicas', value: 2 },
        {
          op: 'replace',
          path: '/spec/template',
          value: { spec: { containers: [{ name: 'web', image: 'old' }] } },
        },
      ],
      check: (out) => expect(out.spec.template.spec.containers[0].image).toBe('old'),
    },
    {
      name: 'array append with - and escaped keys (~1 for /)',
      patch: [
        { op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'log' } },
        { op: 'add', path: '/metadata/labels/app.kubernetes.io~1name', value: 'web' },
      ],
      check: (out) => {
        expect(out.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['web', 'log']);
        expect(out.metadata.labels['app.kubernetes.io/name']).toBe('web');
      },
    },
    {
      name: 'move and copy',
      patch: [
        { op: 'copy', from: '/metadata/labels', path: '/spec/selector' },
        { op: 'move', from: '/spec/replicas', path: '/spec/count' },
      ],
      check: (out) => {
        expect(out.spec.selector).toEqual({ app: 'web' });
        expect(out.spec.count).toBe(2);
        expect(out.spec.replicas).toBeUndefined();
      },
    },
    {
      name: 'an empty patch is the identity',
      patch: [],
      check: (out) => expect(out).toEqual(deployment()),
    },
  ];
  it.each(ok)('$name', ({ patch, check }) => {
    check(applyJsonPatch(deployment(), deepFreeze(patch)));
  });

  const unfit: { name: string; patch: unknown[]; message: RegExp; field: string }[] = [
    {
      name: 'a failing test op',
      patch: [
        { op: 'replace', path: '/spec/replicas', value: 3 },
        { op: 'test', path: '/metadata/name', value: 'api' },
      ],
      message: /operation 1 \(test \/metadata\/name\).*does not equal/,
      field: '/metadata/name',
    },
    {
      name: 'removing a path that does not exist',
      patch: [{ op: 'remove', path: '/spec/paused' }],
      message: /operation 0 \(remove \/spec\/paused\).*does not exist/,
      field: '/spec/paused',
    },
    {
      name: 'replacing a path that does not exist',
      patch: [{ op: 'replace', path: '/status/replicas', value: 1 }],
      message: /operation 0 \(replace \/status\/replicas\)/,
      field: '/status/replicas',
    },
    {
      name: 'adding under a missing parent',
      patch: [{ op: 'add', path: '/status/conditions/0', value: {} }],
      message: /parent of the path does not exist/,
      field: '/status/conditions/0',
    },
    {
      name: 'an array index out of bounds',
      patch: [{ op: 'add', path: '/spec/template/spec/containers/5', value: {} }],
      message: /out of bounds/,
      field: '/spec/template/spec/containers/5',
    },
    {
      name: 'moving from a path that does not exist',
      patch: [{ op: 'move', from: '/spec/nothing', path: '/spec/x' }],
      message: /"from" path does not exist/,
      field: '/spec/x',
    },
  ];
  it.each(unfit)('answers 422 Invalid for $name', ({ patch, message, field }) => {
    const e = thrown(() =>
      applyJsonPatch(deployment(), patch, { kind: 'Deployment', group: 'apps', name: 'web' }),
    );
    expect(isApiError(e, 422)).toBe(true);
    const err = e as ApiError;
    expect(err.reason).toBe('Invalid');
    expect(err.message).toMatch(message);
    expect(err.message).toMatch(/^Deployment "web"/);
    expect(err.details?.causes?.[0]?.field).toBe(field);
    expect(err.details).toMatchObject({ kind: 'deployment', group: 'apps', name: 'web' });
  });

  const malformed: { name: string; patch: unknown; message: RegExp }[] = [
    { name: 'a patch that is not an array', patch: { op: 'add' }, message: /must be a JSON array/ },
    { name: 'an operation that is not an object', patch: ['add'], message: /operation 0 is not an object/ },
    { name: 'an unknown op', patch: [{ op: 'merge', path: '/a' }], message: /unknown op "merge"/ },
    {
      name: "fast-json-patch's internal _get op",
      patch: [{ op: '_get', path: '/a' }],
      message: /unknown op/,
    },
    { name: 'a missing path', patch: [{ op: 'remove' }], message: /missing a string "path"/ },
    {
      name: 'a path without a leading slash',
      patch: [{ op: 'remove', path: 'spec' }],
      message: /must start with/,
    },
    {
      name: 'add without value',
      patch: [{ op: 'add', path: '/a' }],
      message: /`value` property is not present/,
    },
    {
      name: 'copy without from',
      patch: [{ op: 'copy', path: '/a' }],
      message: /`from` property is not present/,
    },
    {
      name: 'a prototype-polluting path',
      patch: [{ op: 'add', path: '/__proto__/polluted', value: true }],
      message: /operation 0 \(add \/__proto__\/polluted\) was rejected/,
    },
  ];
  it.each(malformed)('answers 400 BadRequest for $name', ({ patch, message }) => {
    const e = thrown(() => applyJsonPatch(deployment(), patch));
    expect(isApiError(e, 400)).toBe(true);
    expect((e as Error).message).toMatch(message);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('shares no structure with the original or the patch values', () => {
    const original = { spec: { list: [{ a: 1 }] } };
    const value = { deep: { x: 1 } };
    const out = applyJsonPatch(original, [{ op: 'add', path: '/spec/extra', value }]) as any;
    out.spec.list[0].a = 2;
    out.spec.extra.deep.x = 2;
    expect(original).toEqual({ spec: { list: [{ a: 1 }] } });
    expect(value).toEqual({ deep: { x: 1 } });
  });

  it('can replace the whole document', () => {
    expect(applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }])).toEqual({ b: 2 });
  });
});
