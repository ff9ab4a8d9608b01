import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, scanJson } from '../../src/api/json-scan.js';

describe('scanJson', () => {
  it('measures depth and stops past the limit, naming where', () => {
    expect(scanJson('{"a":[1,{"b":2}]}').depth).toBe(3);
    const deep = `{"spec":{"x":${'['.repeat(MAX_JSON_DEPTH + 5)}${']'.repeat(MAX_JSON_DEPTH + 5)}}}`;
    const s = scanJson(deep);
    expect(s.depth).toBeGreaterThan(MAX_JSON_DEPTH);
    expect(s.tooDeepAt).toBe('spec.x');
  });

  it('finds duplicate keys with their field paths only when asked', () => {
    const text =
      '{"metadata":{"name":"a","name":"b"},"spec":{"containers":[{"image":"x"},{"image":"y","image":"z"}]}}';
    expect(scanJson(text).duplicates).toEqual([]);
    expect(scanJson(text, { duplicates: true }).duplicates).toEqual([
      'metadata.name',
      'spec.containers[1].image',
    ]);
  });

  it('is not fooled by brackets, colons and escaped quotes inside strings', () => {
    const text = '{"a":"[{\\"b\\":1}]","c":{"a":"x"},"k\\"q":1,"k\\"q":2}';
    const s = scanJson(text, { duplicates: true });
    expect(s.depth).toBe(2);
    expect(s.duplicates).toEqual(['k"q']);
  });
});
