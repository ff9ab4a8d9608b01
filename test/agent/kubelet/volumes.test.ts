import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/agent/kubelet/env.js';
import { VolumeManager } from '../../../src/agent/kubelet/volume-manager.js';
import {
  hostPathAllowed,
  hostsFile,
  planVolumes,
  projectFiles,
  resolvConf,
} from '../../../src/agent/kubelet/volumes.js';
import type { KObject } from '../../../src/api/types.js';
import { FakeMounter } from './fakes.js';
import { pod } from './plan-fixtures.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('planVolumes', () => {
  const opts = { dataDir: '/data', allowedHostPaths: ['/srv/shared'] };

  it('maps every kind to its place on the node', () => {
    const p = pod({
      volumes: [
        { name: 'scratch', emptyDir: {} },
        { name: 'fast', emptyDir: { medium: 'Memory', sizeLimit: '16Mi' } },
        { name: 'cfg', configMap: { name: 'c' } },
        { name: 'sec', secret: { secretName: 's' } },
        { name: 'host', hostPath: { path: '/srv/shared/logs/', type: 'DirectoryOrCreate' } },
        { name: 'db', persistentVolumeClaim: { claimName: 'pg-data' } },
      ],
    });
    const plan = planVolumes(p, opts);
    expect(plan.error).toBeUndefined();
    expect([...plan.volumes.values()]).toEqual([
      {
        kind: 'emptyDir',
        name: 'scratch',
        path: '/data/pods/uid-1/volumes/scratch',
        tmpfs: false,
        sizeLimit: undefined,
      },
      {
        kind: 'emptyDir',
        name: 'fast',
        path: '/data/pods/uid-1/volumes/fast',
        tmpfs: true,
        sizeLimit: '16Mi',
      },
      {
        kind: 'configMap',
        name: 'cfg',
        path: '/data/pods/uid-1/volumes/cfg',
        tmpfs: false,
        source: { name: 'c' },
      },
      {
        kind: 'secret',
        name: 'sec',
        path: '/data/pods/uid-1/volumes/sec',
        tmpfs: true,
        source: { secretName: 's' },
      },
      { kind: 'hostPath', name: 'host', path: '/srv/shared/logs/', type: 'DirectoryOrCreate' },
      { kind: 'pvc', name: 'db', path: '/data/volumes/default/pg-data', readOnly: false },
    ]);
  });

  it('rejects hostPath outside the allowed prefixes with a clear reason', () => {
    for (const path of ['/etc', '/srv/shared-other', '/srv/shared/../../etc', 'relative']) {
      const plan = planVolumes(pod({ volumes: [{ name: 'h', hostPath: { path } }] }), opts);
      expect(plan.error?.reason).toBe('HostPathNotAllowed');
      expect(plan.error?.message).toContain(`hostPath volume "h" (${path})`);
    }
    expect(
      planVolumes(pod({ volumes: [{ name: 'h', hostPath: { path: '/tmp' } }] }), {
        dataDir: '/d',
        allowedHostPaths: [],
      }).error?.message,
    ).toMatch(/allows no hostPath volumes/);
    expect(hostPathAllowed('/srv/shared', ['/srv/shared/'])).toBe(true);
    expect(hostPathAllowed('/anything', ['/'])).toBe(true);
  });

  it('rejects volume types the node cannot provide', () => {
    const plan = planVolumes(pod({ volumes: [{ name: 'n', nfs: { server: 'x', path: '/' } }] }), opts);
    expect(plan.error).toEqual({
      reason: 'UnsupportedVolume',
      message: expect.stringContaining('type nfs is not supported'),
    });
  });
});

describe('projectFiles', () => {
  const ctx = {
    configMaps: new Map<string, KObject | null>([
      [
        'c',
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'c', namespace: 'default' },
          data: { 'a.conf': 'A', b: 'B' },
          binaryData: { bin: b64('\u0001\u0002') },
        },
      ],
    ]),
    secrets: new Map<string, KObject | null>([
      [
        's',
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 's', namespace: 'default' },
          data: { token: b64('t0k3n') },
        },
      ],
    ]),
  };
  const vol = (v: any) =>
    [
      ...planVolumes(pod({ volumes: [{ name: 'v', ...v }] }), {
        dataDir: '/d',
        allowedHostPaths: [],
      }).volumes.values(),
    ][0]!;

  it('writes all keys, or the listed items with paths and modes', () => {
    expect(
      projectFiles(vol({ configMap: { name: 'c' } }), pod(), ctx).map((f) => [
        f.path,
        f.data.toString('latin1'),
        f.mode,
      ]),
    ).toEqual([
      ['a.conf', 'A', 0o644],
      ['b', 'B', 0o644],
      ['bin', '\u0001\u0002', 0o644],
    ]);
    expect(
      projectFiles(
        vol({
          secret: { secretName: 's', defaultMode: 0o400, items: [{ key: 'token', path: 'auth/token' }] },
        }),
        pod(),
        ctx,
      ).map((f) => [f.path, f.data.toString(), f.mode]),
    ).toEqual([['auth/token', 't0k3n', 0o400]]);
  });

  it('fails on missing objects or keys unless optional', () => {
    expect(() => projectFiles(vol({ configMap: { name: 'nope' } }), pod(), ctx)).toThrow(ConfigError);
    expect(projectFiles(vol({ configMap: { name: 'nope', optional: true } }), pod(), ctx)).toEqual([]);
    expect(() =>
      projectFiles(vol({ secret: { secretName: 's', items: [{ key: 'x', path: 'x' }] } }), pod(), ctx),
    ).toThrow(/couldn't find key x/);
    expect(() =>
      projectFiles(vol({ configMap: { name: 'c', items: [{ key: 'b', path: '../escape' }] } }), pod(), ctx),
    ).toThrow(/invalid item path/);
  });

  it('renders downwardAPI labels like the kubelet', () => {
    const p = pod({}, { labels: { tier: 'web', app: 'x' } });
    const files = projectFiles(
      vol({
        downwardAPI: {
          items: [
            { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
            { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
          ],
        },
      }),
      p,
      ctx,
    );
    expect(files.map((f) => [f.path, f.data.toString()])).toEqual([
      ['labels', 'app="x"\ntier="web"'],
      ['name', 'web'],
    ]);
  });
});

describe('/etc files', () => {
  it('hosts: the pod name on its IP, with subdomain FQDN and host aliases', () => {
    const text = hostsFile(
      pod({
        hostname: 'db-0',
        subdomain: 'db',
        hostAliases: [{ ip: '10.0.0.9', hostnames: ['foo', 'bar'] }],
      }),
      '10.244.1.4',
    );
    expect(text).toContain('127.0.0.1\tlocalhost\n');
    expect(text).toContain('10.244.1.4\tdb-0.db.default.svc.cluster.local\tdb-0\n');
    expect(text).toContain('10.0.0.9\tfoo\tbar\n');
  });

  it('resolv.conf: cluster DNS with search paths (ClusterFirst), the host (Default), dnsConfig', () => {
    expect(resolvConf(pod({}, { namespace: 'shop' }), ['10.244.1.1'], '')).toBe(
      'nameserver 10.244.1.1\nsearch shop.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n',
    );
    expect(
      resolvConf(pod({ dnsPolicy: 'Default' }), ['10.244.1.1'], 'nameserver 1.1.1.1\nsearch lan\n'),
    ).toBe('nameserver 1.1.1.1\nsearch lan\n');
    expect(
      resolvConf(
        pod({
          dnsPolicy: 'None',
          dnsConfig: { nameservers: ['9.9.9.9'], options: [{ name: 'ndots', value: '2' }] },
        }),
        ['10.244.1.1'],
        '',
      ),
    ).toBe('nameserver 9.9.9.9\noptions ndots:2\n');
  });
});

describe('VolumeManager', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gantry-vol-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the volumes, mounts tmpfs for memory and secrets, and removes them again', async () => {
    const mounter = new FakeMounter();
    const vm = new VolumeManager(join(dir, 'data'), mounter, async () => '');
    const allowed = join(dir, 'host');
    const p = pod({
      volumes: [
        { name: 'scratch', emptyDir: {} },
        { name: 'mem', emptyDir: { medium: 'Memory' } },
        { name: 'sec', secret: { secretName: 's', defaultMode: 0o440 } },
        { name: 'h', hostPath: { path: join(allowed, 'x'), type: 'DirectoryOrCreate' } },
        { name: 'claim', persistentVolumeClaim: { claimName: 'keep' } },
      ],
    });
    const plan = planVolumes(p, { dataDir: join(dir, 'data'), allowedHostPaths: [allowed] });
    const objects = {
      configMaps: new Map(),
      secrets: new Map<string, KObject | null>([
        [
          's',
          {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: 's', namespace: 'default' },
            data: { k: b64('v') },
          },
        ],
      ]),
    };
    await vm.setup({
      pod: p,
      plan,
      objects,
      podIP: '10.244.1.9',
      clusterDns: ['10.244.1.1'],
      allowedHostPaths: [allowed],
    });
    const vols = join(dir, 'data/pods/uid-1/volumes');
    expect(statSync(join(vols, 'scratch')).isDirectory()).toBe(true);
    expect([...mounter.mounts].sort()).toEqual([join(vols, 'mem'), join(vols, 'sec')]);
    expect(readFileSync(join(vols, 'sec/k'), 'utf8')).toBe('v');
    expect(statSync(join(vols, 'sec/k')).mode & 0o777).toBe(0o440);
    expect(statSync(join(allowed, 'x')).isDirectory()).toBe(true);
    expect(statSync(join(dir, 'data/volumes/default/keep')).isDirectory()).toBe(true);
    expect(readFileSync(join(dir, 'data/pods/uid-1/etc/resolv.conf'), 'utf8')).toContain(
      'nameserver 10.244.1.1',
    );
    expect(readFileSync(join(dir, 'data/pods/uid-1/etc/hostname'), 'utf8')).toBe('web\n');

    // setting up again (agent restart) keeps the mounts and does not mount twice
    await vm.setup({
      pod: p,
      plan,
      objects,
      podIP: '10.244.1.9',
      clusterDns: ['10.244.1.1'],
      allowedHostPaths: [allowed],
    });
    expect(mounter.mounts.size).toBe(2);

    await vm.teardown('uid-1');
    expect(mounter.mounts.size).toBe(0);
    expect(existsSync(join(dir, 'data/pods/uid-1'))).toBe(false);
    expect(existsSync(join(dir, 'data/volumes/default/keep'))).toBe(true);
  });

  it('refuses a hostPath whose symlink leads outside the allowed prefixes', async () => {
    const allowed = join(dir, 'host');
    mkdirSync(allowed);
    symlinkSync('/etc', join(allowed, 'etc-link'));
    const p = pod({ volumes: [{ name: 'h', hostPath: { path: join(allowed, 'etc-link') } }] });
    const vm = new VolumeManager(join(dir, 'data'), new FakeMounter(), async () => '');
    const plan = planVolumes(p, { dataDir: join(dir, 'data'), allowedHostPaths: [allowed] });
    expect(plan.error).toBeUndefined();
    await expect(
      vm.setup({
        pod: p,
        plan,
        objects: { configMaps: new Map(), secrets: new Map() },
        podIP: '1.2.3.4',
        clusterDns: [],
        allowedHostPaths: [allowed],
      }),
    ).rejects.toThrow(/resolves to \/etc, outside the allowed prefixes/);
  });
});
