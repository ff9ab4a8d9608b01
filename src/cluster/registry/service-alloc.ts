// ClusterIP and NodePort allocation for Services. The allocated values live in the Service
// objects themselves; the in-use sets are re-read from the store under the registry's admission
// lock, so there is no second source of truth to drift (and nothing to repair after a crash).
import { errors } from '../../api/errors.js';
import type { KObject } from '../../api/types.js';

export interface ServiceNetwork {
  /** Service CIDR, IPv4 only: e.g. 10.96.0.0/16. */
  readonly serviceCidr: string;
  readonly nodePortRange: readonly [number, number];
}

export const DEFAULT_SERVICE_NETWORK: ServiceNetwork = {
  serviceCidr: '10.96.0.0/16',
  nodePortRange: [30000, 32767],
};

export function ipToInt(ip: string): number {
  const p = ip.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) {
    throw new Error(`invalid IPv4 address "${ip}"`);
  }
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(cidr: string): { base: number; size: number } {
  const [ip, bits] = cidr.split('/');
  const b = Number(bits);
  if (!ip || !Number.isInteger(b) || b < 8 || b > 30) {
    throw new Error(`invalid CIDR "${cidr}"`);
  }
  const size = 2 ** (32 - b);
  return { base: ipToInt(ip) & (~(size - 1) >>> 0), size };
}

function field(svc: KObject, path: 'clusterIP'): string | undefined {
  return svc.spec?.[path];
}

/**
 * Fills spec.clusterIP(s) and spec.ports[].nodePort of a new or updated Service, checking
 * requested values are free and inside the ranges. `others` are all other Services.
 */
export function allocateServiceAddresses(
  svc: KObject,
  others: readonly KObject[],
  net: ServiceNetwork,
  old?: KObject,
): void {
  svc.spec ??= {};
  const spec = svc.spec;
  const type: string = spec.type ?? 'ClusterIP';
  const name = svc.metadata.name;
  const fieldErr = (f: string, msg: string) =>
    errors.invalid({ kind: 'Service', name }, [{ field: f, message: msg, reason: 'FieldValueInvalid' }]);

  if (type !== 'ExternalName') {
    const { base, size } = parseCidr(net.serviceCidr);
    const used = new Set(
      others.map((o) => field(o, 'clusterIP')).filter((x): x is string => !!x && x !== 'None'),
    );
    const requested: string | undefined = spec.clusterIP ?? old?.spec?.clusterIP;
    if (requested === undefined || requested === '') {
      let ip: string | undefined;
      // first try a random spot, then scan; skip the network address, .1 (kubernetes) and .10 (DNS).
      const start = 2 + Math.floor(Math.random() * (size - 3));
      for (let i = 0; i < size - 3 && !ip; i++) {
        const off = 2 + ((start - 2 + i) % (size - 3));
        const cand = intToIp(base + off);
        if (off !== 10 && !used.has(cand)) {
          ip = cand;
        }
      }
      if (!ip) {
        throw errors.forbidden(`failed to allocate a serviceIP: range ${net.serviceCidr} is full`);
      }
      spec.clusterIP = ip;
    } else if (requested !== 'None') {
      let n: number;
      try {
        n = ipToInt(requested);
      } catch {
        throw fieldErr('spec.clusterIP', `Invalid value: "${requested}": must be a valid IP address`);
      }
      if (n < base || n >= base + size) {
        throw fieldErr(
          'spec.clusterIP',
          `Invalid value: "${requested}": provided IP is not in the valid range. The range of valid IPs is ${net.serviceCidr}`,
        );
      }
      if (used.has(requested) && old?.spec?.clusterIP !== requested) {
        throw fieldErr('spec.clusterIP', `Invalid value: "${requested}": provided IP is already allocated`);
      }
      spec.clusterIP = requested;
    }
    spec.clusterIPs = [spec.clusterIP];
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
  }

  if (type === 'NodePort' || type === 'LoadBalancer') {
    const [lo, hi] = net.nodePortRange;
    const used = new Set<number>();
    for (const o of others) {
      for (const p of o.spec?.ports ?? []) {
        if (p.nodePort) {
          used.add(p.nodePort);
        }
      }
    }
    const oldPorts = new Map<string, number>();
    for (const p of old?.spec?.ports ?? []) {
      if (p.nodePort) {
        oldPorts.set(`${p.port}/${p.protocol ?? 'TCP'}`, p.nodePort);
      }
    }
    (spec.ports ?? []).forEach((p: any, i: number) => {
      if (p.nodePort !== undefined && p.nodePort !== null && p.nodePort !== 0) {
        if (!Number.isInteger(p.nodePort) || p.nodePort < lo || p.nodePort > hi) {
          throw fieldErr(
            `spec.ports[${i}].nodePort`,
            `Invalid value: ${JSON.stringify(p.nodePort)}: provided port is not in the valid range. The range of valid ports is ${lo}-${hi}`,
          );
        }
        if (used.has(p.nodePort)) {
          throw fieldErr(
            `spec.ports[${i}].nodePort`,
            `Invalid value: ${p.nodePort}: provided port is already allocated`,
          );
        }
        used.add(p.nodePort);
        return;
      }
      const prev = oldPorts.get(`${p.port}/${p.protocol ?? 'TCP'}`);
      if (prev !== undefined) {
        p.nodePort = prev;
        used.add(prev);
        return;
      }
      const span = hi - lo + 1;
      const start = Math.floor(Math.random() * span);
      for (let k = 0; k < span; k++) {
        const cand = lo + ((start + k) % span);
        if (!used.has(cand)) {
          p.nodePort = cand;
          used.add(cand);
          return;
        }
      }
      throw errors.forbidden(`failed to allocate a nodePort: range ${lo}-${hi} is full`);
    });
  } else {
    for (const p of spec.ports ?? []) {
      delete p.nodePort;
    }
  }
}
