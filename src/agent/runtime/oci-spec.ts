// The OCI runtime spec (config.json) for one container, built from a ContainerSpec. Pure: no I/O.
// Defaults follow what containerd's CRI plugin gives a Kubernetes container: its capability set,
// masked and read-only /proc and /sys paths, the standard /dev, /dev/pts, /dev/shm, /dev/mqueue
// and /sys mounts, and a device cgroup that denies everything but the usual character devices.
import type { ContainerResources, ContainerSpec, MountSpec } from '../types.js';

export type CgroupVersion = 1 | 2;

/** containerd's default capability set for containers. */
export const DEFAULT_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** Every capability Linux knows (0 … 40), for privileged containers and `add: [ALL]`. */
export const ALL_CAPABILITIES: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

export const MASKED_PATHS: readonly string[] = [
  '/proc/acpi',
  '/proc/asound',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

export const READONLY_PATHS: readonly string[] = [
  '/proc/bus',
  '/proc/fs',
  '/proc/irq',
  '/proc/sys',
  '/proc/sysrq-trigger',
];

/** CPU CFS period (µs) used to turn a millicore limit into a quota. */
export const CPU_PERIOD_US = 100_000;
const MIN_CPU_QUOTA_US = 1000;
const MIN_CPU_SHARES = 2;
const MAX_CPU_SHARES = 262_144;

/** `NET_ADMIN`, `cap_net_admin` and `CAP_NET_ADMIN` all name the same capability. */
export function normalizeCapability(name: string): string {
  const upper = name.trim().toUpperCase();
  return upper === 'ALL' || upper.startsWith('CAP_') ? upper : `CAP_${upper}`;
}

/** The container's capability set: defaults (all when privileged), then add, then drop (ALL clears first). */
export function effectiveCapabilities(
  spec: Pick<ContainerSpec, 'privileged' | 'capAdd' | 'capDrop'>,
): string[] {
  if (spec.privileged) {
    return [...ALL_CAPABILITIES];
  }
  const add = (spec.capAdd ?? []).map(normalizeCapability);
  const drop = (spec.capDrop ?? []).map(normalizeCapability);
  let caps: string[] = add.includes('ALL') ? [...ALL_CAPABILITIES] : [...DEFAULT_CAPABILITIES];
  if (drop.includes('ALL')) {
    caps = [];
  }
  for (const cap of add) {
    if (cap !== 'ALL' && !caps.includes(cap)) {
      caps.push(cap);
    }
  }
  return caps.filter((cap) => !drop.includes(cap));
}

/** Kubernetes' mapping of a CPU request in millicores to cgroup cpu shares. */
export function cpuShares(milli: number): number {
  if (milli <= 0) {
    return MIN_CPU_SHARES;
  }
  return Math.min(MAX_CPU_SHARES, Math.max(MIN_CPU_SHARES, Math.floor((milli * 1024) / 1000)));
}

/** CFS quota (µs per CPU_PERIOD_US) for a CPU limit in millicores. */
export function cpuQuota(milli: number): number {
  return Math.max(MIN_CPU_QUOTA_US, Math.floor((milli * CPU_PERIOD_US) / 1000));
}

/** `<cgroupParent>/<id>`, absolute, without doubled slashes (runc's cgroupfs driver form). */
export function containerCgroupPath(cgroupParent: string, id: string): string {
  const parent = `/${cgroupParent}`.replace(/\/+/g, '/').replace(/\/$/, '');
  return `${parent}/${id}`;
}

interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

function defaultMounts(privileged: boolean): OciMount[] {
  const ro = privileged ? 'rw' : 'ro';
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
    },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', ro] },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['nosuid', 'noexec', 'nodev', 'relatime', ro],
    },
  ];
}

function userMount(m: MountSpec): OciMount {
  const options = [...m.options];
  if (m.type === 'bind' && !options.includes('bind') && !options.includes('rbind')) {
    options.unshift('rbind');
  }
  return { destination: m.destination, type: m.type, source: m.source || m.type, options };
}

/** Default mounts first (minus those a user mount replaces), then the spec's mounts in order. */
export function buildMounts(spec: Pick<ContainerSpec, 'mounts' | 'privileged'>): OciMount[] {
  const replaced = new Set(spec.mounts.map((m) => m.destination.replace(/\/+$/, '') || '/'));
  return [
    ...defaultMounts(spec.privileged).filter((m) => !replaced.has(m.destination)),
    ...spec.mounts.map(userMount),
  ];
}

interface DeviceRule {
  allow: boolean;
  type?: 'c' | 'b' | 'a';
  major?: number;
  minor?: number;
  access: string;
}

function deviceRules(privileged: boolean): DeviceRule[] {
  if (privileged) {
    return [{ allow: true, access: 'rwm' }];
  }
  const chr = (major: number, minor?: number): DeviceRule =>
    minor === undefined
      ? { allow: true, type: 'c', major, access: 'rwm' }
      : { allow: true, type: 'c', major, minor, access: 'rwm' };
  return [
    { allow: false, access: 'rwm' },
    { allow: true, type: 'c', access: 'm' }, // mknod of any char device (using it stays denied)
    { allow: true, type: 'b', access: 'm' },
    chr(1, 3), // null
    chr(1, 5), // zero
    chr(1, 7), // full
    chr(1, 8), // random
    chr(1, 9), // urandom
    chr(5, 0), // tty
    chr(5, 1), // console
    chr(5, 2), // ptmx
    chr(136), // pts/*
  ];
}

function resources(r: ContainerResources, privileged: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { devices: deviceRules(privileged) };
  const cpu: Record<string, number> = { shares: cpuShares(r.cpuRequestMilli ?? r.cpuLimitMilli ?? 0) };
  if (r.cpuLimitMilli !== undefined && r.cpuLimitMilli > 0) {
    cpu.quota = cpuQuota(r.cpuLimitMilli);
    cpu.period = CPU_PERIOD_US;
  }
  out.cpu = cpu;
  if (r.memoryLimitBytes !== undefined && r.memoryLimitBytes > 0) {
    out.memory = { limit: r.memoryLimitBytes };
  }
  if (r.pidsLimit !== undefined && r.pidsLimit > 0) {
    out.pids = { limit: r.pidsLimit };
  }
  return out;
}

/** The complete config.json object for one container. */
export function buildOciSpec(spec: ContainerSpec, cgroupVersion: CgroupVersion): Record<string, unknown> {
  const caps = effectiveCapabilities(spec);
  const user: Record<string, unknown> = { uid: spec.uid, gid: spec.gid };
  if (spec.additionalGids !== undefined && spec.additionalGids.length > 0) {
    user.additionalGids = [...spec.additionalGids];
  }
  const namespaces: Record<string, string>[] = [
    { type: 'pid' },
    { type: 'ipc' },
    { type: 'uts' },
    { type: 'mount' },
    spec.netnsPath ? { type: 'network', path: spec.netnsPath } : { type: 'network' },
  ];
  if (cgroupVersion === 2) {
    namespaces.push({ type: 'cgroup' });
  }
  const linux: Record<string, unknown> = {
    namespaces,
    resources: resources(spec.resources, spec.privileged),
    cgroupsPath: containerCgroupPath(spec.cgroupParent, spec.id),
  };
  if (!spec.privileged) {
    linux.maskedPaths = [...MASKED_PATHS];
    linux.readonlyPaths = [...READONLY_PATHS];
  }
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user,
      args: [...spec.args],
      env: [...spec.env],
      cwd: spec.cwd || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: !spec.privileged,
    },
    root: { path: spec.rootfs, readonly: spec.readOnlyRootfs },
    hostname: spec.hostname,
    mounts: buildMounts(spec),
    annotations: { ...spec.annotations },
    linux,
  };
}
