import { describe, expect, it } from 'vitest';
import {
  formatReference,
  manifestReference,
  normalizeReference,
  parseReference,
  registryApiHost,
} from '../../../src/agent/images/reference.js';
import { ImageError } from '../../../src/agent/types.js';

const D = `sha256:${'ab'.repeat(32)}`;

describe('parseReference', () => {
  it.each([
    ['busybox', 'docker.io/library/busybox:latest'],
    ['busybox:1.36', 'docker.io/library/busybox:1.36'],
    ['library/busybox', 'docker.io/library/busybox:latest'],
    ['team/app:v1', 'docker.io/team/app:v1'],
    ['docker.io/busybox', 'docker.io/library/busybox:latest'],
    ['index.docker.io/library/busybox:1', 'docker.io/library/busybox:1'],
    ['ghcr.io/owner/repo/sub:tag', 'ghcr.io/owner/repo/sub:tag'],
    ['host:5000/a/b:tag', 'host:5000/a/b:tag'],
    ['127.0.0.1:5000/demo/web', '127.0.0.1:5000/demo/web:latest'],
    ['localhost/app', 'localhost/app:latest'],
    ['localhost:5000/app:1', 'localhost:5000/app:1'],
    [`busybox@${D}`, `docker.io/library/busybox@${D}`],
    [`host:5000/a/b:tag@${D}`, `host:5000/a/b:tag@${D}`],
    ['a_b/c__d/e-f--g.h:Tag_1.x-y', 'docker.io/a_b/c__d/e-f--g.h:Tag_1.x-y'],
    ['[::1]:5000/app', '[::1]:5000/app:latest'],
  ])('%s → %s', (input, want) => {
    expect(normalizeReference(input)).toBe(want);
  });

  it('splits registry, repository, tag and digest', () => {
    const r = parseReference(`host:5000/a/b:tag@${D}`);
    expect(r).toEqual({ registry: 'host:5000', repository: 'a/b', tag: 'tag', digest: D });
    expect(manifestReference(r)).toBe(D);
    expect(manifestReference(parseReference('host:5000/a/b:tag'))).toBe('tag');
    expect(formatReference(parseReference(`x.io/y@${D}`))).toBe(`x.io/y@${D}`);
    expect(parseReference(`x.io/y@${D}`).tag).toBeUndefined();
  });

  it('maps Docker Hub to its API host', () => {
    expect(registryApiHost('docker.io')).toBe('registry-1.docker.io');
    expect(registryApiHost('127.0.0.1:5000')).toBe('127.0.0.1:5000');
  });

  it.each([
    ['', /empty/],
    ['   ', /empty/],
    ['Busybox', /lowercase/],
    ['myorg/MyApp:1', /lowercase/],
    ['busybox:', /tag ""/],
    ['busybox:-bad', /tag/],
    ['busybox:a/b', /malformed port/],
    ['a//b', /empty path component/],
    ['/busybox', /empty path component/],
    ['busy..box', /path component/],
    ['busybox@sha256:abc', /64 lowercase hexadecimal/],
    [`busybox@sha256:${'AB'.repeat(32)}`, /64 lowercase hexadecimal/],
    ['busybox@md5:abcd', /not supported/],
    ['busybox@nodigest', /algorithm:hex/],
    ['host:99999/app', /port 99999/],
    ['ho_st.io/app', /not a valid host/],
    ['has space', /whitespace/],
    [`x.io/${'a'.repeat(260)}`, /longer than 255/],
  ])('rejects %j', (input, why) => {
    let err: unknown;
    try {
      parseReference(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ImageError);
    expect((err as ImageError).reason).toBe('InvalidImageName');
    expect((err as ImageError).message).toMatch(why);
  });
});
