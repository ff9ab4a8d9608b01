// Routes between nodes' pod CIDRs: every node reaches another node's pods through that node's
// InternalIP (a flat, routed pod network — no overlay). planRoutes (pure) decides the routes one
// node wants from the Node objects; diffRoutes (pure) turns the kernel's current routes into `ip`
// batch commands; RouteTable applies them. Routes we own carry a private protocol number, so the
// table can tell them apart from every other route and remove stale ones after a restart.
import type { Logger } from 'pino';
import type { KObject } from '../../api/types.js';
import { formatCidr, isIpv4, parseCidr } from './cidr.js';
import { runCommand } from './exec.js';

/** The `proto` number of the routes Gantry installs (rtnetlink protocols 0-255; 0-4 and common ones avoided). */
export const GANTRY_ROUTE_PROTO = 77;

export interface PodRoute {
  /** The other node's pod CIDR, normalized (`10.244.2.0/24`). */
  readonly cidr: string;
  /** That node's InternalIP. */
  readonly via: string;
}

function isReady(node: KObject): boolean {
  const conds = (node.status?.conditions as { type?: string; status?: string }[] | undefined) ?? [];
  return conds.some((c) => c.type === 'Ready' && c.status === 'True');
}

function internalIP(node: KObject): string | undefined {
  const addrs = (node.status?.addresses as { type?: string; address?: string }[] | undefined) ?? [];
  const a = addrs.find((x) => x.type === 'InternalIP' && typeof x.address === 'string' && isIpv4(x.address));
  return a?.address;
}

function normalizedCidr(text: unknown): string | undefined {
  if (typeof text !== 'string') {
    return undefined;
  }
  try {
    return formatCidr(parseCidr(text));
  } catch {
    return undefined;
  }
}

/**
 * The routes node `self` wants: one per other Ready node with a pod CIDR and an InternalIP, via
 * that address. A CIDR that overlaps this node's own, or one claimed by two nodes, gets no route.
 * Sorted by CIDR.
 */
export function planRoutes(nodes: readonly KObject[], self: string): PodRoute[] {
  const own = nodes.find((n) => n.metadata.name === self);
  const ownCidr = normalizedCidr(own?.spec?.podCIDR);
  const ownAddress = own ? internalIP(own) : undefined;
  const byCidr = new Map<string, PodRoute | null>();
  for (const n of nodes) {
    if (n.metadata.name === self || !isReady(n)) {
      continue;
    }
    const cidr = normalizedCidr(n.spec?.podCIDR);
    const via = internalIP(n);
    if (!cidr || !via || via === ownAddress || (ownCidr && overlaps(cidr, ownCidr))) {
      continue;
    }
    byCidr.set(cidr, byCidr.has(cidr) ? null : { cidr, via });
  }
  return [...byCidr.values()]
    .filter((r): r is PodRoute => r !== null)
    .sort((a, b) => a.cidr.localeCompare(b.cidr));
}

function overlaps(a: string, b: string): boolean {
  const ca = parseCidr(a);
  const cb = parseCidr(b);
  return ca.network < cb.network + cb.size && cb.network < ca.network + ca.size;
}

/** `ip -batch` lines taking the installed Gantry routes to the desired ones (empty: nothing to do). */
export function diffRoutes(current: readonly PodRoute[], desired: readonly PodRoute[]): string[] {
  const want = new Map(desired.map((r) => [r.cidr, r.via]));
  const have = new Map(current.map((r) => [r.cidr, r.via]));
  const cmds: string[] = [];
  for (const [cidr] of have) {
    if (!want.has(cidr)) {
      cmds.push(`route del ${cidr} proto ${GANTRY_ROUTE_PROTO}`);
    }
  }
  for (const [cidr, via] of want) {
    if (have.get(cidr) !== via) {
      cmds.push(`route replace ${cidr} via ${via} proto ${GANTRY_ROUTE_PROTO}`);
    }
  }
  return cmds;
}

/** Parses `ip -j -4 route show proto N` output. */
export function parseRouteList(json: string): PodRoute[] {
  const rows = JSON.parse(json || '[]') as { dst?: string; gateway?: string }[];
  const out: PodRoute[] = [];
  for (const r of rows) {
    const cidr = normalizedCidr(r.dst);
    if (cidr && r.gateway) {
      out.push({ cidr, via: r.gateway });
    }
  }
  return out;
}

/** The kernel's routing table of this network namespace, as far as Gantry's pod routes go. */
export class RouteTable {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly logger?: Logger) {}

  /** The Gantry routes installed now. */
  async current(): Promise<PodRoute[]> {
    const { stdout } = await runCommand('ip', [
      '-j',
      '-4',
      'route',
      'show',
      'proto',
      String(GANTRY_ROUTE_PROTO),
    ]);
    return parseRouteList(stdout);
  }

  /** Makes the Gantry routes exactly `desired` (serialized; safe to call concurrently). */
  sync(desired: readonly PodRoute[]): Promise<void> {
    const next = this.queue.then(async () => {
      const cmds = diffRoutes(await this.current(), desired);
      if (cmds.length === 0) {
        return;
      }
      await runCommand('ip', ['-batch', '-'], `${cmds.join('\n')}\n`);
      this.logger?.info({ routes: desired }, 'pod routes updated');
    });
    this.queue = next.catch(() => {});
    return next;
  }

  /** Removes every Gantry route. */
  clear(): Promise<void> {
    return this.sync([]);
  }
}
