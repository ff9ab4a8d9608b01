import { describe, expect, it } from 'vitest';
import { LineSplitter, parseWatchLine } from '../../ui/src/lib/ndjson.js';

describe('LineSplitter', () => {
  it('joins lines split across chunks and keeps the partial tail', () => {
    const s = new LineSplitter();
    expect(s.push('{"a":1}\n{"b"')).toEqual(['{"a":1}']);
    expect(s.push(':2}\n')).toEqual(['{"b":2}']);
    expect(s.push('{"c":3}')).toEqual([]);
    expect(s.flush()).toEqual(['{"c":3}']);
    expect(s.flush()).toEqual([]);
  });

  it('drops blank lines and carriage returns, and handles several lines per chunk', () => {
    const s = new LineSplitter();
    expect(s.push('x\r\n\n  \ny\nz')).toEqual(['x', 'y']);
    expect(s.push('\n')).toEqual(['z']);
  });

  it('splits a stream fed one character at a time into the same lines', () => {
    const text = '{"type":"ADDED"}\n{"type":"MODIFIED"}\n{"type":"DELETED"}\n';
    const s = new LineSplitter();
    const out: string[] = [];
    for (const ch of text) {
      out.push(...s.push(ch));
    }
    expect(out).toEqual(['{"type":"ADDED"}', '{"type":"MODIFIED"}', '{"type":"DELETED"}']);
  });
});

describe('parseWatchLine', () => {
  it('parses an event', () => {
    const e = parseWatchLine<{ metadata: { name: string } }>(
      '{"type":"MODIFIED","object":{"metadata":{"name":"web"}}}',
    );
    expect(e.type).toBe('MODIFIED');
    expect(e.object.metadata.name).toBe('web');
  });

  it('rejects bad lines with a message naming the problem', () => {
    expect(() => parseWatchLine('not json')).toThrow(/not JSON/);
    expect(() => parseWatchLine('[1]')).toThrow(/expected an object/);
    expect(() => parseWatchLine('{"type":"CHANGED","object":{}}')).toThrow(
      /type: unknown event type "CHANGED"/,
    );
    expect(() => parseWatchLine('{"type":"ADDED"}')).toThrow(/object: missing/);
  });
});
