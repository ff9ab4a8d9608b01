// Which namespaces hold ResourceQuotas, kept from a watch on the store (Kubernetes' quota
// admission reads quotas from an informer too), so that creating an object in a namespace
// without quotas costs no store read. Until the watch runs, and again after the store ended it,
// callers are told to ask the store. Another API server's new quota is seen once this store's
// watch delivers it (milliseconds; the same window Kubernetes has).
import type { Store, Watch } from '../store/types.js';

export class QuotaNamespaces {
  /** namespace → keys of its quotas */
  private readonly byNamespace = new Map<string, Set<string>>();
  private state: 'idle' | 'starting' | 'ready' = 'idle';
  private watch: Watch | undefined;

  constructor(
    private readonly store: Store,
    /** The store prefix of every ResourceQuota. */
    private readonly prefix: string,
  ) {}

  /** Whether the namespace holds a quota; undefined when not known yet (ask the store). */
  has(namespace: string): boolean | undefined {
    if (this.state === 'ready') {
      return (this.byNamespace.get(namespace)?.size ?? 0) > 0;
    }
    if (this.state === 'idle') {
      this.state = 'starting';
      this.start().catch(() => {
        this.reset();
      });
    }
    return undefined;
  }

  stop(): void {
    this.watch?.stop();
    this.reset();
  }

  private reset(): void {
    this.watch = undefined;
    this.byNamespace.clear();
    this.state = 'idle';
  }

  private async start(): Promise<void> {
    const { items, revision } = await this.store.list(this.prefix);
    for (const q of items) {
      this.add(q.metadata.namespace ?? '', `${q.metadata.namespace}/${q.metadata.name}`);
    }
    this.watch = this.store.watch(
      this.prefix,
      revision,
      (e) => {
        const ns = e.object.metadata.namespace ?? '';
        const key = `${ns}/${e.object.metadata.name}`;
        if (e.type === 'DELETED') {
          this.remove(ns, key);
        } else {
          this.add(ns, key);
        }
      },
      () => this.reset(), // history gone: ask the store until a new watch runs
    );
    // ready once the events queued since the list (delivered in microtasks) are in
    setImmediate(() => {
      if (this.watch !== undefined) {
        this.state = 'ready';
      }
    });
  }

  private add(namespace: string, key: string): void {
    let set = this.byNamespace.get(namespace);
    if (set === undefined) {
      set = new Set();
      this.byNamespace.set(namespace, set);
    }
    set.add(key);
  }

  private remove(namespace: string, key: string): void {
    const set = this.byNamespace.get(namespace);
    if (set?.delete(key) && set.size === 0) {
      this.byNamespace.delete(namespace); // no entry left behind per namespace that once had a quota
    }
  }
}
