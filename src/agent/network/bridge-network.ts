// The pod network of one node: a Linux bridge holding the pod CIDR's first address, one network
// namespace per pod joined to it by a veth pair, host-local IPAM, and masquerading of pod traffic
// that leaves the pod network. Driven through the `ip` and `nft` commands (no shell, batched).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Pod } from '../../api/types.js';
import type { PodNetwork, PodNetworkInfo } from '../types.js';
import { formatCidr, gatewayOf, type Ipv4Cidr, parseCidr } from './cidr.js';
import { CommandError, runCommand } from './exec.js';
import { HostLocalIpam } from './ipam.js';
import { enableBridgeNetfilter, setSysctl } from './sysctl.js';

export interface BridgeNetworkOptions {
  /** Where IPAM state lives (`<data-dir>/network`). */
  readonly stateDir: string;
  readonly bridgeName?: string;
  readonly netnsPrefix?: string;
  /** Host-side veth names are this prefix plus a hash, 15 characters in all. */
  readonly vethPrefix?: string;
  readonly mtu?: number;
  /**
   * Destinations reached without masquerading besides the pod CIDR (e.g. the cluster-wide pod CIDR,
   * so that pods on other nodes see the real source address).
   */
  readonly noMasqueradeCidrs?: readonly string[];
  readonly logger?: Logger;
}

const NETNS_DIR = '/var/run/netns';
const IFNAME_MAX = 15;
const POD_IFNAME = 'eth0';

export class BridgeNetwork implements PodNetwork {
  readonly bridgeName: string;
  readonly netnsPrefix: string;
  readonly vethPrefix: string;
  readonly natTable: string;
  private readonly ipam: HostLocalIpam;
  private readonly locks = new Map<string, Promise<unknown>>();
  private cidr?: Ipv4Cidr;

  constructor(private readonly opts: BridgeNetworkOptions) {
    this.bridgeName = opts.bridgeName ?? 'gantry0';
    this.netnsPrefix = opts.netnsPrefix ?? 'gantry-';
    this.vethPrefix = opts.vethPrefix ?? 'gv';
    if (!/^[A-Za-z][A-Za-z0-9_.-]{0,14}$/.test(this.bridgeName)) {
      throw new Error(`bridge name must be 1-${IFNAME_MAX} characters [A-Za-z0-9_.-]: ${this.bridgeName}`);
    }
    if (!/^[A-Za-z][A-Za-z0-9_-]{0,6}$/.test(this.vethPrefix)) {
      throw new Error(`veth prefix must be 1-7 characters [A-Za-z0-9_-]: ${this.vethPrefix}`);
    }
    if (!/^[A-Za-z0-9_.-]{1,40}$/.test(this.netnsPrefix)) {
      throw new Error(`netns prefix must be 1-40 characters [A-Za-z0-9_.-]: ${this.netnsPrefix}`);
    }
    this.natTable = `gantry-nat-${this.bridgeName}`;
    this.ipam = new HostLocalIpam(join(opts.stateDir, 'ips'));
  }

  /** The pod CIDR set by init, e.g. `10.244.1.0/24`. */
  get podCidr(): string | undefined {
    return this.cidr && formatCidr(this.cidr);
  }

  /** The bridge's address, which is the pods' gateway (and where the kubelet serves cluster DNS). */
  get gateway(): string | undefined {
    return this.cidr && gatewayOf(this.cidr);
  }

  netnsName(podUid: string): string {
    if (!/^[A-Za-z0-9-]+$/.test(podUid)) {
      throw new Error(`pod uid has unexpected characters: ${JSON.stringify(podUid)}`);
    }
    return `${this.netnsPrefix}${podUid.slice(0, 12)}`;
  }

  vethName(podUid: string): string {
    const hash = createHash('sha256').update(`${this.netnsPrefix}\0${podUid}`).digest('hex');
    return `${this.vethPrefix}${hash.slice(0, IFNAME_MAX - this.vethPrefix.length)}`;
  }

  async init(podCidr: string): Promise<void> {
    const cidr = parseCidr(podCidr);
    const gw = `${gatewayOf(cidr)}/${cidr.prefixLength}`;
    const br = this.bridgeName;
    await setSysctl('net.ipv4.ip_forward', '1');
    await setSysctl('net.ipv4.conf.all.route_localnet', '1');
    if (!(await enableBridgeNetfilter())) {
      this.opts.logger?.warn('br_netfilter unavailable: ClusterIP traffic between pods of one node may fail');
    }
    const cmds: string[] = [];
    if (!linkExists(br)) {
      cmds.push(`link add name ${br} type bridge`, `link set dev ${br} address ${bridgeMac(br)}`);
    }
    if (this.opts.mtu !== undefined) {
      cmds.push(`link set dev ${br} mtu ${this.opts.mtu}`);
    }
    cmds.push(`addr replace ${gw} dev ${br}`, `link set dev ${br} up`);
    await runCommand('ip', ['-batch', '-'], `${cmds.join('\n')}\n`);
    await setSysctl(`net.ipv4.conf.${br}.route_localnet`, '1');
    const keep = [
      formatCidr(cidr),
      ...(this.opts.noMasqueradeCidrs ?? []).map((c) => formatCidr(parseCidr(c))),
    ];
    const table = this.natTable;
    await runCommand(
      'nft',
      ['-f', '-'],
      [
        `table ip ${table}`,
        `delete table ip ${table}`,
        `table ip ${table} {`,
        '  chain postrouting {',
        '    type nat hook postrouting priority srcnat; policy accept;',
        `    ip saddr ${formatCidr(cidr)} ip daddr != { ${keep.join(', ')} } masquerade`,
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    this.cidr = cidr;
    this.opts.logger?.info({ bridge: br, podCidr: formatCidr(cidr) }, 'pod network ready');
  }

  setup(pod: Pick<Pod, 'metadata'>): Promise<PodNetworkInfo> {
    const uid = pod.metadata.uid;
    if (!uid) {
      return Promise.reject(new Error(`pod ${pod.metadata.namespace}/${pod.metadata.name} has no uid`));
    }
    return this.locked(uid, () => this.setupLocked(uid));
  }

  teardown(podUid: string): Promise<void> {
    return this.locked(podUid, async () => {
      await this.removeLinks(podUid);
      await this.ipam.release(podUid);
    });
  }

  async listPods(): Promise<string[]> {
    const uids = new Set((await this.ipam.allocations()).values());
    uids.delete('');
    return [...uids].sort();
  }

  async shutdown(): Promise<void> {
    for (const uid of await this.listPods()) {
      await this.teardown(uid);
    }
    await runCommand('ip', ['link', 'del', 'dev', this.bridgeName]).catch((err: unknown) => {
      if (linkExists(this.bridgeName)) {
        throw err;
      }
    });
    await runCommand('nft', ['-f', '-'], `table ip ${this.natTable}\ndelete table ip ${this.natTable}\n`);
    await rm(join(this.opts.stateDir, 'ips', 'last-reserved'), { force: true });
    this.cidr = undefined;
  }

  private async setupLocked(uid: string): Promise<PodNetworkInfo> {
    const cidr = this.cidr;
    if (!cidr) {
      throw new Error('pod network not initialised: call init(podCidr) first');
    }
    const ns = this.netnsName(uid);
    const veth = this.vethName(uid);
    const gateway = gatewayOf(cidr);
    const ip = await this.ipam.allocate(uid, cidr);
    const info: PodNetworkInfo = { netnsPath: join(NETNS_DIR, ns), ip, gateway };
    if (existsSync(info.netnsPath)) {
      const ips = await this.netnsAddresses(ns);
      if (ips.includes(ip) && (await this.isOnBridge(veth))) {
        return info;
      }
      const allocations = await this.ipam.allocations();
      const owner = ips.map((a) => allocations.get(a)).find((u) => u !== undefined && u !== uid);
      if (owner !== undefined) {
        if (!ips.includes(ip)) {
          await this.ipam.release(uid);
        }
        throw new Error(`netns ${ns} belongs to pod ${owner}, not ${uid}`);
      }
      this.opts.logger?.warn({ netns: ns }, 'pod network incomplete, recreating');
      await this.removeLinks(uid);
    }
    const started = performance.now();
    const mtu = this.opts.mtu === undefined ? '' : ` mtu ${this.opts.mtu}`;
    try {
      await runCommand(
        'ip',
        ['-batch', '-'],
        [
          `netns add ${ns}`,
          `link add name ${veth}${mtu} type veth peer name ${POD_IFNAME}${mtu} netns ${ns}`,
          `link set dev ${veth} master ${this.bridgeName}`,
          `link set dev ${veth} type bridge_slave hairpin on`,
          `link set dev ${veth} up`,
          // a stale neighbour entry of an earlier pod with this address would black-hole the
          // node's traffic to the new pod (probes, service proxy) until it expired
          `neigh flush to ${ip} dev ${this.bridgeName}`,
          '',
        ].join('\n'),
      );
      await runCommand(
        'ip',
        ['-n', ns, '-batch', '-'],
        [
          'link set dev lo up',
          `addr add ${ip}/${cidr.prefixLength} dev ${POD_IFNAME}`,
          `link set dev ${POD_IFNAME} up`,
          `route add default via ${gateway} dev ${POD_IFNAME}`,
          '',
        ].join('\n'),
      );
    } catch (err) {
      await this.removeLinks(uid).catch(() => {});
      await this.ipam.release(uid);
      throw new Error(`set up network of pod ${uid}`, { cause: err });
    }
    this.opts.logger?.debug(
      { podUid: uid, netns: ns, ip, ms: Math.round(performance.now() - started) },
      'pod network set up',
    );
    return info;
  }

  private async isOnBridge(veth: string): Promise<boolean> {
    try {
      const { stdout } = await runCommand('ip', ['-j', 'link', 'show', 'dev', veth]);
      const links = JSON.parse(stdout) as { master?: string }[];
      return links[0]?.master === this.bridgeName;
    } catch {
      return false;
    }
  }

  /** IPv4 addresses of the netns's eth0 (none when it has no eth0). */
  private async netnsAddresses(ns: string): Promise<string[]> {
    try {
      const { stdout } = await runCommand('ip', ['-n', ns, '-j', '-4', 'addr', 'show', 'dev', POD_IFNAME]);
      const links = JSON.parse(stdout) as { addr_info?: { local?: string }[] }[];
      return links.flatMap((l) => (l.addr_info ?? []).map((a) => a.local ?? '')).filter((a) => a !== '');
    } catch {
      return [];
    }
  }

  /** Deletes the host veth (which takes its peer along) and the netns; tolerates either being gone. */
  private async removeLinks(uid: string): Promise<void> {
    const ns = this.netnsName(uid);
    const veth = this.vethName(uid);
    const cmds: string[] = [];
    if (linkExists(veth)) {
      cmds.push(`link del dev ${veth}`);
    }
    if (existsSync(join(NETNS_DIR, ns))) {
      cmds.push(`netns del ${ns}`);
    }
    if (cmds.length === 0) {
      return;
    }
    try {
      await runCommand('ip', ['-force', '-batch', '-'], `${cmds.join('\n')}\n`);
    } catch (err) {
      if (existsSync(join(NETNS_DIR, ns)) || (err instanceof CommandError && linkExists(veth))) {
        throw new Error(`tear down network of pod ${uid}`, { cause: err });
      }
    }
  }

  private locked<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const settled = next.catch(() => {});
    this.locks.set(key, settled);
    void settled.then(() => {
      if (this.locks.get(key) === settled) {
        this.locks.delete(key);
      }
    });
    return next;
  }
}

/**
 * Whether a network interface exists in this process's network namespace. /proc/self/net follows
 * the caller's namespace, whereas /sys/class/net shows the namespace sysfs was mounted in (an
 * agent started with `nsenter --net` into a test host sees the machine's interfaces there).
 */
function linkExists(name: string): boolean {
  try {
    return readFileSync('/proc/self/net/dev', 'utf8')
      .split('\n')
      .some((line) => line.trimStart().startsWith(`${name}:`));
  } catch {
    return false;
  }
}

/** A stable, locally administered MAC for the bridge, so it does not change as pods come and go. */
function bridgeMac(name: string): string {
  const h = createHash('sha256').update(name).digest();
  const bytes = [0x02, h[0] ?? 0, h[1] ?? 0, h[2] ?? 0, h[3] ?? 0, h[4] ?? 0];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}
