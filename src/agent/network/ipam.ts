// Host-local IP address management: one file per allocated address (`<dir>/<ip>`, holding the pod
// uid), created with link(2) so that a file appears atomically with its content or not at all and
// two allocators can never hand out the same address. Survives agent restarts.
import { randomBytes } from 'node:crypto';
import { link, mkdir, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cidrContains, formatCidr, type Ipv4Cidr, isIpv4, podAddresses } from './cidr.js';

const LAST_RESERVED = 'last-reserved';

export class IpPoolExhaustedError extends Error {
  constructor(cidr: Ipv4Cidr) {
    super(`no free pod address left in ${formatCidr(cidr)}`);
    this.name = 'IpPoolExhaustedError';
  }
}

export class HostLocalIpam {
  /** ip → uid, loaded from disk on first use and kept in step with it afterwards. */
  private byIp?: Map<string, string>;

  constructor(private readonly dir: string) {}

  /** Every allocation on disk (ip → pod uid). */
  async allocations(): Promise<ReadonlyMap<string, string>> {
    return this.load();
  }

  async lookup(uid: string): Promise<string | undefined> {
    for (const [ip, owner] of await this.load()) {
      if (owner === uid) {
        return ip;
      }
    }
    return undefined;
  }

  /** Returns the uid's address, allocating the next free one in the CIDR if it has none. */
  async allocate(uid: string, cidr: Ipv4Cidr): Promise<string> {
    const existing = await this.lookup(uid);
    if (existing !== undefined) {
      if (cidrContains(cidr, existing)) {
        return existing;
      }
      await this.release(uid); // the node's pod CIDR changed
    }
    const byIp = await this.load();
    const last = await readFile(join(this.dir, LAST_RESERVED), 'utf8').catch(() => undefined);
    const tmp = join(this.dir, `.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
    await writeFile(tmp, uid, { flag: 'wx' });
    try {
      for (const ip of podAddresses(cidr, last?.trim())) {
        if (byIp.has(ip)) {
          continue;
        }
        try {
          await link(tmp, join(this.dir, ip));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
            // Taken by another allocator since we loaded: learn its owner and move on.
            const owner = await readFile(join(this.dir, ip), 'utf8').catch(() => '');
            byIp.set(ip, owner.trim());
            continue;
          }
          throw err;
        }
        byIp.set(ip, uid);
        // atomically (write + rename): a concurrent allocate must never read an empty file and
        // start over at the first address, which would hand out a just-released one again
        const lastTmp = `${tmp}.last`;
        await writeFile(lastTmp, ip);
        await rename(lastTmp, join(this.dir, LAST_RESERVED));
        return ip;
      }
    } finally {
      await unlink(tmp).catch(() => {});
    }
    throw new IpPoolExhaustedError(cidr);
  }

  /** Releases every address held by the uid; a no-op when it holds none. */
  async release(uid: string): Promise<void> {
    const byIp = await this.load();
    for (const [ip, owner] of [...byIp]) {
      if (owner === uid) {
        await rm(join(this.dir, ip), { force: true });
        byIp.delete(ip);
      }
    }
  }

  private async load(): Promise<Map<string, string>> {
    if (this.byIp) {
      return this.byIp;
    }
    await mkdir(this.dir, { recursive: true });
    const byIp = new Map<string, string>();
    for (const name of await readdir(this.dir)) {
      if (!isIpv4(name)) {
        continue;
      }
      const owner = (await readFile(join(this.dir, name), 'utf8').catch(() => '')).trim();
      byIp.set(name, owner);
    }
    this.byIp = byIp;
    return byIp;
  }
}
