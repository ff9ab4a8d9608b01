import { describe, expect, it } from 'vitest';
import { isApiError } from '../../../src/api/errors.js';
import { applyMergePatch } from '../../../src/api/patch/index.js';
import { deepFreeze, thrown } from './helpers.js';

// Cases from RFC 7386 Appendix A, then Kubernetes-shaped ones.
const cases: { name: string; original: unknown; patch: unknown; want: unknown }[] = [
  { name: 'replace a value', original: { a: 'b' }, patch: { a: 'c' }, want: { a: 'c' } },
  { name: 'add a key', original: { a: 'b' }, patch: { b: 'c' }, want: { a: 'b', b: 'c' } },
  { name: 'null deletes', original: { a: 'b' }, patch: { a: null }, want: {} },
  { name: 'null deletes one of two', original: { a: 'b', b: 'c' }, patch: { a: null }, want: { b: 'c' } },
  { name: 'array replaces scalar', original: { a: ['b'] }, patch: { a: 'c' }, want: { a: 'c' } },
  { name: 'scalar replaces array', original: { a: 'c' }, patch: { a: ['b'] }, want: { a: ['b'] } },
  {
    name: 'nested merge with delete',
    original: { a: { b: 'c' } },
    patch: { a: { b: 'd', c: null } },
    want: { a: { b: 'd' } },
  },
  { name: 'arrays replace, not merge', original: { a: [{ b: 'c' }] }, patch: { a: [1] }, want: { a: [1] } },
  { name: 'non-object patch replaces root', original: { a: 'foo' }, patch: 'bar', want: 'bar' },
  { name: 'null patch gives null', original: { a: 'foo' }, patch: null, want: null },
  { name: 'empty patch changes nothing', original: { e: null }, patch: { a: 1 }, want: { e: null, a: 1 } },
  {
    name: 'nulls nested in new objects are dropped',
    original: {},
    patch: { a: { bb: { ccc: null } } },
    want: { a: { bb: {} } },
  },
  {
    name: 'kubectl annotate: set one annotation, remove another',
    original: { metadata: { name: 'web', annotations: { old: 'x', keep: 'y' } } },
    patch: { metadata: { annotations: { old: null, new: 'z' } } },
    want: { metadata: { name: 'web', annotations: { keep: 'y', new: 'z' } } },
  },
  {
    name: 'containers list is replaced wholesale (no merge keys in merge patch)',
    original: { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b' }] } },
    patch: { spec: { containers: [{ name: 'a', image: 'y' }] } },
    want: { spec: { containers: [{ name: 'a', image: 'y' }] } },
  },
];

describe('applyMergePatch', () => {
  it.each(cases)('$name', ({ original, patch, want }) => {
    expect(applyMergePatch(deepFreeze(original), deepFreeze(patch))).toEqual(want);
  });

  it('shares no structure with its inputs', () => {
    const original = { spec: { template: { labels: { a: '1' } }, list: [{ x: 1 }] } };
    const patch = { spec: { added: { deep: [1, 2] } } };
    const out = applyMergePatch(original, patch) as any;
    out.spec.template.labels.a = 'changed';
    out.spec.list[0].x = 2;
    out.spec.added.deep.push(3);
    expect(original).toEqual({ spec: { template: { labels: { a: '1' } }, list: [{ x: 1 }] } });
    expect(patch).toEqual({ spec: { added: { deep: [1, 2] } } });
  });

  it('rejects a __proto__ key with 400 rather than touching a prototype', () => {
    const patch = JSON.parse('{"metadata":{"__proto__":{"polluted":true}}}');
    const e = thrown(() => applyMergePatch({ metadata: {} }, patch));
    expect(isApiError(e, 400)).toBe(true);
    expect((e as Error).message).toMatch(/__proto__/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
