// IPv4 address and CIDR arithmetic (pure).

export interface Ipv4Cidr {
  /** Network address as an unsigned 32-bit integer. */
  readonly network: number;
  readonly prefixLength: number;
  /** Number of addresses in the block, network and broadcast included. */
  readonly size: number;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function isIpv4(text: string): boolean {
  const m = IPV4.exec(text);
  return m?.slice(1).every((part) => Number(part) <= 255 && String(Number(part)) === part) ?? false;
}

export function ipToInt(ip: string): number {
  if (!isIpv4(ip)) {
    throw new Error(`not an IPv4 address: ${JSON.stringify(ip)}`);
  }
  return ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function parseCidr(text: string): Ipv4Cidr {
  const [addr, len, ...rest] = text.split('/');
  const prefixLength = Number(len);
  if (
    addr === undefined ||
    rest.length > 0 ||
    !Number.isInteger(prefixLength) ||
    prefixLength < 8 ||
    prefixLength > 30
  ) {
    throw new Error(`not an IPv4 CIDR with a prefix between /8 and /30: ${JSON.stringify(text)}`);
  }
  const size = 2 ** (32 - prefixLength);
  const network = ipToInt(addr) - (ipToInt(addr) % size);
  return { network, prefixLength, size };
}

export function formatCidr(cidr: Ipv4Cidr): string {
  return `${intToIp(cidr.network)}/${cidr.prefixLength}`;
}

export function cidrContains(cidr: Ipv4Cidr, ip: string): boolean {
  const n = ipToInt(ip);
  return n >= cidr.network && n < cidr.network + cidr.size;
}

/** The gateway of a pod CIDR: its first usable address (10.244.1.0/24 → 10.244.1.1). */
export function gatewayOf(cidr: Ipv4Cidr): string {
  return intToIp(cidr.network + 1);
}

/** Addresses a pod may get: everything but the network, gateway and broadcast addresses, in order. */
export function* podAddresses(cidr: Ipv4Cidr, startAfter?: string): Generator<string> {
  const first = cidr.network + 2;
  const last = cidr.network + cidr.size - 2;
  const count = last - first + 1;
  let offset = 0;
  if (startAfter !== undefined && isIpv4(startAfter) && cidrContains(cidr, startAfter)) {
    const after = ipToInt(startAfter);
    if (after >= first && after <= last) {
      offset = after - first + 1;
    }
  }
  for (let i = 0; i < count; i++) {
    yield intToIp(first + ((offset + i) % count));
  }
}
