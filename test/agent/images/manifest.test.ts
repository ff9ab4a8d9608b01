import { describe, expect, it } from 'vitest';
import {
  type ImageIndex,
  MediaType,
  parseImageConfig,
  parseManifest,
  selectPlatform,
} from '../../../src/agent/images/manifest.js';
import { parseChallenges, tokenFromResponse, tokenUrl } from '../../../src/agent/images/registry-auth.js';
import { ImageError } from '../../../src/agent/types.js';

const dg = (c: string) => `sha256:${c.repeat(64)}`;

function index(
  platforms: ({ os: string; architecture: string; variant?: string } | undefined)[],
): ImageIndex {
  const doc = parseManifest(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.dockerManifestList,
      manifests: platforms.map((p, i) => ({
        mediaType: MediaType.dockerManifest,
        digest: dg(String(i)),
        size: 100,
        ...(p ? { platform: p } : {}),
      })),
    }),
    undefined,
    'test',
  );
  if (doc.kind !== 'index') {
    throw new Error('expected an index');
  }
  return doc;
}

describe('manifests', () => {
  it('reads OCI and Docker manifests, with the media type from the body or the Content-Type', () => {
    const body = {
      schemaVersion: 2,
      config: { mediaType: MediaType.dockerConfig, digest: dg('a'), size: 10 },
      layers: [{ mediaType: MediaType.dockerLayerGzip, digest: dg('b'), size: 20 }],
    };
    const m = parseManifest(JSON.stringify(body), `${MediaType.dockerManifest}; charset=utf-8`, 'x');
    expect(m).toMatchObject({
      kind: 'manifest',
      mediaType: MediaType.dockerManifest,
      config: { digest: dg('a') },
    });
    const oci = parseManifest(
      JSON.stringify({ ...body, mediaType: MediaType.ociManifest }),
      'text/plain',
      'x',
    );
    expect(oci.mediaType).toBe(MediaType.ociManifest);
  });

  it.each([
    ['not json', /not valid JSON/],
    [JSON.stringify({ schemaVersion: 1, fsLayers: [] }), /schema 1/],
    [JSON.stringify({ mediaType: 'application/x-foo' }), /unsupported manifest media type/],
    [
      JSON.stringify({
        mediaType: MediaType.ociManifest,
        config: { digest: 'sha256:zz', size: 1 },
        layers: [],
      }),
      /not a sha256/,
    ],
    [
      JSON.stringify({ mediaType: MediaType.ociManifest, config: { digest: dg('a'), size: -1 }, layers: [] }),
      /invalid size/,
    ],
    [JSON.stringify({ mediaType: MediaType.ociIndex }), /no manifests/],
  ])('rejects %s', (body, why) => {
    let err: unknown;
    try {
      parseManifest(body, undefined, 'pull x');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ImageError);
    expect((err as ImageError).reason).toBe('ErrImagePull');
    expect((err as Error).message).toMatch(why);
  });

  it('selects the platform: exact variant, then variant-less, never attestations', () => {
    const amd64 = { os: 'linux', architecture: 'amd64' };
    expect(selectPlatform(index([{ os: 'linux', architecture: 'arm64' }, amd64]), amd64)?.digest).toBe(
      dg('1'),
    );
    expect(
      selectPlatform(
        index([{ ...amd64, variant: 'v3' }, amd64, { os: 'unknown', architecture: 'unknown' }]),
        amd64,
      )?.digest,
    ).toBe(dg('1'));
    const arm = { os: 'linux', architecture: 'arm64', variant: 'v8' };
    expect(selectPlatform(index([{ os: 'linux', architecture: 'arm64' }, arm]), arm)?.digest).toBe(dg('1'));
    expect(selectPlatform(index([{ os: 'linux', architecture: 'arm64' }]), arm)?.digest).toBe(dg('0'));
    expect(
      selectPlatform(index([{ os: 'unknown', architecture: 'unknown' }, undefined]), amd64),
    ).toBeUndefined();
    expect(selectPlatform(index([{ os: 'windows', architecture: 'amd64' }]), amd64)).toBeUndefined();
  });

  it('reads the container config and diff ids from an image config', () => {
    const cfg = parseImageConfig(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: {
          Entrypoint: ['/bin/sh', '-c'],
          Cmd: ['echo hi'],
          Env: ['PATH=/bin'],
          WorkingDir: '/app',
          User: '1000:1000',
          ExposedPorts: { '80/tcp': {}, '53/udp': {} },
        },
        rootfs: { type: 'layers', diff_ids: [dg('c')] },
      }),
      'x',
    );
    expect(cfg.config).toEqual({
      entrypoint: ['/bin/sh', '-c'],
      cmd: ['echo hi'],
      env: ['PATH=/bin'],
      workingDir: '/app',
      user: '1000:1000',
      exposedPorts: ['80/tcp', '53/udp'],
    });
    expect(cfg.diffIds).toEqual([dg('c')]);
    expect(cfg.platform).toEqual({ os: 'linux', architecture: 'amd64' });
    expect(parseImageConfig(JSON.stringify({ rootfs: { diff_ids: [] }, config: null }), 'x').config).toEqual(
      {},
    );
    expect(() => parseImageConfig('{"rootfs":{}}', 'x')).toThrow(/diff_ids/);
  });
});

describe('registry auth challenges', () => {
  it('parses bearer and basic challenges', () => {
    const [bearer] = parseChallenges(
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"',
    );
    expect(bearer).toEqual({
      scheme: 'bearer',
      params: {
        realm: 'https://auth.docker.io/token',
        service: 'registry.docker.io',
        scope: 'repository:library/busybox:pull',
      },
    });
    const url = tokenUrl(bearer!, 'repository:x:pull');
    expect(url.toString()).toBe(
      'https://auth.docker.io/token?service=registry.docker.io&scope=repository%3Alibrary%2Fbusybox%3Apull',
    );
    const both = parseChallenges(
      'Basic realm="Registry Realm", Bearer realm="http://h/t",error="invalid_token"',
    );
    expect(both.map((c) => c.scheme)).toEqual(['basic', 'bearer']);
    expect(both[1]!.params).toEqual({ realm: 'http://h/t', error: 'invalid_token' });
    expect(tokenUrl(both[1]!, 'repository:a/b:pull').searchParams.get('scope')).toBe('repository:a/b:pull');
    expect(parseChallenges('Bearer realm="a\\"b"')[0]!.params.realm).toBe('a"b');
  });

  it('reads token answers', () => {
    expect(tokenFromResponse({ token: 't', expires_in: 300 })).toEqual({ token: 't', expiresInSec: 300 });
    expect(tokenFromResponse({ access_token: 'a' })).toEqual({ token: 'a', expiresInSec: 60 });
    expect(tokenFromResponse({})).toBeUndefined();
  });
});
