import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWrkOutput, parseWrkTime } from '../../bench/lib/wrk.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'testdata', name), 'utf8');

describe('wrk output parsing', () => {
  it('reads times in every unit wrk prints', () => {
    expect(parseWrkTime('130.00us')).toBeCloseTo(0.13, 6);
    expect(parseWrkTime('53.58ms')).toBeCloseTo(53.58, 6);
    expect(parseWrkTime('1.34s')).toBeCloseTo(1340, 6);
    expect(parseWrkTime('1.50m')).toBeCloseTo(90_000, 6);
    expect(parseWrkTime('fast')).toBeNaN();
  });

  it('takes requests, duration, percentiles and counts non-2xx answers as errors', () => {
    const r = parseWrkOutput('http://127.0.0.1:18555/x', fixture('wrk-non2xx.txt'));
    expect(r.requests).toBe(14516);
    expect(r.seconds).toBeCloseTo(1.05, 6);
    expect(r.requestsPerSec).toBeCloseTo(14516 / 1.05, 3);
    expect(r.latencyP50Ms).toBeCloseTo(0.13, 6);
    expect(r.latencyP99Ms).toBeCloseTo(53.58, 6);
    expect(r.errors).toBe(14516);
  });

  it('adds up socket errors', () => {
    const r = parseWrkOutput('http://10.96.105.26/', fixture('wrk-socket-errors.txt'));
    expect(r.requests).toBe(6712);
    expect(r.latencyP99Ms).toBeCloseTo(1340, 6);
    expect(r.errors).toBe(12);
  });

  it('refuses output without a request count', () => {
    expect(() => parseWrkOutput('http://x/', 'unable to connect to x:80 Connection refused')).toThrow(
      /unexpected wrk output/,
    );
  });
});
