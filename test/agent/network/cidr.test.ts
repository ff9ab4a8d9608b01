import { describe, expect, it } from 'vitest';
import {
  cidrContains,
  formatCidr,
  gatewayOf,
  intToIp,
  ipToInt,
  isIpv4,
  parseCidr,
  podAddresses,
} from '../../../src/agent/network/cidr.js';

describe('cidr', () => {
  it('recognises IPv4 addresses', () => {
    expect(isIpv4('10.244.1.5')).toBe(true);
    expect(isIpv4('255.255.255.255')).toBe(true);
    expect(isIpv4('256.1.1.1')).toBe(false);
    expect(isIpv4('01.1.1.1')).toBe(false);
    expect(isIpv4('None')).toBe(false);
    expect(isIpv4('1.2.3')).toBe(false);
  });

  it('converts between text and integers', () => {
    expect(ipToInt('10.244.1.5')).toBe(0x0af40105);
    expect(intToIp(0xfffffffe)).toBe('255.255.255.254');
    expect(() => ipToInt('x')).toThrow(/not an IPv4/);
  });

  it('parses a CIDR, normalising the network address', () => {
    const c = parseCidr('10.244.1.7/24');
    expect(formatCidr(c)).toBe('10.244.1.0/24');
    expect(c.size).toBe(256);
    expect(gatewayOf(c)).toBe('10.244.1.1');
    expect(cidrContains(c, '10.244.1.255')).toBe(true);
    expect(cidrContains(c, '10.244.2.0')).toBe(false);
    expect(() => parseCidr('10.0.0.0/31')).toThrow();
    expect(() => parseCidr('10.0.0.0')).toThrow();
  });

  it('lists pod addresses without network, gateway and broadcast, rotating after a start', () => {
    const c = parseCidr('10.0.0.0/29');
    expect([...podAddresses(c)]).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']);
    expect([...podAddresses(c, '10.0.0.4')]).toEqual([
      '10.0.0.5',
      '10.0.0.6',
      '10.0.0.2',
      '10.0.0.3',
      '10.0.0.4',
    ]);
    expect([...podAddresses(c, '10.9.9.9')][0]).toBe('10.0.0.2');
  });
});
