// Keeps this node's routes to the other nodes' pod CIDRs in step with the Node objects: watches
// Nodes, plans the routes (network/routes.ts, pure) and applies them on every change (coalesced)
// and periodically (so a route someone deleted comes back).
import type { Logger } from 'pino';
import { Informer } from '../../client/informer.js';
import { R } from '../../client/resources.js';
import type { Client } from '../../client/types.js';
import { planRoutes, type RouteTable } from '../network/routes.js';

export interface RouteSyncOptions {
  readonly client: Client;
  readonly nodeName: string;
  readonly table: RouteTable;
  readonly logger?: Logger;
  /** Coalescing window. Default 50 ms. */
  readonly debounceMs?: number;
  /** Full resync period. Default 30 s. */
  readonly resyncMs?: number;
}

export class RouteSync {
  private readonly nodes: Informer;
  private timer?: NodeJS.Timeout;
  private resync?: NodeJS.Timeout;
  private syncing: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly opts: RouteSyncOptions) {
    this.nodes = new Informer(opts.client, R.nodes, {
      onError: (e) => opts.logger?.warn({ err: (e as Error)?.message }, 'node watch failed'),
    });
    const changed = () => this.schedule();
    this.nodes.addHandlers({ add: changed, update: changed, delete: changed });
  }

  async start(): Promise<void> {
    await this.nodes.start();
    this.schedule();
    this.resync = setInterval(() => this.schedule(), this.opts.resyncMs ?? 30_000);
    this.resync.unref();
    await this.flush();
  }

  /** Resolves when the pending sync (if any) is applied. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.run();
    }
    await this.syncing;
  }

  /** Stops watching; `removeRoutes` also deletes the routes this node installed. */
  async stop(opts: { removeRoutes?: boolean } = {}): Promise<void> {
    this.stopped = true;
    if (this.timer) {
      clearTimeout(this.timer);
    }
    if (this.resync) {
      clearInterval(this.resync);
    }
    this.nodes.stop();
    await this.syncing;
    if (opts.removeRoutes) {
      await this.opts.table.clear();
    }
  }

  private schedule(): void {
    if (this.stopped || this.timer) {
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, this.opts.debounceMs ?? 50);
  }

  private run(): void {
    if (this.stopped) {
      return;
    }
    this.syncing = this.syncing
      .then(() => this.opts.table.sync(planRoutes(this.nodes.list(), this.opts.nodeName)))
      .catch((e) => {
        this.opts.logger?.warn({ err: (e as Error)?.message }, 'pod route sync failed; retrying');
        setTimeout(() => this.schedule(), 1000).unref();
      });
  }
}
