import { describe, expect, it } from 'vitest';
import { formatAge, formatTimestamp } from '../../ui/src/lib/age.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

describe('formatAge', () => {
  it('prints ages like kubectl', () => {
    expect(formatAge(ago(0), NOW)).toBe('0s');
    expect(formatAge(ago(45), NOW)).toBe('45s');
    expect(formatAge(ago(119), NOW)).toBe('119s');
    expect(formatAge(ago(192), NOW)).toBe('3m12s');
    expect(formatAge(ago(300), NOW)).toBe('5m');
    expect(formatAge(ago(12 * 60), NOW)).toBe('12m');
    expect(formatAge(ago(5 * 3600), NOW)).toBe('5h');
    expect(formatAge(ago(3 * 86400), NOW)).toBe('3d');
  });

  it('clamps clock skew to 0s and prints - for missing or bad times', () => {
    expect(formatAge(ago(-30), NOW)).toBe('0s');
    expect(formatAge(undefined, NOW)).toBe('-');
    expect(formatAge('yesterday-ish', NOW)).toBe('-');
  });
});

describe('formatTimestamp', () => {
  it('prints UTC to the second', () => {
    expect(formatTimestamp('2026-11-22T03:15:04.123Z')).toBe('2026-11-22 03:15:04 UTC');
    expect(formatTimestamp(undefined)).toBe('-');
    expect(formatTimestamp('nope')).toBe('-');
  });
});
