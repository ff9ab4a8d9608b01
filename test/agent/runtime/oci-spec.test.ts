import { describe, expect, it } from 'vitest';
import {
  ALL_CAPABILITIES,
  buildOciSpec,
  containerCgroupPath,
  cpuQuota,
  cpuShares,
  DEFAULT_CAPABILITIES,
  effectiveCapabilities,
  normalizeCapability,
} from '../../../src/agent/runtime/oci-spec.js';
import type { ContainerSpec } from '../../../src/agent/types.js';

const base: ContainerSpec = {
  id: 'uid1-web-0',
  podUid: 'uid1',
  containerName: 'web',
  attempt: 0,
  rootfs: '/data/rootfs/uid1-web-0',
  readOnlyRootfs: false,
  args: ['httpd', '-f'],
  env: ['PATH=/bin', 'A=b'],
  cwd: '/www',
  uid: 1000,
  gid: 1000,
  hostname: 'web-abc',
  netnsPath: '/var/run/netns/pod-uid1',
  mounts: [],
  resources: {},
  privileged: false,
  cgroupParent: '/gantry/poduid1',
  logPath: '/data/logs/uid1/web/0.log',
  annotations: { 'io.kubernetes.pod.name': 'web-abc' },
};

// The OCI spec is an untyped JSON object.
type Json = any;
const oci = (over: Partial<ContainerSpec> = {}, v: 1 | 2 = 1): Json => buildOciSpec({ ...base, ...over }, v);

describe('buildOciSpec', () => {
  it('sets process, root, hostname and annotations from the spec', () => {
    const s = oci({ additionalGids: [5, 6] });
    expect(s.process).toMatchObject({
      terminal: false,
      args: ['httpd', '-f'],
      env: ['PATH=/bin', 'A=b'],
      cwd: '/www',
      user: { uid: 1000, gid: 1000, additionalGids: [5, 6] },
      noNewPrivileges: true,
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
    });
    expect(s.process.capabilities.bounding).toEqual(DEFAULT_CAPABILITIES);
    expect(s.process.capabilities.effective).toEqual(DEFAULT_CAPABILITIES);
    expect(s.process.capabilities.permitted).toEqual(DEFAULT_CAPABILITIES);
    expect(s.root).toEqual({ path: '/data/rootfs/uid1-web-0', readonly: false });
    expect(oci({ readOnlyRootfs: true }).root.readonly).toBe(true);
    expect(s.hostname).toBe('web-abc');
    expect(s.annotations).toEqual({ 'io.kubernetes.pod.name': 'web-abc' });
    expect(oci().process.user.additionalGids).toBeUndefined();
    expect(oci({ cwd: '' }).process.cwd).toBe('/');
  });

  it('joins the pod network namespace and creates the others', () => {
    expect(oci().linux.namespaces).toEqual([
      { type: 'pid' },
      { type: 'ipc' },
      { type: 'uts' },
      { type: 'mount' },
      { type: 'network', path: '/var/run/netns/pod-uid1' },
    ]);
    expect(oci({ netnsPath: '' }).linux.namespaces).toContainEqual({ type: 'network' });
    expect(oci({}, 2).linux.namespaces).toContainEqual({ type: 'cgroup' });
  });

  it('mounts the standard filesystems, read-only /sys unless privileged', () => {
    const mounts = oci().mounts;
    expect(mounts.map((m: Json) => m.destination)).toEqual([
      '/proc',
      '/dev',
      '/dev/pts',
      '/dev/shm',
      '/dev/mqueue',
      '/sys',
      '/sys/fs/cgroup',
    ]);
    const byDest = (ms: Json[], d: string): Json => ms.find((m) => m.destination === d);
    expect(byDest(mounts, '/dev/pts').options).toEqual(
      expect.arrayContaining(['newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5']),
    );
    expect(byDest(mounts, '/dev/shm')).toMatchObject({
      type: 'tmpfs',
      options: expect.arrayContaining(['mode=1777', 'size=65536k']),
    });
    expect(byDest(mounts, '/sys').options).toContain('ro');
    expect(byDest(mounts, '/sys/fs/cgroup').options).toContain('ro');
    const privileged = oci({ privileged: true }).mounts;
    expect(byDest(privileged, '/sys').options).toContain('rw');
    expect(byDest(privileged, '/sys').options).not.toContain('ro');
  });

  it('appends spec mounts, binds recursively by default, and lets them replace a default', () => {
    const s = oci({
      mounts: [
        {
          destination: '/data',
          source: '/var/lib/gantry/pods/uid1/volumes/data',
          type: 'bind',
          options: ['rw'],
        },
        { destination: '/etc/hosts', source: '/x/hosts', type: 'bind', options: ['bind', 'ro'] },
        { destination: '/dev/shm', source: '', type: 'tmpfs', options: ['size=1g'] },
      ],
    });
    const dests = s.mounts.map((m: Json) => m.destination);
    expect(dests.filter((d: string) => d === '/dev/shm')).toHaveLength(1);
    expect(s.mounts.slice(-3)).toEqual([
      {
        destination: '/data',
        source: '/var/lib/gantry/pods/uid1/volumes/data',
        type: 'bind',
        options: ['rbind', 'rw'],
      },
      { destination: '/etc/hosts', source: '/x/hosts', type: 'bind', options: ['bind', 'ro'] },
      { destination: '/dev/shm', source: 'tmpfs', type: 'tmpfs', options: ['size=1g'] },
    ]);
  });

  it('masks and read-only-mounts kernel paths unless privileged', () => {
    const s = oci();
    expect(s.linux.maskedPaths).toEqual(
      expect.arrayContaining(['/proc/kcore', '/proc/keys', '/sys/firmware']),
    );
    expect(s.linux.readonlyPaths).toEqual(expect.arrayContaining(['/proc/sys', '/proc/sysrq-trigger']));
    const p = oci({ privileged: true });
    expect(p.linux.maskedPaths).toBeUndefined();
    expect(p.linux.readonlyPaths).toBeUndefined();
    expect(p.process.noNewPrivileges).toBe(false);
    expect(p.process.capabilities.bounding).toEqual(ALL_CAPABILITIES);
  });

  it('denies devices except the standard character devices', () => {
    const devices: Json[] = oci().linux.resources.devices;
    expect(devices[0]).toEqual({ allow: false, access: 'rwm' });
    const allowed = devices
      .filter((d) => d.allow && d.access === 'rwm')
      .map((d) => `${d.major}:${d.minor ?? '*'}`);
    expect(allowed).toEqual(['1:3', '1:5', '1:7', '1:8', '1:9', '5:0', '5:1', '5:2', '136:*']);
    expect(oci({ privileged: true }).linux.resources.devices).toEqual([{ allow: true, access: 'rwm' }]);
  });

  it.each([
    { resources: {}, cpu: { shares: 2 }, memory: undefined, pids: undefined },
    { resources: { cpuRequestMilli: 250 }, cpu: { shares: 256 }, memory: undefined, pids: undefined },
    {
      resources: { cpuLimitMilli: 500 },
      cpu: { shares: 512, quota: 50_000, period: 100_000 },
      memory: undefined,
      pids: undefined,
    },
    {
      resources: {
        cpuRequestMilli: 100,
        cpuLimitMilli: 2000,
        memoryLimitBytes: 64 * 1024 * 1024,
        pidsLimit: 100,
      },
      cpu: { shares: 102, quota: 200_000, period: 100_000 },
      memory: { limit: 64 * 1024 * 1024 },
      pids: { limit: 100 },
    },
    {
      resources: { cpuLimitMilli: 1 },
      cpu: { shares: 2, quota: 1000, period: 100_000 },
      memory: undefined,
      pids: undefined,
    },
  ])('resources $resources', ({ resources, cpu, memory, pids }) => {
    const r = oci({ resources }).linux.resources;
    expect(r.cpu).toEqual(cpu);
    expect(r.memory).toEqual(memory);
    expect(r.pids).toEqual(pids);
  });

  it('places the container cgroup under the pod cgroup', () => {
    expect(oci().linux.cgroupsPath).toBe('/gantry/poduid1/uid1-web-0');
    expect(oci({ cgroupParent: 'gantry/poduid1/' }).linux.cgroupsPath).toBe('/gantry/poduid1/uid1-web-0');
    expect(containerCgroupPath('//a//b', 'c')).toBe('/a/b/c');
  });
});

describe('capabilities', () => {
  it.each([
    { add: undefined, drop: undefined, has: ['CAP_CHOWN', 'CAP_KILL'], hasNot: ['CAP_NET_ADMIN'], size: 14 },
    { add: ['NET_ADMIN'], drop: undefined, has: ['CAP_NET_ADMIN', 'CAP_CHOWN'], hasNot: [], size: 15 },
    { add: ['CAP_CHOWN'], drop: undefined, has: ['CAP_CHOWN'], hasNot: [], size: 14 },
    {
      add: undefined,
      drop: ['NET_RAW', 'mknod'],
      has: ['CAP_CHOWN'],
      hasNot: ['CAP_NET_RAW', 'CAP_MKNOD'],
      size: 12,
    },
    {
      add: ['NET_BIND_SERVICE'],
      drop: ['ALL'],
      has: ['CAP_NET_BIND_SERVICE'],
      hasNot: ['CAP_CHOWN'],
      size: 1,
    },
    {
      add: ['ALL'],
      drop: ['SYS_ADMIN'],
      has: ['CAP_BPF'],
      hasNot: ['CAP_SYS_ADMIN'],
      size: ALL_CAPABILITIES.length - 1,
    },
  ])('add $add drop $drop', ({ add, drop, has, hasNot, size }) => {
    const caps = effectiveCapabilities({ privileged: false, capAdd: add, capDrop: drop });
    expect(caps).toHaveLength(size);
    expect(caps).toEqual(expect.arrayContaining(has));
    for (const c of hasNot) {
      expect(caps).not.toContain(c);
    }
  });

  it('gives privileged containers every capability whatever is dropped', () => {
    expect(effectiveCapabilities({ privileged: true, capDrop: ['ALL'] })).toEqual(ALL_CAPABILITIES);
  });

  it('normalizes names', () => {
    expect(normalizeCapability('net_admin')).toBe('CAP_NET_ADMIN');
    expect(normalizeCapability('CAP_KILL')).toBe('CAP_KILL');
    expect(normalizeCapability('all')).toBe('ALL');
  });

  it('maps CPU like Kubernetes', () => {
    expect(cpuShares(0)).toBe(2);
    expect(cpuShares(1000)).toBe(1024);
    expect(cpuShares(1_000_000)).toBe(262_144);
    expect(cpuQuota(1500)).toBe(150_000);
    expect(cpuQuota(1)).toBe(1000);
  });
});
