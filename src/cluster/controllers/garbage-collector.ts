// Garbage collector: deletes objects whose owners are all gone, and carries out the
// `foregroundDeletion` and `orphan` finalizers the registry puts on owners
// (kubectl delete --cascade=foreground|orphan). It watches every resource in the table and keeps
// a uid → object index plus an owner uid → dependents index over those informers.
// An owner missing from the cache is confirmed with a live GET before anything is deleted, so a
// dependent seen before its owner's cache entry is never collected by mistake.
import type { Logger } from 'pino';
import { isApiError } from '../../api/errors.js';
import {
  RESOURCES,
  type ResourceInfo,
  resourceByKind,
  resourceFor,
  splitApiVersion,
} from '../../api/resources.js';
import type { KObject } from '../../api/types.js';
import { type ControllerHandle, type Reconciler, runController } from '../../client/controller.js';
import type { Informer } from '../../client/informer.js';
import { objectKey } from '../../client/informer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import type { Client } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';

export const FOREGROUND_FINALIZER = 'foregroundDeletion';
export const ORPHAN_FINALIZER = 'orphan';

/**
 * What an owner reference points at: `solid` (exists), `dangling` (gone, or same name with
 * another uid), `waiting` (exists and is being deleted in the foreground), `unresolvable`
 * (a kind this server does not serve, or a namespaced owner of a cluster-scoped object: kept, as Kubernetes does).
 */
export type OwnerState = 'solid' | 'dangling' | 'waiting' | 'unresolvable';

export type Propagation = 'Background' | 'Foreground';

export type GcAction =
  | { readonly kind: 'delete'; readonly target: KObject; readonly propagation: Propagation }
  | { readonly kind: 'removeOwnerRefs'; readonly target: KObject; readonly ownerUids: readonly string[] }
  | { readonly kind: 'removeFinalizer'; readonly target: KObject; readonly finalizer: string };

export interface GcInput {
  readonly obj: KObject;
  /** State of each of obj's owners, by owner uid. */
  readonly owners: ReadonlyMap<string, OwnerState>;
  /** Objects that name obj (by uid) as an owner. */
  readonly dependents: readonly KObject[];
  /** Whether an object is itself the owner of something. */
  readonly hasDependents: (o: KObject) => boolean;
}

function refersTo(dep: KObject, uid: string): boolean {
  return (dep.metadata.ownerReferences ?? []).some((r) => r.uid === uid);
}

/** Pure: what the garbage collector does about one object. */
export function planGarbageCollection(input: GcInput): GcAction[] {
  const { obj } = input;
  const uid = obj.metadata.uid ?? '';
  const finalizers = obj.metadata.finalizers ?? [];
  const out: GcAction[] = [];
  if (obj.metadata.deletionTimestamp) {
    const deps = input.dependents.filter((d) => refersTo(d, uid));
    if (finalizers.includes(ORPHAN_FINALIZER)) {
      for (const d of deps) {
        out.push({ kind: 'removeOwnerRefs', target: d, ownerUids: [uid] });
      }
      out.push({ kind: 'removeFinalizer', target: obj, finalizer: ORPHAN_FINALIZER });
      return out;
    }
    if (finalizers.includes(FOREGROUND_FINALIZER)) {
      for (const d of deps) {
        if (!d.metadata.deletionTimestamp) {
          out.push({
            kind: 'delete',
            target: d,
            propagation: input.hasDependents(d) ? 'Foreground' : 'Background',
          });
        }
      }
      const blocking = deps.filter((d) =>
        (d.metadata.ownerReferences ?? []).some((r) => r.uid === uid && r.blockOwnerDeletion === true),
      );
      if (blocking.length === 0) {
        out.push({ kind: 'removeFinalizer', target: obj, finalizer: FOREGROUND_FINALIZER });
      }
    }
    return out;
  }
  const refs = obj.metadata.ownerReferences ?? [];
  if (refs.length === 0) {
    return out;
  }
  const stateOf = (u: string): OwnerState => input.owners.get(u) ?? 'solid';
  const solid = refs.filter((r) => stateOf(r.uid) === 'solid' || stateOf(r.uid) === 'unresolvable');
  const dangling = refs.filter((r) => stateOf(r.uid) === 'dangling');
  const waiting = refs.filter((r) => stateOf(r.uid) === 'waiting');
  if (dangling.length === 0 && waiting.length === 0) {
    return out;
  }
  if (solid.length > 0) {
    out.push({
      kind: 'removeOwnerRefs',
      target: obj,
      ownerUids: [...dangling, ...waiting].map((r) => r.uid),
    });
    return out;
  }
  const propagation: Propagation =
    waiting.length > 0 && input.hasDependents(obj) ? 'Foreground' : 'Background';
  out.push({ kind: 'delete', target: obj, propagation });
  return out;
}

function infoOf(obj: KObject): ResourceInfo | undefined {
  return (
    resourceFor(obj.apiVersion, obj.kind) ?? resourceByKind(splitApiVersion(obj.apiVersion).group, obj.kind)
  );
}

function ownerStateOf(o: KObject): OwnerState {
  return o.metadata.deletionTimestamp && (o.metadata.finalizers ?? []).includes(FOREGROUND_FINALIZER)
    ? 'waiting'
    : 'solid';
}

function needsAttention(o: KObject): boolean {
  if ((o.metadata.ownerReferences?.length ?? 0) > 0) {
    return true;
  }
  const f = o.metadata.finalizers ?? [];
  return !!o.metadata.deletionTimestamp && (f.includes(ORPHAN_FINALIZER) || f.includes(FOREGROUND_FINALIZER));
}

export interface GarbageCollectorOptions {
  readonly client: Client;
  readonly informers: InformerFactory;
  readonly logger?: Logger;
  /** Resources to watch; every resource of the table by default. */
  readonly resources?: readonly ResourceInfo[];
}

interface Entry {
  readonly info: ResourceInfo;
  readonly key: string;
}

export class GarbageCollector implements Reconciler {
  readonly name = 'garbage-collector';
  readonly queue = new WorkQueue<string>();
  private readonly client: Client;
  private readonly log?: Logger;
  private readonly informers = new Map<ResourceInfo, Informer>();
  /** uid → where the object lives in the caches. */
  private readonly objects = new Map<string, Entry>();
  /** owner uid → uids of objects naming it in ownerReferences. */
  private readonly dependentsOf = new Map<string, Set<string>>();

  constructor(opts: GarbageCollectorOptions) {
    this.client = opts.client;
    this.log = opts.logger?.child({ component: 'garbage-collector' });
    for (const info of opts.resources ?? RESOURCES) {
      const inf = opts.informers.for(info);
      this.informers.set(info, inf);
      inf.addHandlers({
        add: (o) => this.onUpsert(info, undefined, o),
        update: (old, o) => this.onUpsert(info, old, o),
        delete: (o) => this.onDelete(o),
      });
    }
  }

  start(opts: { workers?: number } = {}): ControllerHandle {
    return runController(this, { workers: opts.workers ?? 2, logger: this.log, queue: this.queue });
  }

  private track(info: ResourceInfo, o: KObject): void {
    const uid = o.metadata.uid;
    if (!uid) {
      return;
    }
    this.objects.set(uid, { info, key: objectKey(o) });
    for (const r of o.metadata.ownerReferences ?? []) {
      let s = this.dependentsOf.get(r.uid);
      if (!s) {
        s = new Set();
        this.dependentsOf.set(r.uid, s);
      }
      s.add(uid);
    }
  }

  private untrack(o: KObject): void {
    const uid = o.metadata.uid;
    if (!uid) {
      return;
    }
    this.objects.delete(uid);
    for (const r of o.metadata.ownerReferences ?? []) {
      const s = this.dependentsOf.get(r.uid);
      s?.delete(uid);
      if (s && s.size === 0) {
        this.dependentsOf.delete(r.uid);
      }
    }
  }

  /** Owners being deleted re-check whether their dependents are gone when one changes. */
  private enqueueDeletingOwners(o: KObject): void {
    for (const r of o.metadata.ownerReferences ?? []) {
      const e = this.objects.get(r.uid);
      const owner = e ? this.informers.get(e.info)?.getByKey(e.key) : undefined;
      if (owner?.metadata.deletionTimestamp) {
        this.queue.add(r.uid);
      }
    }
  }

  private onUpsert(info: ResourceInfo, old: KObject | undefined, o: KObject): void {
    if (old) {
      this.untrack(old);
      if (old.metadata.uid !== o.metadata.uid) {
        this.onDelete(old);
      } else if (stableRefs(old) !== stableRefs(o)) {
        this.enqueueDeletingOwners(old);
      }
    }
    this.track(info, o);
    if (needsAttention(o) && o.metadata.uid) {
      this.queue.add(o.metadata.uid);
    }
    this.enqueueDeletingOwners(o);
  }

  private onDelete(o: KObject): void {
    this.untrack(o);
    const uid = o.metadata.uid;
    if (uid) {
      for (const d of this.dependentsOf.get(uid) ?? []) {
        this.queue.add(d);
      }
    }
    this.enqueueDeletingOwners(o);
  }

  private lookup(uid: string): { info: ResourceInfo; obj: KObject } | undefined {
    const e = this.objects.get(uid);
    const obj = e ? this.informers.get(e.info)?.getByKey(e.key) : undefined;
    return e && obj && obj.metadata.uid === uid ? { info: e.info, obj } : undefined;
  }

  async reconcile(uid: string): Promise<{ requeueAfterMs?: number }> {
    for (const inf of this.informers.values()) {
      if (!inf.hasSynced) {
        return { requeueAfterMs: 100 };
      }
    }
    const found = this.lookup(uid);
    if (!found) {
      return {};
    }
    const { obj } = found;
    const owners = new Map<string, OwnerState>();
    if (!obj.metadata.deletionTimestamp) {
      for (const ref of obj.metadata.ownerReferences ?? []) {
        owners.set(ref.uid, await this.resolveOwner(obj, ref));
      }
    }
    const dependents = this.dependentsOfObject(obj);
    const actions = planGarbageCollection({
      obj,
      owners,
      dependents,
      hasDependents: (o) => (this.dependentsOf.get(o.metadata.uid ?? '')?.size ?? 0) > 0,
    });
    for (const a of actions) {
      await this.execute(a);
    }
    return {};
  }

  /** Dependents in the caches that validly name obj as an owner (same namespace for namespaced owners). */
  private dependentsOfObject(obj: KObject): KObject[] {
    const out: KObject[] = [];
    for (const d of this.dependentsOf.get(obj.metadata.uid ?? '') ?? []) {
      const f = this.lookup(d);
      if (f && (!obj.metadata.namespace || f.obj.metadata.namespace === obj.metadata.namespace)) {
        out.push(f.obj);
      }
    }
    return out;
  }

  private async resolveOwner(
    dep: KObject,
    ref: { apiVersion: string; kind: string; name: string; uid: string },
  ): Promise<OwnerState> {
    const info =
      resourceFor(ref.apiVersion, ref.kind) ??
      resourceByKind(splitApiVersion(ref.apiVersion).group, ref.kind);
    if (!info) {
      return 'unresolvable';
    }
    if (info.namespaced && !dep.metadata.namespace) {
      return 'unresolvable';
    }
    const ns = info.namespaced ? dep.metadata.namespace : undefined;
    const cached = this.lookup(ref.uid);
    if (
      cached &&
      cached.info === info &&
      cached.obj.metadata.namespace === ns &&
      cached.obj.metadata.name === ref.name
    ) {
      return ownerStateOf(cached.obj);
    }
    // Not in the cache (or not where the reference says): ask the API server before concluding.
    try {
      const live = await this.client.get(info, ns, ref.name);
      return live.metadata.uid === ref.uid ? ownerStateOf(live) : 'dangling';
    } catch (e) {
      if (isApiError(e, 404)) {
        return 'dangling';
      }
      throw e;
    }
  }

  private async execute(a: GcAction): Promise<void> {
    const t = a.target;
    const info = infoOf(t);
    if (!info) {
      return;
    }
    const { namespace, name = '', uid } = t.metadata;
    try {
      switch (a.kind) {
        case 'delete':
          this.log?.info({ kind: t.kind, namespace, name, propagation: a.propagation }, 'deleting dependent');
          await this.client.delete(info, namespace, name, {
            propagationPolicy: a.propagation,
            ...(uid ? { preconditions: { uid } } : {}),
          });
          return;
        case 'removeOwnerRefs': {
          const live = await this.client.get(info, namespace, name);
          if (live.metadata.uid !== uid) {
            return;
          }
          const refs = (live.metadata.ownerReferences ?? []).filter((r) => !a.ownerUids.includes(r.uid));
          if (refs.length === (live.metadata.ownerReferences ?? []).length) {
            return;
          }
          await this.client.patch(info, namespace, name, 'merge', {
            metadata: {
              ownerReferences: refs.length > 0 ? refs : null,
              resourceVersion: live.metadata.resourceVersion,
            },
          });
          return;
        }
        case 'removeFinalizer': {
          const live = await this.client.get(info, namespace, name);
          if (live.metadata.uid !== uid || !(live.metadata.finalizers ?? []).includes(a.finalizer)) {
            return;
          }
          const rest = (live.metadata.finalizers ?? []).filter((f) => f !== a.finalizer);
          await this.client.patch(info, namespace, name, 'merge', {
            metadata: {
              finalizers: rest.length > 0 ? rest : null,
              resourceVersion: live.metadata.resourceVersion,
            },
          });
          return;
        }
      }
    } catch (e) {
      // Gone already, or the name now belongs to another object: nothing left to do for this one.
      if (isApiError(e, 404) || (a.kind === 'delete' && isApiError(e, 409))) {
        return;
      }
      throw new Error(`garbage collector: ${a.kind} ${t.kind} ${namespace ? `${namespace}/` : ''}${name}`, {
        cause: e,
      });
    }
  }
}

function stableRefs(o: KObject): string {
  return JSON.stringify(
    (o.metadata.ownerReferences ?? []).map((r) => [r.uid, r.blockOwnerDeletion === true]),
  );
}
