// Kubernetes resource quantities (`100m`, `0.5`, `128Mi`, `1e3`, `2G`). Parsing is exact
// (BigInt rationals), so `parseMilli('0.1')` is 100 and never 99.99999; the float form is
// for arithmetic where a rounding error does not matter (scheduling sums use milli-units).

export class QuantityError extends Error {
  readonly input: string;

  constructor(input: string, detail: string) {
    super(`invalid quantity "${input}": ${detail}`);
    this.name = 'QuantityError';
    this.input = input;
  }
}

export const QUANTITY_FORMAT_HINT =
  'quantities must be a decimal number with an optional suffix: n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei, or an exponent (e.g. 1e3)';

const DECIMAL_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const MAX_EXPONENT = 64;

interface Rational {
  readonly num: bigint; // signed
  readonly den: bigint; // > 0
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

function parseRational(input: string | number): Rational {
  const s = typeof input === 'number' ? numberString(input) : input;
  const m = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/.exec(s);
  const intPart = m?.[2] ?? '';
  const fracPart = m?.[3] ?? '';
  if (!m || intPart.length + fracPart.length === 0) {
    throw new QuantityError(s, QUANTITY_FORMAT_HINT);
  }
  const sign = m[1] === '-' ? -1n : 1n;
  let num = BigInt(intPart + fracPart || '0') * sign;
  let den = pow10(fracPart.length);
  const suffix = m[4] ?? '';
  if (suffix === '') {
    // plain number
  } else if (Object.hasOwn(DECIMAL_SUFFIX, suffix)) {
    const e = DECIMAL_SUFFIX[suffix] ?? 0;
    if (e >= 0) {
      num *= pow10(e);
    } else {
      den *= pow10(-e);
    }
  } else if (Object.hasOwn(BINARY_SUFFIX, suffix)) {
    num *= 2n ** BigInt(BINARY_SUFFIX[suffix] ?? 0);
  } else if (/^[eE][+-]?[0-9]+$/.test(suffix)) {
    const e = Number.parseInt(suffix.slice(1), 10);
    if (Math.abs(e) > MAX_EXPONENT) {
      throw new QuantityError(s, `exponent ${e} is out of range (at most ±${MAX_EXPONENT})`);
    }
    if (e >= 0) {
      num *= pow10(e);
    } else {
      den *= pow10(-e);
    }
  } else {
    throw new QuantityError(s, `unknown suffix "${suffix}"; ${QUANTITY_FORMAT_HINT}`);
  }
  return { num, den };
}

function numberString(n: number): string {
  if (!Number.isFinite(n)) {
    throw new QuantityError(String(n), 'not a finite number');
  }
  // String(1e21) is "1e+21" and String(1e-7) is "1e-7": both parse through the exponent form.
  return String(n);
}

/** Parses a quantity into base units (cores for cpu, bytes for memory) as a float. Throws QuantityError. */
export function parseQuantity(s: string | number): number {
  if (typeof s === 'number') {
    numberString(s);
    return s;
  }
  const { num, den } = parseRational(s);
  return Number(num) / Number(den);
}

function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a > 0n ? q + 1n : q;
}

/** Parses a quantity into integer milli-units, rounding up as Kubernetes' MilliValue does. */
export function parseMilli(s: string | number): number {
  const { num, den } = parseRational(s);
  return Number(ceilDiv(num * 1000n, den));
}

/** Parses a quantity into an integer number of base units, rounding up (Kubernetes' Value()). */
export function parseInteger(s: string | number): number {
  const { num, den } = parseRational(s);
  return Number(ceilDiv(num, den));
}

export function isValidQuantity(s: unknown): boolean {
  if (typeof s !== 'string' && typeof s !== 'number') {
    return false;
  }
  try {
    parseRational(s);
    return true;
  } catch {
    return false;
  }
}

/** Compares two quantities exactly: negative, zero or positive like a sort comparator. */
export function compareQuantities(a: string | number, b: string | number): number {
  const x = parseRational(a);
  const y = parseRational(b);
  const d = x.num * y.den - y.num * x.den;
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

export type QuantityFormat = 'DecimalSI' | 'BinarySI';

const DECIMAL_UP: [string, number][] = [
  ['E', 18],
  ['P', 15],
  ['T', 12],
  ['G', 9],
  ['M', 6],
  ['k', 3],
];
const BINARY_UP: [string, number][] = [
  ['Ei', 60],
  ['Pi', 50],
  ['Ti', 40],
  ['Gi', 30],
  ['Mi', 20],
  ['Ki', 10],
];

function formatInteger(v: bigint, format: QuantityFormat): string {
  if (v === 0n) {
    return '0';
  }
  const table = format === 'BinarySI' ? BINARY_UP : DECIMAL_UP;
  for (const [suffix, exp] of table) {
    const unit = format === 'BinarySI' ? 2n ** BigInt(exp) : pow10(exp);
    if (v % unit === 0n) {
      return `${v / unit}${suffix}`;
    }
  }
  return v.toString();
}

/**
 * Formats a value in base units canonically: DecimalSI picks the largest of m/k/M/G/… that keeps
 * an integer mantissa (0.1 → "100m", 2 → "2", 2000 → "2k", 1500 → "1500"); BinarySI does the same
 * with Ki/Mi/Gi/… for integers (134217728 → "128Mi") and falls back to DecimalSI for fractions.
 */
export function formatQuantity(value: number, format: QuantityFormat = 'DecimalSI'): string {
  if (!Number.isFinite(value)) {
    throw new QuantityError(String(value), 'not a finite number');
  }
  if (value < 0) {
    return `-${formatQuantity(-value, format)}`;
  }
  if (Number.isInteger(value)) {
    return formatInteger(BigInt(value), format);
  }
  let nanos = Math.round(value * 1e9);
  if (nanos === 0) {
    nanos = 1; // like Kubernetes, a positive amount never rounds down to zero
  }
  if (nanos % 1e9 === 0) {
    return formatInteger(BigInt(nanos / 1e9), format);
  }
  if (nanos % 1e6 === 0) {
    return `${nanos / 1e6}m`;
  }
  if (nanos % 1e3 === 0) {
    return `${nanos / 1e3}u`;
  }
  return `${nanos}n`;
}

/** CPU from milli-units: 100 → "100m", 2000 → "2", 1500 → "1500m". */
export function formatMilli(milli: number): string {
  if (!Number.isInteger(milli)) {
    throw new QuantityError(String(milli), 'milli-units must be an integer');
  }
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Memory from bytes: the shorter of the binary and decimal forms (128Mi, 1G, 1500). */
export function formatMemory(bytes: number): string {
  const bin = formatQuantity(bytes, 'BinarySI');
  const dec = formatQuantity(bytes, 'DecimalSI');
  return dec.length < bin.length ? dec : bin;
}
