// /etc/resolv.conf for pods, and reading the host's name servers (pure).

/** The resolv.conf a pod in `namespace` gets, pointing at the node's cluster DNS. */
export function podResolvConf(namespace: string, nameserverIP: string, domain = 'cluster.local'): string {
  return [
    `nameserver ${nameserverIP}`,
    `search ${namespace}.svc.${domain} svc.${domain} ${domain}`,
    'options ndots:5',
    '',
  ].join('\n');
}

/** The `nameserver` addresses of a resolv.conf text, in order. */
export function parseNameservers(text: string): string[] {
  const servers: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    const [key, value] = line.split(/\s+/);
    if (key === 'nameserver' && value) {
      servers.push(value);
    }
  }
  return servers;
}
