// Feeds the node's service proxy and cluster DNS from the API: watches Services and Endpoints,
// turns them into ServicePortRules (pure, below) and syncs the proxy on every change (coalesced
// over a few milliseconds, so an Endpoints change reaches the kernel well within a second), and
// answers DNS lookups of `<svc>.<ns>.svc.<domain>` from the same caches. It also knows which pod
// IPs the rules applied to the kernel route new connections to, and since when an IP no longer
// is (the kubelet drains a deleted pod on that before SIGTERM).
import type { Logger } from 'pino';
import type { KObject } from '../../api/types.js';
import { Informer } from '../../client/informer.js';
import { R } from '../../client/resources.js';
import type { Client } from '../../client/types.js';
import { usableEndpoints } from '../network/service-rules.js';
import type { ServiceEndpoint, ServicePortRule, ServiceProxy } from '../types.js';

function hasClusterIP(svc: KObject): boolean {
  const ip = svc.spec?.clusterIP;
  return typeof ip === 'string' && ip !== '' && ip !== 'None';
}

/** The proxy rules of one Service and its Endpoints (pure). */
export function serviceRules(svc: KObject, endpoints: KObject | undefined): ServicePortRule[] {
  const type = String(svc.spec?.type ?? 'ClusterIP');
  if (!hasClusterIP(svc) || type === 'ExternalName') {
    return [];
  }
  const out: ServicePortRule[] = [];
  const ports: any[] = svc.spec?.ports ?? [];
  for (const p of ports) {
    const protocol = String(p.protocol ?? 'TCP');
    if (protocol !== 'TCP' && protocol !== 'UDP') {
      continue;
    }
    const name = String(p.name ?? '');
    const eps: ServiceEndpoint[] = [];
    for (const subset of (endpoints?.subsets as any[] | undefined) ?? []) {
      const sp =
        (subset.ports as any[] | undefined)?.find(
          (x) => String(x.name ?? '') === name && String(x.protocol ?? 'TCP') === protocol,
        ) ?? (ports.length === 1 && subset.ports?.length === 1 ? subset.ports[0] : undefined);
      if (!sp || typeof sp.port !== 'number') {
        continue;
      }
      for (const a of subset.addresses ?? []) {
        eps.push({ ip: a.ip, port: sp.port, ready: true, terminating: false });
      }
      for (const a of subset.notReadyAddresses ?? []) {
        eps.push({ ip: a.ip, port: sp.port, ready: false, terminating: false });
      }
    }
    out.push({
      namespace: svc.metadata.namespace ?? 'default',
      service: svc.metadata.name ?? '',
      portName: name,
      protocol,
      clusterIP: svc.spec.clusterIP,
      port: Number(p.port),
      ...(typeof p.nodePort === 'number' && type !== 'ClusterIP' ? { nodePort: p.nodePort } : {}),
      endpoints: eps,
    });
  }
  return out;
}

/** Addresses of a DNS name of the cluster domain: a Service's ClusterIP, or a headless one's ready pods. */
export function lookupService(
  name: string,
  domain: string,
  get: (kind: 'svc' | 'ep', namespace: string, name: string) => KObject | undefined,
): string[] | undefined {
  const suffix = `.svc.${domain}`;
  if (!name.endsWith(suffix)) {
    return undefined;
  }
  const parts = name.slice(0, -suffix.length).split('.');
  if (parts.length !== 2) {
    return undefined;
  }
  const [svcName, ns] = parts as [string, string];
  const svc = get('svc', ns, svcName);
  if (!svc) {
    return undefined;
  }
  if (hasClusterIP(svc)) {
    return [svc.spec.clusterIP];
  }
  const ep = get('ep', ns, svcName);
  const ips = new Set<string>();
  for (const s of (ep?.subsets as any[] | undefined) ?? []) {
    for (const a of s.addresses ?? []) {
      ips.add(a.ip);
    }
  }
  return [...ips];
}

const LEFT_AT_TTL_MS = 10 * 60_000;

/** Whether the node's applied service rules route new connections to an IP, or since when not. */
export interface TrafficState {
  readonly serving: boolean;
  readonly leftAt?: Date;
}

export interface ServiceSyncOptions {
  readonly client: Client;
  readonly proxy?: ServiceProxy;
  readonly domain?: string;
  readonly logger?: Logger;
  /** Coalescing window for proxy syncs. Default 10 ms. */
  readonly debounceMs?: number;
  /** Called after every proxy sync that succeeded (the kernel has the new rules). */
  readonly onApplied?: () => void;
}

export class ServiceSync {
  private readonly services: Informer;
  private readonly endpoints: Informer;
  private timer?: NodeJS.Timeout;
  private syncing = Promise.resolve();
  private stopped = false;
  /** IPs new connections of some Service may go to, per the rules last applied to the kernel. */
  private servingIps = new Set<string>();
  /** When an IP left the applied rules (ms since the epoch), for a while after. */
  private readonly leftAt = new Map<string, number>();
  readonly domain: string;

  constructor(private readonly opts: ServiceSyncOptions) {
    this.domain = opts.domain ?? 'cluster.local';
    const onError = (e: unknown) => opts.logger?.warn({ err: (e as Error)?.message }, 'service watch failed');
    this.services = new Informer(opts.client, R.services, { onError });
    this.endpoints = new Informer(opts.client, R.endpoints, { onError });
    const changed = () => this.schedule();
    for (const inf of [this.services, this.endpoints]) {
      inf.addHandlers({ add: changed, update: changed, delete: changed });
    }
  }

  async start(): Promise<void> {
    await Promise.all([this.services.start(), this.endpoints.start()]);
    this.schedule();
    await this.flush();
  }

  /** Every rule for the current caches. */
  rules(): ServicePortRule[] {
    const out: ServicePortRule[] = [];
    for (const svc of this.services.list()) {
      out.push(...serviceRules(svc, this.endpoints.get(svc.metadata.namespace, svc.metadata.name ?? '')));
    }
    return out;
  }

  readonly lookup = (name: string): string[] | undefined =>
    lookupService(name, this.domain, (kind, ns, n) =>
      (kind === 'svc' ? this.services : this.endpoints).get(ns, n),
    );

  /**
   * Whether the rules applied on this node may route new connections to this IP (a ready endpoint
   * of some Service port). Always false without a proxy.
   */
  readonly servesIP = (ip: string): boolean => this.servingIps.has(ip);

  /** servesIP, and when the IP last left the applied rules (kept for 10 minutes). */
  readonly trafficTo = (ip: string): TrafficState => {
    if (this.servingIps.has(ip)) {
      return { serving: true };
    }
    const left = this.leftAt.get(ip);
    return left === undefined ? { serving: false } : { serving: false, leftAt: new Date(left) };
  };

  /** Resolves when the pending proxy sync (if any) is applied. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.run();
    }
    await this.syncing;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) {
      clearTimeout(this.timer);
    }
    this.services.stop();
    this.endpoints.stop();
  }

  private applied(serving: Set<string>): void {
    const now = Date.now();
    for (const ip of this.servingIps) {
      if (!serving.has(ip)) {
        this.leftAt.set(ip, now);
      }
    }
    for (const [ip, at] of this.leftAt) {
      if (serving.has(ip) || now - at > LEFT_AT_TTL_MS) {
        this.leftAt.delete(ip);
      }
    }
    this.servingIps = serving;
    this.opts.onApplied?.();
  }

  private schedule(): void {
    if (this.stopped || !this.opts.proxy || this.timer) {
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, this.opts.debounceMs ?? 10);
  }

  private run(): void {
    const proxy = this.opts.proxy;
    if (!proxy || this.stopped) {
      return;
    }
    this.syncing = this.syncing
      .then(async () => {
        const rules = this.rules();
        await proxy.sync(rules);
        this.applied(new Set(rules.flatMap((r) => usableEndpoints(r.endpoints).map((e) => e.ip))));
      })
      .catch((e) => {
        this.opts.logger?.warn({ err: (e as Error)?.message }, 'service proxy sync failed; retrying');
        setTimeout(() => this.schedule(), 1000).unref();
      });
  }
}
