// The files every container of a pod gets bind-mounted (pure): /etc/hosts (localhost, the pod's
// own name on its IP, hostAliases), /etc/hostname and /etc/resolv.conf by dnsPolicy (cluster DNS
// with the namespace's search paths, the host's, or dnsConfig only).
import type { Pod } from '../../api/types.js';

export interface EtcFiles {
  readonly hosts: string;
  readonly hostname: string;
  readonly resolvConf: string;
}

/** The pod's hostname (spec.hostname or its name, at most 63 characters) and FQDN with a subdomain. */
export function podHostname(pod: Pod): { hostname: string; fqdn?: string } {
  const hostname = String(pod.spec.hostname ?? pod.metadata.name ?? 'pod')
    .slice(0, 63)
    .replace(/[-.]+$/, '');
  const sub = pod.spec.subdomain;
  return {
    hostname,
    fqdn: sub ? `${hostname}.${sub}.${pod.metadata.namespace ?? 'default'}.svc.cluster.local` : undefined,
  };
}

/** The pod's /etc/hosts: localhost entries, its own name on its IP, and spec.hostAliases. */
export function hostsFile(pod: Pod, podIP: string): string {
  const { hostname, fqdn } = podHostname(pod);
  const lines = [
    '# Kubernetes-managed hosts file (written by the Gantry node agent).',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'fe00::0\tip6-mcastprefix',
    'fe00::1\tip6-allnodes',
    'fe00::2\tip6-allrouters',
    fqdn ? `${podIP}\t${fqdn}\t${hostname}` : `${podIP}\t${hostname}`,
  ];
  const aliases: any[] = pod.spec.hostAliases ?? [];
  if (aliases.length > 0) {
    lines.push('', '# Entries added by HostAliases.');
    for (const a of aliases) {
      lines.push(`${a.ip}\t${(a.hostnames ?? []).join('\t')}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The pod's resolv.conf by dnsPolicy: cluster DNS (ClusterFirst), the host's (Default) or dnsConfig only (None). */
export function resolvConf(pod: Pod, clusterDns: readonly string[], hostResolv: string): string {
  const policy = String(pod.spec.dnsPolicy ?? 'ClusterFirst');
  const ns = pod.metadata.namespace ?? 'default';
  const cfg = pod.spec.dnsConfig ?? {};
  let servers: string[] = [];
  let searches: string[] = [];
  let options: string[] = [];
  if (policy === 'Default') {
    for (const raw of hostResolv.split('\n')) {
      const [key, ...rest] = raw
        .replace(/[#;].*$/, '')
        .trim()
        .split(/\s+/);
      if (key === 'nameserver' && rest[0]) {
        servers.push(rest[0]);
      } else if (key === 'search') {
        searches = rest;
      } else if (key === 'options') {
        options.push(...rest);
      }
    }
  } else if (policy !== 'None' && clusterDns.length > 0) {
    servers = [...clusterDns];
    searches = [`${ns}.svc.cluster.local`, 'svc.cluster.local', 'cluster.local'];
    options = ['ndots:5'];
  }
  servers.push(...((cfg.nameservers as string[] | undefined) ?? []));
  searches.push(...((cfg.searches as string[] | undefined) ?? []));
  for (const o of (cfg.options as { name: string; value?: string }[] | undefined) ?? []) {
    options = options.filter((x) => x.split(':')[0] !== o.name);
    options.push(o.value === undefined ? o.name : `${o.name}:${o.value}`);
  }
  const lines: string[] = [];
  for (const s of [...new Set(servers)].slice(0, 3)) {
    lines.push(`nameserver ${s}`);
  }
  if (searches.length > 0) {
    lines.push(`search ${[...new Set(searches)].join(' ')}`);
  }
  if (options.length > 0) {
    lines.push(`options ${options.join(' ')}`);
  }
  return `${lines.join('\n')}\n`;
}
