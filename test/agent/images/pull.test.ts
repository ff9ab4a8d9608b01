// Pulls from a real Distribution v2 registry (docker-registry on loopback) of images built by the
// project's own builder and pushed with skopeo.
import { lstat, mkdtemp, open, readdir, readFile, readlink, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BuiltImage,
  buildBusyboxImage,
  busyboxLayerEntries,
} from '../../../src/agent/images/build-busybox-image.js';
import { LocalImageStore } from '../../../src/agent/images/local-image-store.js';
import { writeImage, writeIndex, writeLayoutIndex } from '../../../src/agent/images/oci-layout-writer.js';
import { ImageError } from '../../../src/agent/types.js';
import { freePort, startRegistry, type TestRegistry } from '../../helpers/registry.js';

let registry: TestRegistry;
let work: string;
let busybox: BuiltImage;
const roots: string[] = [];

async function newRoot(): Promise<string> {
  const root = await mkdtemp(join(work, 'store-'));
  roots.push(root);
  return root;
}

function countingFetch(calls: string[]): typeof fetch {
  return (input, init) => {
    calls.push(String(input));
    return fetch(input, init);
  };
}

async function imageError(p: Promise<unknown>): Promise<ImageError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ImageError);
    return err as ImageError;
  }
  throw new Error('expected an ImageError');
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'gantry-pull-test-'));
  registry = await startRegistry();
  busybox = await buildBusyboxImage(join(work, 'busybox-layout'), {
    ref: 'gantry.test/busybox:1',
    cmd: ['sleep', '3600'],
    files: { '/www/index.html': '<h1>hello</h1>\n' },
  });
  await registry.push(busybox.dir, 'demo/busybox:1');
});

afterAll(async () => {
  await registry?.stop();
  if (work) {
    await rm(work, { recursive: true, force: true });
  }
});

describe('pull from a real registry', () => {
  it('pulls and unpacks a busybox image anonymously', async () => {
    const calls: string[] = [];
    const store = new LocalImageStore({
      root: await newRoot(),
      insecureRegistries: [registry.host],
      fetch: countingFetch(calls),
    });
    const started = performance.now();
    const image = await store.ensure(`${registry.host}/demo/busybox:1`, 'IfNotPresent');
    const ms = performance.now() - started;
    console.log(
      `pull + unpack of the busybox image (${image.sizeBytes} bytes compressed): ${ms.toFixed(0)} ms`,
    );
    expect(calls.every((u) => u.startsWith(`http://${registry.host}/v2/demo/busybox/`))).toBe(true);
    expect(image.ref).toBe(`${registry.host}/demo/busybox:1`);
    expect(image.digest).toBe(busybox.manifest.digest);
    expect(image.config.cmd).toEqual(['sleep', '3600']);
    expect(image.config.env).toEqual(['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
    expect(image.layerDirs).toHaveLength(1);
    const layer = image.layerDirs[0]!;
    const bin = await stat(join(layer, 'bin/busybox'));
    expect(bin.isFile() && (bin.mode & 0o777) === 0o755).toBe(true);
    expect(bin.size).toBe((await stat('/bin/busybox')).size);
    expect(await readlink(join(layer, 'bin/sh'))).toBe('busybox');
    expect(await readlink(join(layer, 'bin/httpd'))).toBe('busybox');
    expect((await stat(join(layer, 'tmp'))).mode & 0o7777).toBe(0o1777);
    expect(await readFile(join(layer, 'etc/passwd'), 'utf8')).toMatch(/^root:x:0:0:/);
    expect(await readFile(join(layer, 'www/index.html'), 'utf8')).toBe('<h1>hello</h1>\n');
    expect((await store.list()).map((i) => i.ref)).toEqual([image.ref]);
  });

  it('IfNotPresent does not contact the registry once the image is there; Always checks the manifest only', async () => {
    const root = await newRoot();
    const ref = `${registry.host}/demo/busybox:1`;
    const first: string[] = [];
    const a = await new LocalImageStore({
      root,
      insecureRegistries: [registry.host],
      fetch: countingFetch(first),
    }).ensure(ref, 'IfNotPresent');
    expect(first.some((u) => u.includes('/blobs/'))).toBe(true);
    // A new store over the same root (an agent restart) finds the image on disk.
    const second: string[] = [];
    const store2 = new LocalImageStore({
      root,
      insecureRegistries: [registry.host],
      fetch: countingFetch(second),
    });
    const b = await store2.ensure(ref, 'IfNotPresent');
    expect(second).toEqual([]);
    expect(b).toEqual(a);
    const c = await store2.ensure(ref, 'Always');
    expect(second.length).toBeGreaterThan(0);
    expect(second.every((u) => u.includes('/manifests/'))).toBe(true);
    expect(c.digest).toBe(a.digest);
  });

  it('Never: ErrImageNeverPull when absent, the local image when present', async () => {
    const root = await newRoot();
    const calls: string[] = [];
    const store = new LocalImageStore({
      root,
      insecureRegistries: [registry.host],
      fetch: countingFetch(calls),
    });
    const ref = `${registry.host}/demo/busybox:1`;
    const err = await imageError(store.ensure(ref, 'Never'));
    expect(err.reason).toBe('ErrImageNeverPull');
    expect(err.message).toContain(ref);
    expect(calls).toEqual([]);
    await store.ensure(ref, 'IfNotPresent');
    const before = calls.length;
    expect((await store.ensure(ref, 'Never')).ref).toBe(ref);
    expect(calls.length).toBe(before);
  });

  it('an unknown image is ErrImagePull naming the registry and the status', async () => {
    const store = new LocalImageStore({ root: await newRoot(), insecureRegistries: [registry.host] });
    const err = await imageError(store.ensure(`${registry.host}/demo/nothing-here:1`, 'IfNotPresent'));
    expect(err.reason).toBe('ErrImagePull');
    expect(err.message).toContain(registry.host);
    expect(err.message).toMatch(/404/);
    const tagErr = await imageError(store.ensure(`${registry.host}/demo/busybox:no-such-tag`, 'Always'));
    expect(tagErr.message).toMatch(/404.*MANIFEST_UNKNOWN/);
  });

  it('a registry that is down is ErrImagePull (connection refused)', async () => {
    const port = await freePort();
    const store = new LocalImageStore({ root: await newRoot(), insecureRegistries: [`127.0.0.1:${port}`] });
    const err = await imageError(store.ensure(`127.0.0.1:${port}/demo/busybox:1`, 'IfNotPresent'));
    expect(err.reason).toBe('ErrImagePull');
    expect(err.message).toMatch(new RegExp(`cannot reach registry 127\\.0\\.0\\.1:${port}.*ECONNREFUSED`));
  });

  it('speaks https to registries not listed as insecure', async () => {
    const store = new LocalImageStore({ root: await newRoot() });
    const err = await imageError(store.ensure(`${registry.host}/demo/busybox:1`, 'IfNotPresent'));
    expect(err.reason).toBe('ErrImagePull');
    expect(err.message).toMatch(/cannot reach registry .*https:\/\//);
  });

  it('a corrupted layer blob fails with a digest mismatch and nothing is kept', async () => {
    const built = await buildBusyboxImage(join(work, 'corrupt-layout'), {
      ref: 'gantry.test/corrupt:1',
      files: { '/corrupt-me': 'unique content for this test\n' },
    });
    await registry.push(built.dir, 'demo/corrupt:1');
    const manifest = JSON.parse(
      await readFile(join(built.dir, 'blobs/sha256', built.manifest.digest.slice(7)), 'utf8'),
    ) as { layers: { digest: string }[] };
    const layerDigest = manifest.layers[0]!.digest;
    const fh = await open(registry.blobDataPath(layerDigest), 'r+');
    const one = Buffer.alloc(1);
    await fh.read(one, 0, 1, 1000);
    one[0] = one[0]! ^ 0xff;
    await fh.write(one, 0, 1, 1000);
    await fh.close();

    const root = await newRoot();
    const store = new LocalImageStore({ root, insecureRegistries: [registry.host] });
    const err = await imageError(store.ensure(`${registry.host}/demo/corrupt:1`, 'IfNotPresent'));
    expect(err.reason).toBe('ErrImagePull');
    expect(err.message).toMatch(/digest mismatch/);
    expect(err.message).toContain(layerDigest);
    expect(await readdir(join(root, 'blobs/sha256'))).not.toContain(layerDigest.slice(7));
    expect(await readdir(join(root, 'layers'))).toEqual([]);
    expect(await readdir(join(root, 'tmp'))).toEqual([]);
    expect(await store.list()).toEqual([]);
  });

  it('concurrent ensure calls for one reference share one pull', async () => {
    const calls: string[] = [];
    const store = new LocalImageStore({
      root: await newRoot(),
      insecureRegistries: [registry.host],
      fetch: countingFetch(calls),
    });
    const ref = `${registry.host}/demo/busybox:1`;
    const images = await Promise.all([
      store.ensure(ref, 'IfNotPresent'),
      store.ensure(ref, 'IfNotPresent'),
      store.ensure(`${registry.host}/demo/busybox:1`, 'Always'),
    ]);
    expect(new Set(images.map((i) => i.digest)).size).toBe(1);
    expect(calls.filter((u) => u.includes('/manifests/'))).toHaveLength(1);
    const blobCalls = calls.filter((u) => u.includes('/blobs/'));
    expect(new Set(blobCalls).size).toBe(blobCalls.length);
  });

  it('picks linux/amd64 out of a multi-platform image index', async () => {
    const dir = join(work, 'multi-layout');
    const base = await busyboxLayerEntries({});
    const platforms = [
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
      { os: 'linux', architecture: 'amd64', variant: 'v3' },
      { os: 'linux', architecture: 'amd64' },
      { os: 'windows', architecture: 'amd64' },
    ];
    const manifests = [];
    for (const p of platforms) {
      const tag = `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
      manifests.push(
        await writeImage(dir, {
          platform: p,
          config: { Cmd: ['sh'] },
          layers: [{ entries: [...base, { path: 'platform', type: 'file', content: tag }] }],
        }),
      );
    }
    const index = await writeIndex(dir, manifests);
    await writeLayoutIndex(dir, [{ ref: 'gantry.test/multi:1', descriptor: index }]);
    await registry.push(dir, 'demo/multi:1', { all: true });

    const store = new LocalImageStore({ root: await newRoot(), insecureRegistries: [registry.host] });
    const image = await store.ensure(`${registry.host}/demo/multi:1`, 'IfNotPresent');
    expect(image.digest).toBe(manifests[2]!.digest);
    expect(await readFile(join(image.layerDirs[0]!, 'platform'), 'utf8')).toBe('linux/amd64');

    const arm = new LocalImageStore({
      root: await newRoot(),
      insecureRegistries: [registry.host],
      platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    });
    const armImage = await arm.ensure(`${registry.host}/demo/multi:1`, 'IfNotPresent');
    expect(await readFile(join(armImage.layerDirs[0]!, 'platform'), 'utf8')).toBe('linux/arm64/v8');

    const s390 = new LocalImageStore({
      root: await newRoot(),
      insecureRegistries: [registry.host],
      platform: { os: 'linux', architecture: 's390x' },
    });
    const err = await imageError(s390.ensure(`${registry.host}/demo/multi:1`, 'IfNotPresent'));
    expect(err.message).toMatch(
      /no image for linux\/s390x .*linux\/arm64\/v8, linux\/amd64\/v3, linux\/amd64, windows\/amd64/,
    );
  });

  it('pulls by digest and refuses a digest the registry does not have', async () => {
    const store = new LocalImageStore({ root: await newRoot(), insecureRegistries: [registry.host] });
    const image = await store.ensure(
      `${registry.host}/demo/busybox@${busybox.manifest.digest}`,
      'IfNotPresent',
    );
    expect(image.digest).toBe(busybox.manifest.digest);
    expect((await lstat(join(image.layerDirs[0]!, 'bin/sh'))).isSymbolicLink()).toBe(true);
    const err = await imageError(
      store.ensure(`${registry.host}/demo/busybox@sha256:${'0'.repeat(64)}`, 'IfNotPresent'),
    );
    expect(err.reason).toBe('ErrImagePull');
    expect(err.message).toMatch(/404/);
  });

  it('rejects invalid references before any I/O', async () => {
    const calls: string[] = [];
    const store = new LocalImageStore({ root: await newRoot(), fetch: countingFetch(calls) });
    const err = await imageError(store.ensure('Not/Valid:ref', 'Always'));
    expect(err.reason).toBe('InvalidImageName');
    expect(calls).toEqual([]);
  });
});
