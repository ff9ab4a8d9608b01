import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CriLineAssembler,
  formatCriRecord,
  parseCriRecord,
  renderLine,
} from '../../../src/agent/runtime/cri-log.js';
import { readCriLog } from '../../../src/agent/runtime/log-reader.js';
import type { LogReadOptions } from '../../../src/agent/types.js';

describe('CRI records', () => {
  it.each([
    [
      '2024-01-02T03:04:05.123456789Z stdout F hello world',
      { stream: 'stdout', partial: false, text: 'hello world' },
    ],
    [
      '2024-01-02T03:04:05.1Z stderr P  leading space',
      { stream: 'stderr', partial: true, text: ' leading space' },
    ],
    ['2024-01-02T03:04:05Z stdout F ', { stream: 'stdout', partial: false, text: '' }],
    ['2024-01-02T03:04:05Z stdout F', { stream: 'stdout', partial: false, text: '' }],
  ])('parses %j', (line, want) => {
    expect(parseCriRecord(line)).toMatchObject(want);
  });

  it.each([
    '',
    'garbage',
    '2024-01-02T03:04:05Z stdin F x',
    '2024-01-02T03:04:05Z stdout X x',
    '2024-01-02T03:04:05Z stdout Fx',
    'yesterday stdout F x',
  ])('rejects %j', (line) => {
    expect(parseCriRecord(line)).toBeUndefined();
  });

  it('keeps the nanosecond timestamp text', () => {
    const r = parseCriRecord('2024-01-02T03:04:05.123456789Z stdout F x');
    expect(r?.timestamp).toBe('2024-01-02T03:04:05.123456789Z');
    expect(r?.time.toISOString()).toBe('2024-01-02T03:04:05.123Z');
  });

  it('joins partial records per stream', () => {
    const a = new CriLineAssembler();
    const rec = (s: string) => {
      const r = parseCriRecord(s);
      if (r === undefined) {
        throw new Error(s);
      }
      return r;
    };
    expect(a.push(rec('2024-01-01T00:00:01Z stdout P ab'))).toBeUndefined();
    expect(a.push(rec('2024-01-01T00:00:02Z stderr F err'))).toMatchObject({ stream: 'stderr', text: 'err' });
    expect(a.push(rec('2024-01-01T00:00:03Z stdout P cd'))).toBeUndefined();
    const line = a.push(rec('2024-01-01T00:00:04Z stdout F ef'));
    expect(line).toMatchObject({ stream: 'stdout', text: 'abcdef', timestamp: '2024-01-01T00:00:01Z' });
    expect(line && renderLine(line, true)).toBe('2024-01-01T00:00:01Z abcdef\n');
    expect(line && renderLine(line, false)).toBe('abcdef\n');
  });
});

describe('readCriLog', () => {
  let dir: string;
  let path: string;
  const t = (s: number) => new Date(Date.UTC(2024, 0, 1, 0, 0, s));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gantry-crilog-'));
    path = join(dir, '0.log');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  async function read(
    opts: Partial<LogReadOptions>,
    finished: () => Promise<boolean> = async () => true,
    signal = new AbortController().signal,
  ): Promise<string> {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (b: Buffer) => chunks.push(b));
    await readCriLog(path, { follow: false, timestamps: false, ...opts }, out, signal, finished);
    return Buffer.concat(chunks).toString('utf8');
  }

  it('tails lines across chunk boundaries, counting a partial line once', async () => {
    const records: string[] = [];
    for (let i = 0; i < 5000; i++) {
      records.push(formatCriRecord(t(i % 60), 'stdout', `line ${i} ${'.'.repeat(40)}`));
    }
    records.push(formatCriRecord(t(59), 'stdout', 'big-', true), formatCriRecord(t(59), 'stdout', 'end'));
    writeFileSync(path, records.join(''));
    expect(await read({ tailLines: 1 })).toBe('big-end\n');
    const last3 = (await read({ tailLines: 3 })).split('\n');
    expect(last3).toEqual([`line 4998 ${'.'.repeat(40)}`, `line 4999 ${'.'.repeat(40)}`, 'big-end', '']);
    expect((await read({ tailLines: 4000 })).split('\n')).toHaveLength(4001);
    expect((await read({ tailLines: 100_000 })).split('\n')).toHaveLength(5002);
    expect((await read({})).split('\n')[0]).toBe(`line 0 ${'.'.repeat(40)}`);
  });

  it('filters by time and truncates at limitBytes', async () => {
    writeFileSync(path, [1, 2, 3].map((s) => formatCriRecord(t(s), 'stdout', `at ${s}`)).join(''));
    expect(await read({ sinceTime: t(2) })).toBe('at 2\nat 3\n');
    expect(await read({ sinceTime: t(2), timestamps: true })).toBe(
      `${t(2).toISOString()} at 2\n${t(3).toISOString()} at 3\n`,
    );
    expect(await read({ limitBytes: 7 })).toBe('at 1\nat');
    expect(await read({ limitBytes: 0 })).toBe('');
  });

  it('skips malformed lines', async () => {
    writeFileSync(path, `nonsense\n${formatCriRecord(t(1), 'stderr', 'ok')}`);
    expect(await read({})).toBe('ok\n');
  });

  it('follows appended lines until finished, including a record written in two pieces', async () => {
    writeFileSync(path, formatCriRecord(t(1), 'stdout', 'first'));
    let done = false;
    const reading = read({ follow: true }, async () => done);
    await new Promise((r) => setTimeout(r, 100));
    const rec = formatCriRecord(t(2), 'stdout', 'second');
    appendFileSync(path, rec.slice(0, 10));
    await new Promise((r) => setTimeout(r, 100));
    appendFileSync(path, rec.slice(10));
    await new Promise((r) => setTimeout(r, 100));
    appendFileSync(path, formatCriRecord(t(3), 'stdout', 'third'));
    done = true;
    expect(await reading).toBe('first\nsecond\nthird\n');
  });

  it('stops following when aborted', async () => {
    writeFileSync(path, formatCriRecord(t(1), 'stdout', 'only'));
    const ac = new AbortController();
    const reading = read({ follow: true }, async () => false, ac.signal);
    setTimeout(() => ac.abort(), 150);
    expect(await reading).toBe('only\n');
  });

  it('fails for a missing file', async () => {
    await expect(read({})).rejects.toThrow(/ENOENT/);
  });
});
