import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCidr } from '../../../src/agent/network/cidr.js';
import { HostLocalIpam, IpPoolExhaustedError } from '../../../src/agent/network/ipam.js';

describe('HostLocalIpam', () => {
  const dirs: string[] = [];
  const newDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'gantry-ipam-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) {
      rmSync(d, { recursive: true, force: true });
    }
  });
  const cidr = parseCidr('10.250.200.0/29'); // 5 pod addresses

  it('allocates one file per address holding the uid, stable per uid', async () => {
    const dir = newDir();
    const ipam = new HostLocalIpam(dir);
    const a = await ipam.allocate('uid-a', cidr);
    const b = await ipam.allocate('uid-b', cidr);
    expect(a).toBe('10.250.200.2');
    expect(b).toBe('10.250.200.3');
    expect(await ipam.allocate('uid-a', cidr)).toBe(a);
    expect(readFileSync(join(dir, a), 'utf8')).toBe('uid-a');
    expect(readdirSync(dir).filter((n) => n.startsWith('.tmp'))).toEqual([]);
  });

  it('survives a new instance and never hands out an allocated address', async () => {
    const dir = newDir();
    const first = new HostLocalIpam(dir);
    const a = await first.allocate('uid-a', cidr);
    const b = await first.allocate('uid-b', cidr);
    const second = new HostLocalIpam(dir);
    expect(await second.lookup('uid-a')).toBe(a);
    const c = await second.allocate('uid-c', cidr);
    expect([a, b]).not.toContain(c);
  });

  it('does not collide when two instances allocate at the same time', async () => {
    const dir = newDir();
    const x = new HostLocalIpam(dir);
    const y = new HostLocalIpam(dir);
    await x.allocations();
    await y.allocations(); // both loaded an empty directory
    const ips = await Promise.all([
      x.allocate('u1', cidr),
      y.allocate('u2', cidr),
      x.allocate('u3', cidr),
      y.allocate('u4', cidr),
    ]);
    expect(new Set(ips).size).toBe(4);
  });

  it('moves a uid to the new CIDR when the node CIDR changed', async () => {
    const dir = newDir();
    const ipam = new HostLocalIpam(dir);
    await ipam.allocate('uid-a', cidr);
    const moved = await ipam.allocate('uid-a', parseCidr('10.250.201.0/29'));
    expect(moved).toBe('10.250.201.2');
    expect([...(await new HostLocalIpam(dir).allocations()).keys()]).toEqual(['10.250.201.2']);
  });

  it('rotates instead of reusing a just-released address, and reports exhaustion', async () => {
    const dir = newDir();
    const ipam = new HostLocalIpam(dir);
    const a = await ipam.allocate('uid-a', cidr);
    await ipam.release('uid-a');
    await ipam.release('uid-a'); // idempotent
    expect(await ipam.lookup('uid-a')).toBeUndefined();
    expect(await ipam.allocate('uid-b', cidr)).not.toBe(a);
    for (const u of ['c', 'd', 'e', 'f']) {
      await ipam.allocate(`uid-${u}`, cidr);
    }
    await expect(ipam.allocate('uid-g', cidr)).rejects.toBeInstanceOf(IpPoolExhaustedError);
  });
});
