// Creation expectations (as kube-controller-manager keeps them): what a controller created and
// has not yet seen in its informer. Reconcile treats those objects as present, so a lagging
// cache never makes it create the same pod twice. Entries leave when observed or after a TTL.
import type { KObject } from '../../api/types.js';

interface Pending {
  readonly obj: KObject;
  readonly at: number;
}

export class CreationExpectations {
  private readonly byOwner = new Map<string, Map<string, Pending>>();

  constructor(
    private readonly ttlMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Records an object the controller of `ownerKey` just created (the create response). */
  created(ownerKey: string, obj: KObject): void {
    const uid = obj.metadata.uid;
    if (!uid) {
      return;
    }
    let m = this.byOwner.get(ownerKey);
    if (!m) {
      m = new Map();
      this.byOwner.set(ownerKey, m);
    }
    m.set(uid, { obj, at: this.now() });
  }

  /** The informer saw (or deleted) an object: it no longer needs to be assumed. */
  observed(ownerKey: string, obj: KObject): void {
    const m = this.byOwner.get(ownerKey);
    const uid = obj.metadata.uid;
    if (m && uid) {
      m.delete(uid);
      if (m.size === 0) {
        this.byOwner.delete(ownerKey);
      }
    }
  }

  /** `cached` plus what was created but is not in the cache yet. */
  withPending<T extends KObject>(ownerKey: string, cached: readonly T[]): T[] {
    const m = this.byOwner.get(ownerKey);
    if (!m) {
      return [...cached];
    }
    const seen = new Set(cached.map((o) => o.metadata.uid));
    const out = [...cached];
    const t = this.now();
    for (const [uid, p] of m) {
      if (seen.has(uid) || t - p.at > this.ttlMs) {
        m.delete(uid);
      } else {
        out.push(p.obj as T);
      }
    }
    if (m.size === 0) {
      this.byOwner.delete(ownerKey);
    }
    return out;
  }

  forget(ownerKey: string): void {
    this.byOwner.delete(ownerKey);
  }
}
