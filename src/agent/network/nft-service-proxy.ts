// The node's service proxy: renders every Service port into one nftables table and swaps it in
// atomically with `nft -f -`. Established connections keep their backend (conntrack holds the NAT
// binding); new ones see the new rules at once.
import type { Logger } from 'pino';
import type { ServicePortRule, ServiceProxy } from '../types.js';
import { runCommand } from './exec.js';
import { renderServiceRules } from './service-rules.js';
import { setSysctl } from './sysctl.js';

export interface NftServiceProxyOptions {
  readonly tableName?: string;
  /** Addresses NodePorts answer on (plus 127.0.0.1); empty means every local address. */
  readonly nodeIPs: readonly string[];
  readonly logger?: Logger;
}

export interface SyncStats {
  /** Syncs that changed the kernel's rules. */
  readonly applied: number;
  /** Syncs skipped because the rendered rules were unchanged. */
  readonly skipped: number;
  /** Duration of the last `nft -f` run, in milliseconds. */
  readonly lastApplyMs?: number;
}

export class NftServiceProxy implements ServiceProxy {
  readonly tableName: string;
  private lastScript?: string;
  private stats: SyncStats = { applied: 0, skipped: 0 };
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: NftServiceProxyOptions) {
    this.tableName = opts.tableName ?? 'gantry-svc';
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(this.tableName)) {
      throw new Error(`invalid nft table name: ${JSON.stringify(this.tableName)}`);
    }
  }

  get syncStats(): SyncStats {
    return this.stats;
  }

  sync(rules: readonly ServicePortRule[]): Promise<void> {
    return this.serialized(async () => {
      const script = renderServiceRules(this.tableName, rules, this.opts.nodeIPs);
      if (script === this.lastScript) {
        this.stats = { ...this.stats, skipped: this.stats.skipped + 1 };
        return;
      }
      if (this.lastScript === undefined) {
        // NodePorts on 127.0.0.1 are DNATed to pod addresses, which the kernel refuses without this.
        await setSysctl('net.ipv4.conf.all.route_localnet', '1');
      }
      this.lastScript = undefined;
      const started = performance.now();
      try {
        await runCommand('nft', ['-f', '-'], script);
      } catch (err) {
        throw new Error(`apply service rules to nft table ${this.tableName}`, { cause: err });
      }
      const lastApplyMs = performance.now() - started;
      this.lastScript = script;
      this.stats = { applied: this.stats.applied + 1, skipped: this.stats.skipped, lastApplyMs };
      this.opts.logger?.debug(
        { table: this.tableName, rules: rules.length, ms: Math.round(lastApplyMs) },
        'service rules applied',
      );
    });
  }

  shutdown(): Promise<void> {
    return this.serialized(async () => {
      await runCommand('nft', ['-f', '-'], `table ip ${this.tableName}\ndelete table ip ${this.tableName}\n`);
      this.lastScript = undefined;
    });
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => {});
    return next;
  }
}
