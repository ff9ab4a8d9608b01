// Kernel settings the node network needs, written through /proc/sys.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { runCommand } from './exec.js';

/** Sets a sysctl (`net.ipv4.ip_forward`) when it differs; returns false when the key does not exist. */
export async function setSysctl(key: string, value: string): Promise<boolean> {
  const path = `/proc/sys/${key.replaceAll('.', '/')}`;
  if (!existsSync(path)) {
    return false;
  }
  const current = (await readFile(path, 'utf8')).trim();
  if (current !== value) {
    await writeFile(path, value);
  }
  return true;
}

/**
 * Makes bridged IPv4 traffic pass through netfilter, which ClusterIP traffic between two pods on the
 * same bridge needs (the reply is bridged, and conntrack must undo the DNAT). Best effort: loads
 * br_netfilter when its sysctls are missing.
 */
export async function enableBridgeNetfilter(): Promise<boolean> {
  if (!existsSync('/proc/sys/net/bridge/bridge-nf-call-iptables')) {
    await runCommand('modprobe', ['br_netfilter']).catch(() => undefined);
  }
  return setSysctl('net.bridge.bridge-nf-call-iptables', '1').catch(() => false);
}
