import { describe, expect, it } from 'vitest';
import {
  diffRoutes,
  GANTRY_ROUTE_PROTO,
  parseRouteList,
  planRoutes,
} from '../../../src/agent/network/routes.js';
import type { KObject } from '../../../src/api/types.js';

function node(name: string, podCIDR: string | undefined, ip: string | undefined, ready = 'True'): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: podCIDR ? { podCIDR } : {},
    status: {
      conditions: [{ type: 'Ready', status: ready }],
      addresses: ip
        ? [
            { type: 'Hostname', address: name },
            { type: 'InternalIP', address: ip },
          ]
        : [],
    },
  };
}

describe('planRoutes', () => {
  it('routes every other ready node pod CIDR via its InternalIP, sorted', () => {
    const nodes = [
      node('h3', '10.244.3.0/24', '10.251.0.13'),
      node('h1', '10.244.1.0/24', '10.251.0.11'),
      node('h2', '10.244.2.0/24', '10.251.0.12'),
    ];
    expect(planRoutes(nodes, 'h1')).toEqual([
      { cidr: '10.244.2.0/24', via: '10.251.0.12' },
      { cidr: '10.244.3.0/24', via: '10.251.0.13' },
    ]);
    expect(planRoutes(nodes, 'h2')).toEqual([
      { cidr: '10.244.1.0/24', via: '10.251.0.11' },
      { cidr: '10.244.3.0/24', via: '10.251.0.13' },
    ]);
  });

  it('skips not-ready nodes, nodes without a CIDR or InternalIP, and bad CIDRs', () => {
    const nodes = [
      node('h1', '10.244.1.0/24', '10.251.0.11'),
      node('down', '10.244.2.0/24', '10.251.0.12', 'False'),
      node('unknown', '10.244.5.0/24', '10.251.0.15', 'Unknown'),
      node('nocidr', undefined, '10.251.0.13'),
      node('noip', '10.244.4.0/24', undefined),
      node('bad', 'not-a-cidr', '10.251.0.16'),
      node('ok', '10.244.6.9/24', '10.251.0.17'),
    ];
    expect(planRoutes(nodes, 'h1')).toEqual([{ cidr: '10.244.6.0/24', via: '10.251.0.17' }]);
  });

  it('never routes a CIDR overlapping its own, nor one claimed by two nodes, nor via its own address', () => {
    const nodes = [
      node('h1', '10.244.1.0/24', '10.251.0.11'),
      node('overlap', '10.244.0.0/16', '10.251.0.12'),
      node('a', '10.245.7.0/24', '10.251.0.13'),
      node('b', '10.245.7.0/24', '10.251.0.14'),
      node('same-ip', '10.245.8.0/24', '10.251.0.11'),
    ];
    expect(planRoutes(nodes, 'h1')).toEqual([]);
  });

  it('works before its own Node is known', () => {
    expect(planRoutes([node('h2', '10.244.2.0/24', '10.251.0.12')], 'h1')).toEqual([
      { cidr: '10.244.2.0/24', via: '10.251.0.12' },
    ]);
  });
});

describe('diffRoutes', () => {
  const p = GANTRY_ROUTE_PROTO;
  it('adds missing, replaces moved and deletes stale routes', () => {
    const current = [
      { cidr: '10.244.2.0/24', via: '10.251.0.12' },
      { cidr: '10.244.3.0/24', via: '10.251.0.13' },
      { cidr: '10.244.9.0/24', via: '10.251.0.19' },
    ];
    const desired = [
      { cidr: '10.244.2.0/24', via: '10.251.0.12' },
      { cidr: '10.244.3.0/24', via: '10.251.0.33' },
      { cidr: '10.244.4.0/24', via: '10.251.0.14' },
    ];
    expect(diffRoutes(current, desired)).toEqual([
      `route del 10.244.9.0/24 proto ${p}`,
      `route replace 10.244.3.0/24 via 10.251.0.33 proto ${p}`,
      `route replace 10.244.4.0/24 via 10.251.0.14 proto ${p}`,
    ]);
  });

  it('is empty when the kernel already matches', () => {
    const r = [{ cidr: '10.244.2.0/24', via: '10.251.0.12' }];
    expect(diffRoutes(r, r)).toEqual([]);
  });
});

describe('parseRouteList', () => {
  it('reads `ip -j route` output, skipping routes without a gateway', () => {
    const json = JSON.stringify([
      { dst: '10.244.2.0/24', gateway: '10.251.0.12', dev: 'eth0', protocol: '77', flags: [] },
      { dst: '10.244.3.0/24', dev: 'eth0', flags: [] },
    ]);
    expect(parseRouteList(json)).toEqual([{ cidr: '10.244.2.0/24', via: '10.251.0.12' }]);
    expect(parseRouteList('')).toEqual([]);
  });
});
