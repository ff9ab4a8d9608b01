import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEntryPath, detectCompression } from '../../../src/agent/images/layer-unpack.js';
import { parsePax, readTar, type TarHeader } from '../../../src/agent/images/tar-reader.js';
import { type TarEntrySpec, writeTar } from '../../../src/agent/images/tar-writer.js';

const exec = promisify(execFile);
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gantry-tar-test-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const c of chunks) {
    out.push(Buffer.from(c));
  }
  return Buffer.concat(out);
}

/** Reads an archive into headers + contents, optionally in tiny chunks to exercise re-buffering. */
async function readAll(archive: Buffer, chunkSize = 65536): Promise<{ header: TarHeader; data: string }[]> {
  async function* chunks() {
    for (let i = 0; i < archive.length; i += chunkSize) {
      yield archive.subarray(i, i + chunkSize);
    }
  }
  const out: { header: TarHeader; data: string }[] = [];
  for await (const e of readTar(chunks())) {
    out.push({ header: e.header, data: (await collect(e.body)).toString() });
  }
  return out;
}

describe('tar writer and reader', () => {
  it('round-trips long names, long link targets, unicode, big ids and xattrs', async () => {
    const longDir = `${'d'.repeat(120)}/${'e'.repeat(20)}`;
    const entries: TarEntrySpec[] = [
      { path: 'short', type: 'file', content: 'hello', mode: 0o600, uid: 1, gid: 2, mtime: 1234567890 },
      { path: `${longDir}/file`, type: 'file', content: 'prefix split' },
      { path: `${'x'.repeat(300)}/${'y'.repeat(150)}`, type: 'file', content: 'pax path' },
      { path: 'link', type: 'symlink', linkpath: `/${'t'.repeat(200)}` },
      { path: 'héllo wörld ✓', type: 'file', content: 'unicode' },
      { path: 'big-ids', type: 'file', content: '', uid: 3_000_000, gid: 4_000_000 },
      { path: 'attrs', type: 'file', content: 'x', xattrs: { 'user.k': 'v', 'security.capability': 'cap' } },
      { path: 'dir', type: 'directory', mode: 0o1777 },
      { path: 'dev', type: 'chardev', devmajor: 1, devminor: 3 },
      { path: 'hard', type: 'link', linkpath: 'short' },
      { path: 'empty', type: 'file', content: '' },
      { path: 'block-multiple', type: 'file', content: 'z'.repeat(1024) },
    ];
    const archive = await collect(writeTar(entries));
    expect(archive.length % 512).toBe(0);
    for (const size of [65536, 7, 511, 513]) {
      const got = await readAll(archive, size);
      expect(got.map((g) => g.header.path)).toEqual(entries.map((e) => e.path));
      expect(got[0]!.header).toMatchObject({
        type: 'file',
        mode: 0o600,
        uid: 1,
        gid: 2,
        mtime: 1234567890,
        size: 5,
      });
      expect(got[0]!.data).toBe('hello');
      expect(got[2]!.data).toBe('pax path');
      expect(got[3]!.header.linkpath).toBe(`/${'t'.repeat(200)}`);
      expect(got[5]!.header).toMatchObject({ uid: 3_000_000, gid: 4_000_000 });
      expect(got[6]!.header.xattrs).toEqual({ 'user.k': 'v', 'security.capability': 'cap' });
      expect(got[7]!.header).toMatchObject({ type: 'directory', mode: 0o1777 });
      expect(got[8]!.header).toMatchObject({ type: 'chardev', devmajor: 1, devminor: 3 });
      expect(got[9]!.header).toMatchObject({ type: 'link', linkpath: 'short' });
      expect(got[11]!.data).toBe('z'.repeat(1024));
    }
  });

  it('PAX records are self-describing at every length boundary', async () => {
    for (const len of [88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 990, 991, 992, 993, 994, 995, 996, 997]) {
      const path = `${'p'.repeat(len)}-${'q'.repeat(160)}`; // no '/', so it needs PAX
      const [got] = await readAll(await collect(writeTar([{ path, type: 'file', content: 'x' }])));
      expect(got!.header.path).toBe(path);
    }
    expect(parsePax(Buffer.from('11 path=ab\n16 linkpath=cde\n'))).toEqual({ path: 'ab', linkpath: 'cde' });
    expect(() => parsePax(Buffer.from('99 path=ab\n'))).toThrow(/malformed/);
  });

  it.each(['gnu', 'posix', 'ustar'])('reads archives written by GNU tar (--format=%s)', async (format) => {
    const src = join(work, `src-${format}`);
    const deep = format === 'ustar' ? 'a/b' : `${'long-directory-name-'.repeat(6)}/${'n'.repeat(120)}`;
    await mkdir(join(src, deep), { recursive: true });
    await writeFile(join(src, deep, 'file.txt'), 'content\n');
    const out = join(work, `${format}.tar`);
    await exec('tar', [`--format=${format}`, '-cf', out, '-C', src, '.']);
    const entries = await readAll(await readFile(out), 1000);
    const file = entries.find((e) => e.header.path.endsWith('file.txt'));
    expect(file?.header.path).toBe(`./${deep}/file.txt`);
    expect(file?.data).toBe('content\n');
  });

  it('rejects a truncated archive', async () => {
    const archive = await collect(writeTar([{ path: 'f', type: 'file', content: 'x'.repeat(2000) }]));
    await expect(readAll(archive.subarray(0, 1024))).rejects.toThrow(/unexpected end of archive/);
  });
});

describe('layer path hygiene', () => {
  it.each([
    ['./a/b', 'a/b'],
    ['a//b/', 'a/b'],
    ['./', ''],
    ['.', ''],
    ['a/./b', 'a/b'],
  ])('%j → %j', (raw, want) => {
    expect(cleanEntryPath(raw)).toBe(want);
  });

  it.each(['../x', 'a/../../x', 'a/..', '/etc/passwd'])('rejects %j', (raw) => {
    expect(() => cleanEntryPath(raw)).toThrow(/absolute|escapes/);
  });

  it('detects compression from magic bytes', () => {
    expect(detectCompression(Buffer.from([0x1f, 0x8b, 8, 0]))).toBe('gzip');
    expect(detectCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))).toBe('zstd');
    expect(detectCompression(Buffer.from('abcd'))).toBe('none');
  });
});
