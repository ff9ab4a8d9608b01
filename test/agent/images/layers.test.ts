// Layer unpacking for real (GNU tar writes, overlayfs reads): whiteouts and opaque directories seen
// through a real overlay mount, metadata preserved, hostile layers rejected, layouts imported.
import { execFile } from 'node:child_process';
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildBusyboxImage } from '../../../src/agent/images/build-busybox-image.js';
import { LayerError, unpackLayer } from '../../../src/agent/images/layer-unpack.js';
import { LocalImageStore } from '../../../src/agent/images/local-image-store.js';
import { writeImage, writeLayer, writeLayoutIndex } from '../../../src/agent/images/oci-layout-writer.js';
import type { TarEntrySpec } from '../../../src/agent/images/tar-writer.js';
import { ImageError } from '../../../src/agent/types.js';

const exec = promisify(execFile);
let work: string;
const mounted: string[] = [];

async function procMounts(): Promise<string> {
  return readFile('/proc/mounts', 'utf8');
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gantry-layers-test-'));
});

afterEach(async () => {
  for (const dir of mounted.splice(0)) {
    await exec('umount', ['-l', join(dir, 'rootfs')]).catch(() => {});
  }
});

afterAll(async () => {
  if (work) {
    await rm(work, { recursive: true, force: true });
  }
});

const f = (path: string, content: string, extra: Partial<TarEntrySpec> = {}): TarEntrySpec => ({
  path,
  type: 'file',
  content,
  mode: 0o644,
  ...extra,
});
const d = (path: string, extra: Partial<TarEntrySpec> = {}): TarEntrySpec => ({
  path,
  type: 'directory',
  mode: 0o755,
  ...extra,
});

describe('whiteouts and opaque directories through overlayfs', () => {
  it('a second layer deletes a file, deletes in a subdirectory and makes a directory opaque', async () => {
    const layout = join(work, 'two-layers');
    const lower: TarEntrySpec[] = [
      d('etc'),
      f('keep', 'kept\n'),
      f('gone', 'deleted by layer 2\n'),
      d('opaque'),
      f('opaque/a', 'hidden\n'),
      d('opaque/sub'),
      f('opaque/sub/b', 'hidden too\n'),
      d('partial'),
      f('partial/x', 'deleted\n'),
      f('partial/y', 'stays\n'),
      f('owned', 'secret\n', { uid: 1000, gid: 2000, mode: 0o640, mtime: 1_600_000_000 }),
      f('suid', '#!/bin/sh\n', { mode: 0o4755 }),
      { path: 'hard', type: 'link', linkpath: 'keep' },
      { path: 'abs-link', type: 'symlink', linkpath: '/etc/passwd' },
      d('private', { mode: 0o700, uid: 33, gid: 33 }),
    ];
    const upper: TarEntrySpec[] = [
      f('.wh.gone', ''),
      d('partial'),
      f('partial/.wh.x', ''),
      d('opaque', { mode: 0o750 }),
      f('opaque/.wh..wh..opq', ''),
      f('opaque/new', 'from layer 2\n'),
      f('added', 'new file\n'),
    ];
    const manifest = await writeImage(layout, {
      config: { Cmd: ['sh'] },
      layers: [{ entries: lower }, { entries: upper, compression: 'none' }],
    });
    await writeLayoutIndex(layout, [{ ref: 'gantry.test/whiteouts:1', descriptor: manifest }]);

    const store = new LocalImageStore({ root: join(work, 'store-wh') });
    const [image] = await store.importLayout(layout);
    expect(image!.digest).toBe(manifest.digest);
    expect(image!.layerDirs).toHaveLength(2);

    // The upper layer holds overlayfs whiteouts: a 0/0 character device.
    const wh = await lstat(join(image!.layerDirs[1]!, 'gone'));
    expect(wh.isCharacterDevice()).toBe(true);
    expect(wh.rdev).toBe(0);
    expect(await readdir(image!.layerDirs[1]!)).not.toContain('.wh.gone');

    const dir = join(work, 'ctr-wh');
    mounted.push(dir);
    const rootfs = await store.mountRootfs(image!, dir);
    expect(rootfs).toBe(join(dir, 'rootfs'));
    expect(await procMounts()).toContain(` ${rootfs} overlay `);

    const names = (await readdir(rootfs)).sort();
    expect(names).toEqual([
      'abs-link',
      'added',
      'etc',
      'hard',
      'keep',
      'opaque',
      'owned',
      'partial',
      'private',
      'suid',
    ]);
    expect(await readdir(join(rootfs, 'opaque'))).toEqual(['new']);
    expect(await readFile(join(rootfs, 'opaque/new'), 'utf8')).toBe('from layer 2\n');
    expect(await readdir(join(rootfs, 'partial'))).toEqual(['y']);
    expect((await stat(join(rootfs, 'opaque'))).mode & 0o7777).toBe(0o750);

    const owned = await stat(join(rootfs, 'owned'));
    expect([owned.uid, owned.gid, owned.mode & 0o7777]).toEqual([1000, 2000, 0o640]);
    expect(Math.floor(owned.mtimeMs / 1000)).toBe(1_600_000_000);
    expect((await stat(join(rootfs, 'suid'))).mode & 0o7777).toBe(0o4755);
    const priv = await stat(join(rootfs, 'private'));
    expect([priv.uid, priv.gid, priv.mode & 0o7777]).toEqual([33, 33, 0o700]);
    expect(await readlink(join(rootfs, 'abs-link'))).toBe('/etc/passwd');
    const layer0 = image!.layerDirs[0]!;
    expect((await stat(join(layer0, 'hard'))).ino).toBe((await stat(join(layer0, 'keep'))).ino);

    // Writes land in the container's upper dir, never in the shared layers.
    await writeFile(join(rootfs, 'keep'), 'changed\n');
    await rm(join(rootfs, 'added'));
    expect(await readFile(join(layer0, 'keep'), 'utf8')).toBe('kept\n');
    expect(await readFile(join(image!.layerDirs[1]!, 'added'), 'utf8')).toBe('new file\n');
    expect(await readFile(join(dir, 'upper/keep'), 'utf8')).toBe('changed\n');

    // Mounting again is a no-op; unmounting twice is fine and leaves nothing mounted.
    expect(await store.mountRootfs(image!, dir)).toBe(rootfs);
    expect((await procMounts()).split(rootfs).length - 1).toBe(1);
    await store.unmountRootfs(dir);
    await store.unmountRootfs(dir);
    expect(await procMounts()).not.toContain(rootfs);
    expect(await readdir(rootfs)).toEqual([]);
  });

  it('mounts an image with more layers than absolute paths fit in the mount options', async () => {
    const layout = join(work, 'many-layers');
    const count = 70;
    const layers = Array.from({ length: count }, (_, i) => ({
      entries: [f(`file-${String(i).padStart(2, '0')}`, `layer ${i}\n`), f('top', `layer ${i}\n`)],
      compression: 'none' as const,
    }));
    const manifest = await writeImage(layout, { config: {}, layers });
    await writeLayoutIndex(layout, [{ ref: 'gantry.test/many:1', descriptor: manifest }]);
    // A long store path makes absolute lowerdirs overflow the page-sized option string.
    const root = join(work, `store-${'long-path-'.repeat(5)}`);
    const store = new LocalImageStore({ root });
    const [image] = await store.importLayout(layout);
    expect(image!.layerDirs.join(':').length).toBeGreaterThan(4096);
    const dir = join(work, 'ctr-many');
    mounted.push(dir);
    const rootfs = await store.mountRootfs(image!, dir);
    expect((await readdir(rootfs)).filter((n) => n.startsWith('file-'))).toHaveLength(count);
    expect(await readFile(join(rootfs, 'top'), 'utf8')).toBe(`layer ${count - 1}\n`);
    await store.unmountRootfs(dir);
    expect(await procMounts()).not.toContain(rootfs);
  });
});

describe('hostile layers are rejected', () => {
  const cases: [string, TarEntrySpec[], RegExp][] = [
    ['a .. path', [f('../escaped', 'x')], /escapes the layer/],
    ['a nested .. path', [d('a'), f('a/../../escaped', 'x')], /escapes the layer/],
    ['an absolute path', [f('/escaped', 'x')], /absolute path/],
    [
      'a file written through a symlink',
      [{ path: 'link', type: 'symlink', linkpath: '/tmp' }, f('link/escaped', 'x')],
      /goes through symlink "link"/,
    ],
    [
      'a whiteout through a symlink',
      [{ path: 'link', type: 'symlink', linkpath: '/etc' }, f('link/.wh.passwd', '')],
      /goes through symlink/,
    ],
    [
      'a hard link out of the layer',
      [{ path: 'h', type: 'link', linkpath: '../../etc/passwd' }],
      /escapes the layer/,
    ],
    [
      'a hard link to a missing file',
      [{ path: 'h', type: 'link', linkpath: 'etc/shadow' }],
      /not a file of this layer/,
    ],
  ];
  it.each(cases)('%s', async (_name, entries, why) => {
    const layout = join(work, `evil-${Math.random().toString(36).slice(2)}`);
    const layer = await writeLayer(layout, { entries, compression: 'none' });
    const dest = await mkdtemp(join(work, 'dest-'));
    const err = await unpackLayer(join(layout, 'blobs/sha256', layer.descriptor.digest.slice(7)), dest).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LayerError);
    expect((err as Error).message).toMatch(why);
    await expect(stat(join(work, 'escaped'))).rejects.toThrow();
    await expect(stat('/tmp/escaped')).rejects.toThrow();

    // Through the store: ErrImagePull and nothing kept.
    const manifest = await writeImage(layout, { config: {}, layers: [{ entries }] });
    await writeLayoutIndex(layout, [{ ref: 'gantry.test/evil:1', descriptor: manifest }]);
    const root = join(layout, 'store');
    const store = new LocalImageStore({ root });
    const imgErr = await store.importLayout(layout).catch((e: unknown) => e);
    expect(imgErr).toBeInstanceOf(ImageError);
    expect((imgErr as ImageError).reason).toBe('ErrImagePull');
    expect((imgErr as Error).message).toMatch(why);
    expect(await readdir(join(root, 'layers'))).toEqual([]);
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
    expect(await store.list()).toEqual([]);
  });

  it('zstd layers get a clear error', async () => {
    const blob = join(work, 'zstd-blob');
    await writeFile(blob, Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]));
    const dest = await mkdtemp(join(work, 'dest-'));
    await expect(unpackLayer(blob, dest)).rejects.toThrow(/zstd-compressed layers are not supported/);
  });

  it('garbage is not a layer', async () => {
    const blob = join(work, 'garbage-blob');
    await writeFile(blob, Buffer.alloc(1024, 0x41));
    const dest = await mkdtemp(join(work, 'dest-'));
    await expect(unpackLayer(blob, dest)).rejects.toThrow(/checksum mismatch/);
    const gz = join(work, 'bad-gzip');
    await writeFile(gz, Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    await expect(unpackLayer(gz, dest)).rejects.toThrow(LayerError);
  });
});

describe('importLayout', () => {
  it('round-trips a layout made by the builder', async () => {
    const built = await buildBusyboxImage(join(work, 'import-layout'), {
      ref: 'registry.example:5000/demo/web:2',
      cmd: ['httpd', '-f', '-p', '80', '-h', '/www'],
      files: { '/www/index.html': 'v2\n' },
    });
    const root = join(work, 'store-import');
    const store = new LocalImageStore({ root });
    const [image] = await store.importLayout(built.dir);
    expect(image!.ref).toBe('registry.example:5000/demo/web:2');
    expect(image!.digest).toBe(built.manifest.digest);
    expect(image!.config.cmd).toEqual(['httpd', '-f', '-p', '80', '-h', '/www']);
    expect(await readFile(join(image!.layerDirs[0]!, 'www/index.html'), 'utf8')).toBe('v2\n');

    // The image runs: its busybox and applet links work inside the mounted root.
    const ctr = join(work, 'ctr-import');
    mounted.push(ctr);
    const rootfs = await store.mountRootfs(image!, ctr);
    const { stdout } = await exec('chroot', [
      rootfs,
      '/bin/sh',
      '-c',
      'cat /www/index.html; echo $((6 * 7)); id -un',
    ]);
    expect(stdout).toBe('v2\n42\nroot\n');
    await store.unmountRootfs(ctr);

    // Available offline afterwards: Never finds it, also from a fresh store over the same root.
    const again = new LocalImageStore({ root });
    expect(await again.ensure('registry.example:5000/demo/web:2', 'Never')).toEqual(image);
    expect((await again.list()).map((i) => i.ref)).toEqual([image!.ref]);

    // The same layout imported under another name shares the unpacked layer.
    const [renamed] = await store.importLayout(built.dir, 'local/web:copy');
    expect(renamed!.ref).toBe('docker.io/local/web:copy');
    expect(renamed!.layerDirs).toEqual(image!.layerDirs);
    expect((await store.list()).length).toBe(2);
  });

  it('explains what is wrong with a layout', async () => {
    const store = new LocalImageStore({ root: join(work, 'store-bad-layouts') });
    await expect(store.importLayout(join(work, 'no-such-dir'))).rejects.toThrow(/not an OCI image layout/);

    const tagOnly = join(work, 'tag-only');
    const built = await buildBusyboxImage(tagOnly, { ref: 'x.io/y:1' });
    const index = JSON.parse(await readFile(join(tagOnly, 'index.json'), 'utf8'));
    index.manifests[0].annotations = { 'org.opencontainers.image.ref.name': 'latest' };
    await writeFile(join(tagOnly, 'index.json'), JSON.stringify(index));
    const err = await store.importLayout(tagOnly).catch((e: unknown) => e);
    expect((err as ImageError).reason).toBe('InvalidImageName');
    expect((err as Error).message).toMatch(/named only "latest".*give a full reference/);
    expect((await store.importLayout(tagOnly, 'x.io/y:imported'))[0]!.digest).toBe(built.manifest.digest);

    const corrupt = join(work, 'corrupt-layout');
    const c = await buildBusyboxImage(corrupt, { ref: 'x.io/z:1', files: { '/z': 'z\n' } });
    const manifest = JSON.parse(
      await readFile(join(corrupt, 'blobs/sha256', c.manifest.digest.slice(7)), 'utf8'),
    );
    const layerFile = join(corrupt, 'blobs/sha256', manifest.layers[0].digest.slice(7));
    const bytes = await readFile(layerFile);
    bytes[100] = bytes[100]! ^ 1;
    await writeFile(layerFile, bytes);
    const cerr = await store.importLayout(corrupt).catch((e: unknown) => e);
    expect((cerr as ImageError).reason).toBe('ErrImagePull');
    expect((cerr as Error).message).toMatch(/digest mismatch/);
  });
});

describe('mount bookkeeping', () => {
  it('unmountRootfs of a directory that was never mounted is a no-op', async () => {
    const store = new LocalImageStore({ root: join(work, 'store-noop') });
    const dir = join(work, 'never-mounted');
    await mkdir(dir, { recursive: true });
    await store.unmountRootfs(dir);
    await store.unmountRootfs(join(work, 'does-not-exist'));
  });
});
