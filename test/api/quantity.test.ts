import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareQuantities,
  formatMemory,
  formatMilli,
  formatQuantity,
  isValidQuantity,
  parseInteger,
  parseMilli,
  parseQuantity,
  QuantityError,
} from '../../src/api/quantity.js';

describe('parseQuantity', () => {
  it.each([
    ['1', 1],
    ['0', 0],
    ['100m', 0.1],
    ['1500m', 1.5],
    ['0.5', 0.5],
    ['.5', 0.5],
    ['5.', 5],
    ['2k', 2000],
    ['1M', 1e6],
    ['3G', 3e9],
    ['1T', 1e12],
    ['1P', 1e15],
    ['1E', 1e18],
    ['1Ki', 1024],
    ['128Mi', 128 * 1024 ** 2],
    ['1.5Gi', 1.5 * 1024 ** 3],
    ['1Ti', 1024 ** 4],
    ['1Pi', 1024 ** 5],
    ['1Ei', 1024 ** 6],
    ['1e3', 1000],
    ['1E3', 1000],
    ['1.5e-3', 0.0015],
    ['12e+2', 1200],
    ['500u', 0.0005],
    ['250n', 2.5e-7],
    ['-1', -1],
    ['+2', 2],
  ])('%s = %d', (s, v) => {
    expect(parseQuantity(s)).toBeCloseTo(v, 12);
  });

  it('passes finite numbers through', () => {
    expect(parseQuantity(2)).toBe(2);
    expect(parseQuantity(0.25)).toBe(0.25);
    expect(() => parseQuantity(Number.NaN)).toThrow(QuantityError);
  });

  it.each(['', 'abc', '1.2.3', '1Kb', '1mi', 'm', '1e', 'e3', ' 1', '1 ', '1KiB', '--1', '1e999', '0x10'])(
    'rejects %j with a clear error',
    (s) => {
      expect(() => parseQuantity(s)).toThrow(QuantityError);
      expect(() => parseQuantity(s)).toThrow(/invalid quantity/);
      expect(isValidQuantity(s)).toBe(false);
    },
  );

  it('isValidQuantity accepts strings and numbers only', () => {
    expect(isValidQuantity('100m')).toBe(true);
    expect(isValidQuantity(3)).toBe(true);
    expect(isValidQuantity(null)).toBe(false);
    expect(isValidQuantity({})).toBe(false);
  });
});

describe('parseMilli / parseInteger', () => {
  it.each([
    ['100m', 100],
    ['0.1', 100],
    ['1', 1000],
    ['2.5', 2500],
    ['1e-3', 1],
    ['0.0001', 1], // rounds up like Kubernetes
    ['1u', 1],
    [0.25, 250],
    [3, 3000],
    ['1k', 1_000_000],
    ['-100m', -100],
  ])('parseMilli(%j) = %d', (s, v) => {
    expect(parseMilli(s)).toBe(v);
  });

  it('is exact where floats are not', () => {
    // 0.1 + 0.2 style errors must not leak into milli-units.
    expect(parseMilli('0.3')).toBe(300);
    expect(parseMilli('0.7')).toBe(700);
    expect(parseMilli('1.1')).toBe(1100);
  });

  it.each([
    ['128Mi', 134217728],
    ['1G', 1e9],
    ['1.5Ki', 1536],
    ['0.5', 1],
    ['100m', 1],
  ])('parseInteger(%j) = %d', (s, v) => {
    expect(parseInteger(s)).toBe(v);
  });

  it('compareQuantities is exact', () => {
    expect(compareQuantities('1', '1000m')).toBe(0);
    expect(compareQuantities('1Gi', '1G')).toBe(1);
    expect(compareQuantities('500m', 1)).toBe(-1);
    expect(compareQuantities('1Ki', '1024')).toBe(0);
  });
});

describe('formatting', () => {
  it.each([
    [0.1, 'DecimalSI', '100m'],
    [2, 'DecimalSI', '2'],
    [1.5, 'DecimalSI', '1500m'],
    [2000, 'DecimalSI', '2k'],
    [1500, 'DecimalSI', '1500'],
    [3e9, 'DecimalSI', '3G'],
    [0, 'DecimalSI', '0'],
    [0.0005, 'DecimalSI', '500u'],
    [2.5e-7, 'DecimalSI', '250n'],
    [-0.5, 'DecimalSI', '-500m'],
    [134217728, 'BinarySI', '128Mi'],
    [1024 ** 3, 'BinarySI', '1Gi'],
    [1536, 'BinarySI', '1536'],
    [1000, 'BinarySI', '1000'],
    [0.5, 'BinarySI', '500m'],
  ] as const)('formatQuantity(%d, %s) = %s', (v, f, s) => {
    expect(formatQuantity(v, f)).toBe(s);
  });

  it('round-trips through parseQuantity', () => {
    for (const s of ['100m', '2', '128Mi', '1Gi', '3G', '1500m', '250n']) {
      const v = parseQuantity(s);
      const f = s.endsWith('i') ? 'BinarySI' : 'DecimalSI';
      expect(parseQuantity(formatQuantity(v, f))).toBeCloseTo(v, 12);
    }
  });

  it.each([
    [100, '100m'],
    [2000, '2'],
    [1500, '1500m'],
    [0, '0'],
  ])('formatMilli(%d) = %s', (m, s) => {
    expect(formatMilli(m)).toBe(s);
  });

  it.each([
    [134217728, '128Mi'],
    [1024 ** 3, '1Gi'],
    [1e9, '1G'],
    [1500, '1500'],
    [1024, '1Ki'],
  ])('formatMemory(%d) = %s', (b, s) => {
    expect(formatMemory(b)).toBe(s);
  });

  it('rejects non-finite values', () => {
    expect(() => formatQuantity(Number.POSITIVE_INFINITY)).toThrow(QuantityError);
    expect(() => formatMilli(1.5)).toThrow(QuantityError);
  });
});

describe('properties', () => {
  it('formatMilli and parseMilli are inverse', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000_000 }), (m) => {
        expect(parseMilli(formatMilli(m))).toBe(m);
      }),
    );
  });

  it('formatMemory and parseInteger are inverse for byte counts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (b) => {
        expect(parseInteger(formatMemory(b))).toBe(b);
      }),
    );
  });
});
