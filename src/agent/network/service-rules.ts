// Renders a node's Service rules as one nftables script (pure), with the semantics of kube-proxy's
// nftables mode: ClusterIP and NodePort traffic is DNATed to a random ready endpoint; services
// without usable endpoints are rejected at once; NodePort, localhost and hairpin traffic is
// masqueraded. Applying the script replaces the whole table in one kernel transaction.
import { createHash } from 'node:crypto';
import type { ServiceEndpoint, ServicePortRule } from '../types.js';
import { isIpv4 } from './cidr.js';

/** Packet mark bit that asks the postrouting chain to masquerade (kube-proxy uses the same bit). */
export const MASQUERADE_MARK = 0x4000;

/**
 * The endpoints new connections may go to: ready, non-terminating ones; when there are none, ready
 * (still serving) terminating ones, so that a rollout's last old pod keeps answering.
 */
export function usableEndpoints(endpoints: readonly ServiceEndpoint[]): ServiceEndpoint[] {
  const valid = endpoints.filter(
    (e) => isIpv4(e.ip) && Number.isInteger(e.port) && e.port > 0 && e.port < 65536,
  );
  const active = valid.filter((e) => e.ready && !e.terminating);
  const chosen = active.length > 0 ? active : valid.filter((e) => e.ready && e.terminating);
  const seen = new Set<string>();
  return chosen
    .filter((e) => {
      const key = `${e.ip}:${e.port}`;
      if (seen.has(key)) {
        return false;
      }
      seen.add(key);
      return true;
    })
    .sort((a, b) => compareAddr(a.ip, b.ip) || a.port - b.port);
}

/**
 * The nft script that replaces table `ip <table>` with the rules for these service ports.
 * NodePorts answer on `nodeIPs` and 127.0.0.1, or on every local address when `nodeIPs` is empty.
 */
export function renderServiceRules(
  table: string,
  rules: readonly ServicePortRule[],
  nodeIPs: readonly string[],
): string {
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(table)) {
    throw new Error(`invalid nft table name: ${JSON.stringify(table)}`);
  }
  const nodeAddrs = [...new Set(nodeIPs.filter(isIpv4))];
  if (nodeAddrs.length > 0 && !nodeAddrs.includes('127.0.0.1')) {
    nodeAddrs.push('127.0.0.1');
  }
  nodeAddrs.sort(compareAddr);
  const mark = `0x${MASQUERADE_MARK.toString(16)}`;

  const serviceIps: string[] = [];
  const nodePorts: string[] = [];
  const noEndpointIps: string[] = [];
  const noEndpointNodePorts: string[] = [];
  const chains: string[] = [];
  const seenIps = new Set<string>();
  const seenNodePorts = new Set<string>();

  for (const rule of [...rules].sort(compareRules)) {
    if (!isIpv4(rule.clusterIP) || !validPort(rule.port)) {
      continue;
    }
    const proto = rule.protocol === 'UDP' ? 'udp' : 'tcp';
    const ipKey = `${rule.clusterIP} . ${proto} . ${rule.port}`;
    if (seenIps.has(ipKey)) {
      continue;
    }
    seenIps.add(ipKey);
    let nodePortKey: string | undefined;
    if (
      rule.nodePort !== undefined &&
      validPort(rule.nodePort) &&
      !seenNodePorts.has(`${proto} . ${rule.nodePort}`)
    ) {
      nodePortKey = `${proto} . ${rule.nodePort}`;
      seenNodePorts.add(nodePortKey);
    }
    const endpoints = usableEndpoints(rule.endpoints);
    if (endpoints.length === 0) {
      noEndpointIps.push(`${ipKey} : goto reject-chain`);
      if (nodePortKey) {
        noEndpointNodePorts.push(`${nodePortKey} : goto reject-chain`);
      }
      continue;
    }
    const name = `${sanitize(rule.namespace)}/${sanitize(rule.service)}/${proto}/${sanitize(rule.portName) || `p${rule.port}`}`;
    const id = shortHash(`${rule.namespace}/${rule.service}/${proto}/${rule.portName}`);
    const svcChain = `svc-${id}-${name}`;
    serviceIps.push(`${ipKey} : goto ${svcChain}`);
    const epChains = endpoints.map((e) => ({
      e,
      chain: `ep-${shortHash(`${id}/${e.ip}:${e.port}`)}-${name}__${e.ip}/${e.port}`,
    }));
    const pick =
      epChains.length === 1
        ? `    goto ${epChains[0]?.chain}`
        : `    numgen random mod ${epChains.length} vmap { ${epChains.map((c, i) => `${i} : goto ${c.chain}`).join(', ')} }`;
    chains.push(`  chain ${svcChain} {`, pick, '  }');
    if (nodePortKey) {
      const extChain = `ext-${id}-${name}`;
      nodePorts.push(`${nodePortKey} : goto ${extChain}`);
      chains.push(`  chain ${extChain} {`, '    jump mark-for-masquerade', `    goto ${svcChain}`, '  }');
    }
    for (const { e, chain } of epChains) {
      chains.push(
        `  chain ${chain} {`,
        `    ip saddr ${e.ip} jump mark-for-masquerade`,
        `    meta l4proto ${proto} dnat to ${e.ip}:${e.port}`,
        '  }',
      );
    }
  }

  const localDst = nodeAddrs.length > 0 ? `ip daddr { ${nodeAddrs.join(', ')} }` : 'fib daddr type local';
  const lines = [
    `table ip ${table}`,
    `delete table ip ${table}`,
    `table ip ${table} {`,
    ...verdictMap('service-ips', 'ipv4_addr . inet_proto . inet_service', serviceIps),
    ...verdictMap('service-nodeports', 'inet_proto . inet_service', nodePorts),
    ...verdictMap('no-endpoint-services', 'ipv4_addr . inet_proto . inet_service', noEndpointIps),
    ...verdictMap('no-endpoint-nodeports', 'inet_proto . inet_service', noEndpointNodePorts),
    '  chain reject-chain {',
    '    meta l4proto tcp reject with tcp reset',
    '    reject with icmp type port-unreachable',
    '  }',
    '  chain mark-for-masquerade {',
    `    meta mark set meta mark | ${mark}`,
    '  }',
    '  chain masquerading {',
    `    meta mark & ${mark} == 0 return`,
    `    meta mark set meta mark ^ ${mark}`,
    '    masquerade fully-random',
    '  }',
    '  chain services {',
    '    ip daddr . meta l4proto . th dport vmap @service-ips',
    `    ${localDst} meta l4proto . th dport vmap @service-nodeports`,
    '  }',
    '  chain nat-prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    '    jump services',
    '  }',
    '  chain nat-output {',
    '    type nat hook output priority -100; policy accept;',
    '    jump services',
    '  }',
    '  chain nat-postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    '    jump masquerading',
    '  }',
    '  chain filter-input {',
    '    type filter hook input priority -110; policy accept;',
    `    ct state new ${localDst} meta l4proto . th dport vmap @no-endpoint-nodeports`,
    '  }',
    '  chain filter-forward {',
    '    type filter hook forward priority -110; policy accept;',
    '    ct state new ip daddr . meta l4proto . th dport vmap @no-endpoint-services',
    '  }',
    '  chain filter-output {',
    '    type filter hook output priority -110; policy accept;',
    '    ct state new ip daddr . meta l4proto . th dport vmap @no-endpoint-services',
    `    ct state new ${localDst} meta l4proto . th dport vmap @no-endpoint-nodeports`,
    '  }',
    ...chains,
    '}',
    '',
  ];
  return lines.join('\n');
}

function verdictMap(name: string, type: string, elements: readonly string[]): string[] {
  const lines = [`  map ${name} {`, `    type ${type} : verdict`];
  if (elements.length > 0) {
    lines.push(
      '    elements = {',
      ...elements.map((e, i) => `      ${e}${i < elements.length - 1 ? ',' : ''}`),
      '    }',
    );
  }
  lines.push('  }');
  return lines;
}

/** Keeps a Kubernetes name usable inside an nft identifier (it never reaches the script otherwise). */
function sanitize(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '_')
    .slice(0, 63);
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8).toUpperCase();
}

function validPort(port: number): boolean {
  return Number.isInteger(port) && port > 0 && port < 65536;
}

function compareAddr(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) {
      return d;
    }
  }
  return 0;
}

function compareRules(a: ServicePortRule, b: ServicePortRule): number {
  const ka = `${a.namespace}\0${a.service}\0${a.portName}\0${a.protocol}\0${a.port}`;
  const kb = `${b.namespace}\0${b.service}\0${b.portName}\0${b.protocol}\0${b.port}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
