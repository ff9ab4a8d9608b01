// jsonEqual must say what comparing JSON.stringify with sorted keys said before it (the registry's
// no-op detection and generation bumps depend on it), without building the strings.
import { describe, expect, it } from 'vitest';
import { jsonEqual, sameExceptResourceVersion } from '../../../src/cluster/registry/json-equal.js';

function sortedJson(v: unknown): string | undefined {
  return JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );
}

/** A small deterministic PRNG, so a failure reproduces. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomValue(r: () => number, depth: number): unknown {
  const pick = Math.floor(r() * (depth > 2 ? 6 : 8));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return Math.floor(r() * 4) - 1;
    case 3:
      return ['a', 'b', '', '1'][Math.floor(r() * 4)];
    case 4:
      return undefined;
    case 5:
      return r() < 0.5 ? Number.NaN : 0;
    case 6:
      return Array.from({ length: Math.floor(r() * 3) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (const k of ['x', 'y', 'z'].slice(0, Math.floor(r() * 4))) {
        o[k] = randomValue(r, depth + 1);
      }
      return o;
    }
  }
}

/** The same value with object keys in another order. */
function reorder(v: unknown): unknown {
  if (Array.isArray(v)) {
    return v.map(reorder);
  }
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v)
        .reverse()
        .map(([k, x]) => [k, reorder(x)]),
    );
  }
  return v;
}

describe('jsonEqual', () => {
  it('agrees with sorted-key JSON.stringify on random values', () => {
    const r = rng(7);
    let equalPairs = 0;
    for (let i = 0; i < 5000; i++) {
      const a = randomValue(r, 0);
      const b = r() < 0.5 ? reorder(a) : randomValue(r, 0);
      const expected = sortedJson(a) === sortedJson(b);
      expect(jsonEqual(a, b), `${sortedJson(a)} vs ${sortedJson(b)}`).toBe(expected);
      if (expected) {
        equalPairs++;
      }
    }
    expect(equalPairs).toBeGreaterThan(1000); // both outcomes were exercised
  });

  it('ignores key order and absent-vs-undefined properties, not values', () => {
    expect(jsonEqual({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual([undefined], [null])).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: '1' })).toBe(false);
    expect(jsonEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(jsonEqual({ a: {} }, { a: [] })).toBe(false);
    expect(jsonEqual({ a: null }, {})).toBe(false);
  });

  it('compares API objects apart from metadata.resourceVersion', () => {
    const a: { metadata: object; kind: string; spec: object } = {
      kind: 'Pod',
      metadata: { name: 'p', resourceVersion: '1' },
      spec: { x: 1 },
    };
    expect(sameExceptResourceVersion(a, { ...a, metadata: { name: 'p', resourceVersion: '9' } })).toBe(true);
    expect(sameExceptResourceVersion(a, { ...a, metadata: { name: 'p' } })).toBe(true);
    expect(sameExceptResourceVersion(a, { ...a, metadata: { name: 'q', resourceVersion: '1' } })).toBe(false);
    const changed: typeof a = { ...a, spec: { x: 2 } };
    expect(sameExceptResourceVersion(a, changed)).toBe(false);
  });
});
