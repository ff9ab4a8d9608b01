// The generic resource registry: Kubernetes REST semantics over a Store for every kind in
// src/api/resources.ts. The HTTP API server and the in-process Client both call this, so
// admission, metadata rules, deletion and watch behave the same whichever door is used.
import { randomUUID } from 'node:crypto';
import { type Clock, rfc3339, systemClock } from '../../api/clock.js';
import { ApiError, errors } from '../../api/errors.js';
import { applyPatch } from '../../api/patch/index.js';
import { isPodTerminal } from '../../api/pod-helpers.js';
import { RESOURCES, type ResourceInfo, resourceByPlural } from '../../api/resources.js';
import { listStrategyAt } from '../../api/schema/index.js';
import type { KList, KObject, Pod } from '../../api/types.js';
import { type Store, StoreError } from '../store/types.js';
import { admit, checkShape, type FieldValidation } from './admission.js';
import { keyFor, prefixFor, target } from './info.js';
import { jsonEqual, sameExceptResourceVersion } from './json-equal.js';
import { KeyedMutex, Mutex } from './mutex.js';
import { admitQuota, countResourceName, namespaceUsage } from './quota.js';
import { QuotaNamespaces } from './quota-namespaces.js';
import { decodeContinue, encodeContinue, makeFilter, parseLimit } from './selection.js';
import { allocateServiceAddresses, DEFAULT_SERVICE_NETWORK, type ServiceNetwork } from './service-alloc.js';
import { hasStatusSubresource, strategyFor } from './strategy.js';

export interface WriteOptions {
  readonly fieldValidation?: FieldValidation;
  readonly fieldManager?: string;
  readonly force?: boolean;
  readonly dryRun?: boolean;
  /** Filled with non-fatal warnings (unknown fields under fieldValidation=Warn). */
  readonly warnings?: string[];
}

export type Propagation = 'Orphan' | 'Background' | 'Foreground';

export interface DeleteOptions {
  readonly propagationPolicy?: Propagation;
  readonly gracePeriodSeconds?: number;
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
  readonly dryRun?: boolean;
}

export interface ListOptions {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly limit?: number | string;
  readonly continue?: string;
}

export type Subresource = 'status' | 'finalize' | undefined;

export interface RegistryOptions {
  readonly store: Store;
  readonly clock?: Clock;
  readonly serviceNetwork?: ServiceNetwork;
}

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
const MAX_CONFLICT_RETRIES = 5;
const NAMESPACES = resourceByPlural('', 'namespaces')!;
const SERVICES = resourceByPlural('', 'services')!;
const PODS = resourceByPlural('', 'pods')!;
const QUOTAS = resourceByPlural('', 'resourcequotas')!;

function clone<T>(v: T): T {
  return structuredClone(v);
}

export class Registry {
  readonly store: Store;
  readonly clock: Clock;
  private readonly net: ServiceNetwork;
  private readonly admissionLock = new Mutex();
  /** Read-modify-write of one object (update, patch, delete) runs one at a time per key. */
  private readonly keyLocks = new KeyedMutex();
  private readonly quotaNamespaces: QuotaNamespaces;

  constructor(opts: RegistryOptions) {
    this.store = opts.store;
    this.clock = opts.clock ?? systemClock;
    this.net = opts.serviceNetwork ?? DEFAULT_SERVICE_NETWORK;
    this.quotaNamespaces = new QuotaNamespaces(this.store, prefixFor(QUOTAS));
  }

  /** Creates the namespaces every cluster has (idempotent). */
  async bootstrap(): Promise<void> {
    for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      if (!(await this.store.get(keyFor(NAMESPACES, undefined, name)))) {
        await this.create(NAMESPACES, undefined, { metadata: { name } }).catch((e) => {
          if (!(e instanceof ApiError && e.code === 409)) {
            throw e;
          }
        });
      }
    }
  }

  async get(info: ResourceInfo, namespace: string | undefined, name: string): Promise<KObject> {
    const obj = await this.store.get(keyFor(info, namespace, name));
    if (!obj) {
      throw errors.notFound(target(info, name));
    }
    return obj;
  }

  async list(info: ResourceInfo, opts: ListOptions = {}): Promise<KList> {
    const filter = makeFilter(info.kind, opts.labelSelector, opts.fieldSelector);
    const limit = parseLimit(opts.limit);
    const prefix = prefixFor(info, opts.namespace);
    const keyOfObj = (o: KObject) => keyFor(info, o.metadata.namespace, o.metadata.name ?? '');
    let startAfter = opts.continue ? decodeContinue(opts.continue).start : undefined;
    if (limit === undefined) {
      const { items, revision } = await this.store.list(prefix, { startAfter });
      return this.listOf(info, filter.everything ? items : items.filter(filter.matches), revision);
    }
    // Paged: read from the store in chunks after the continue key, only as far as the page needs.
    const out: KObject[] = [];
    const chunk = filter.everything ? limit + 1 : Math.max(2 * limit, 500);
    let revision = this.store.revision();
    for (;;) {
      const page = await this.store.list(prefix, { startAfter, limit: chunk });
      revision = page.revision;
      for (const o of page.items) {
        if (filter.matches(o)) {
          out.push(o);
          if (out.length > limit) {
            break;
          }
        }
      }
      if (out.length > limit || page.items.length < chunk) {
        break;
      }
      startAfter = keyOfObj(page.items[page.items.length - 1]!);
    }
    const list = this.listOf(info, out.slice(0, limit), revision);
    if (out.length > limit) {
      list.metadata.continue = encodeContinue({ rv: revision, start: keyOfObj(out[limit - 1]!) });
    }
    return list;
  }

  private listOf(info: ResourceInfo, items: KObject[], revision: number): KList {
    return {
      apiVersion: apiVersion(info),
      kind: info.listKind,
      metadata: { resourceVersion: String(revision) },
      items,
    };
  }

  async create(
    info: ResourceInfo,
    namespace: string | undefined,
    body: unknown,
    opts: WriteOptions = {},
  ): Promise<KObject> {
    const obj = clone(checkShape(info, body));
    const meta = obj.metadata;
    if (info.namespaced) {
      if (meta.namespace && namespace && meta.namespace !== namespace) {
        throw errors.badRequest(
          `the namespace of the provided object (${meta.namespace}) does not match the namespace sent on the request (${namespace})`,
        );
      }
      meta.namespace = meta.namespace || namespace || 'default';
    } else {
      delete meta.namespace;
    }
    if (!meta.name && typeof meta.generateName === 'string' && meta.generateName) {
      meta.name =
        meta.generateName +
        Array.from({ length: 5 }, () => NAME_CHARS[Math.floor(Math.random() * 27)]).join('');
    }
    meta.uid = randomUUID();
    const strategy = strategyFor(info);
    strategy.prepare?.(obj, undefined);
    admit(info, obj, opts.fieldValidation ?? 'Warn', opts.warnings ?? []);
    meta.creationTimestamp = rfc3339(this.clock.now());
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    if (obj.spec !== undefined) {
      meta.generation = 1;
    } else {
      delete meta.generation;
    }
    if (strategy.initialStatus) {
      obj.status = strategy.initialStatus(obj);
    }
    if (info === NAMESPACES) {
      // every namespace carries the `kubernetes` finalizer: its contents go before it does
      obj.spec = { ...(obj.spec ?? {}), finalizers: ['kubernetes'] };
    }
    const key = keyFor(info, meta.namespace, meta.name ?? '');
    const write = async () => {
      if (info.namespaced) {
        await this.checkNamespaceOpen(meta.namespace!);
      }
      if (info === SERVICES) {
        const others = (await this.store.list(prefixFor(SERVICES))).items;
        allocateServiceAddresses(obj, others, this.net);
      }
      if (info.namespaced) {
        await this.checkQuota(info, obj);
      }
      if (opts.dryRun) {
        return obj;
      }
      try {
        return await this.store.create(key, obj);
      } catch (e) {
        throw this.mapStoreError(e, info, meta.name);
      }
    };
    // Check-then-write admission (namespace, IPs, quota) runs under one lock; plain creates don't wait.
    return info === SERVICES || (info.namespaced && (await this.hasQuota(meta.namespace!)))
      ? this.admissionLock.run(write)
      : write();
  }

  /** PUT: replaces the object (or its status). */
  async update(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    body: unknown,
    opts: WriteOptions = {},
    sub: Subresource = undefined,
  ): Promise<KObject> {
    const obj = clone(checkShape(info, body));
    if (obj.metadata.name !== undefined && obj.metadata.name !== name) {
      throw errors.badRequest(
        `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    if (info.namespaced && obj.metadata.namespace && namespace && obj.metadata.namespace !== namespace) {
      throw errors.badRequest(
        `the namespace of the provided object (${obj.metadata.namespace}) does not match the namespace sent on the request (${namespace})`,
      );
    }
    const wantRv = obj.metadata.resourceVersion;
    return this.guaranteedUpdate(info, namespace, name, opts, sub, (old) => {
      if (wantRv && wantRv !== old.metadata.resourceVersion) {
        throw errors.conflict(
          target(info, name),
          'the object has been modified; please apply your changes to the latest version and try again',
        );
      }
      return clone(obj);
    });
  }

  /** PATCH with any supported patch type (the body is re-applied on a conflict, as Kubernetes does). */
  async patch(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    contentType: string,
    body: Buffer | string,
    opts: WriteOptions = {},
    sub: Subresource = undefined,
  ): Promise<KObject> {
    const lookup = (path: readonly string[]) => listStrategyAt(`${apiVersion(info)}`, info.kind, [...path]);
    const isApply = contentType.split(';')[0]!.trim() === 'application/apply-patch+yaml';
    if (isApply && !(await this.store.get(keyFor(info, namespace, name)))) {
      const created = applyPatch(contentType, undefined, body, {
        lookup,
        fieldManager: opts.fieldManager,
        force: opts.force,
      });
      created.metadata.name ??= name;
      return this.create(info, namespace, created, opts);
    }
    return this.guaranteedUpdate(info, namespace, name, opts, sub, (old) => {
      const patched = applyPatch(contentType, old, body, {
        lookup,
        fieldManager: opts.fieldManager,
        force: opts.force,
      });
      const rv = patched.metadata?.resourceVersion;
      if (rv && rv !== old.metadata.resourceVersion) {
        throw errors.conflict(
          target(info, name),
          'the object has been modified; please apply your changes to the latest version and try again',
        );
      }
      return patched;
    });
  }

  /**
   * Reads the current object, derives the new one with `mutate`, runs admission and writes it
   * with the read resourceVersion as precondition; retries on a concurrent write.
   */
  private async guaranteedUpdate(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    opts: WriteOptions,
    sub: Subresource,
    mutate: (old: KObject) => KObject,
  ): Promise<KObject> {
    const key = keyFor(info, namespace, name);
    return this.keyLocks.run(key, () => this.updateLoop(info, key, name, opts, sub, mutate));
  }

  private async updateLoop(
    info: ResourceInfo,
    key: string,
    name: string,
    opts: WriteOptions,
    sub: Subresource,
    mutate: (old: KObject) => KObject,
  ): Promise<KObject> {
    for (let attempt = 0; ; attempt++) {
      const old = await this.read(key, attempt);
      if (!old) {
        throw errors.notFound(target(info, name));
      }
      const next = checkShape(info, mutate(old));
      const merged = this.prepareUpdate(info, old, next, sub);
      strategyFor(info).prepare?.(merged, old);
      if (sub !== 'status') {
        admit(info, merged, opts.fieldValidation ?? 'Warn', opts.warnings ?? [], old);
      } else {
        admit(info, merged, 'Ignore', [], old);
      }
      if (info === SERVICES) {
        const others = (await this.store.list(prefixFor(SERVICES))).items.filter(
          (s) => s.metadata.uid !== old.metadata.uid,
        );
        allocateServiceAddresses(merged, others, this.net, old);
      }
      if (sameExceptResourceVersion(merged, old)) {
        return old; // no-op: nothing written, no event, same resourceVersion (as Kubernetes)
      }
      if (opts.dryRun) {
        return merged;
      }
      try {
        if (this.readyToVanish(info, merged)) {
          return await this.store.delete(key, { resourceVersion: old.metadata.resourceVersion });
        }
        return await this.store.update(key, merged, { resourceVersion: old.metadata.resourceVersion });
      } catch (e) {
        if (e instanceof StoreError && e.kind === 'Conflict' && attempt < MAX_CONFLICT_RETRIES) {
          continue;
        }
        throw this.mapStoreError(e, info, name);
      }
    }
  }

  /** Applies the fields a client may not change (identity, status vs spec split, generation). */
  private prepareUpdate(info: ResourceInfo, old: KObject, next: KObject, sub: Subresource): KObject {
    let merged: KObject;
    if (sub === 'status') {
      merged = clone(old);
      merged.status = next.status;
    } else if (sub === 'finalize') {
      // namespaces/NAME/finalize: the only way to change spec.finalizers (as in Kubernetes)
      merged = clone(old);
      merged.spec = { ...(merged.spec ?? {}), finalizers: next.spec?.finalizers ?? [] };
    } else {
      merged = next;
      if (hasStatusSubresource(info)) {
        if (old.status === undefined) {
          delete merged.status;
        } else {
          merged.status = clone(old.status);
        }
      }
    }
    if (info === NAMESPACES && sub !== 'finalize') {
      merged.spec = { ...(merged.spec ?? {}), finalizers: old.spec?.finalizers ?? [] };
    }
    const m = merged.metadata;
    const o = old.metadata;
    m.name = o.name;
    m.uid = o.uid;
    m.creationTimestamp = o.creationTimestamp;
    if (info.namespaced) {
      m.namespace = o.namespace;
    } else {
      delete m.namespace;
    }
    for (const f of ['deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const) {
      if (o[f] === undefined) {
        delete m[f];
      } else {
        m[f] = o[f] as never;
      }
    }
    m.resourceVersion = o.resourceVersion;
    if (merged.spec !== undefined || old.spec !== undefined) {
      const gen = strategyFor(info).generationFields;
      if (!jsonEqual(gen(merged), gen(old))) {
        m.generation = (o.generation ?? 0) + 1;
      }
    }
    if (o.deletionTimestamp) {
      const added = (m.finalizers ?? []).filter((f) => !(o.finalizers ?? []).includes(f));
      if (added.length > 0) {
        throw errors.forbidden(
          `${info.plural} "${o.name}" is being deleted: no new finalizers can be added (${added.join(', ')})`,
        );
      }
    }
    if (m.finalizers && m.finalizers.length === 0) {
      delete m.finalizers;
    }
    return merged;
  }

  /** An object being deleted whose last finalizer is gone leaves the store. */
  private readyToVanish(info: ResourceInfo, obj: KObject): boolean {
    if (!obj.metadata.deletionTimestamp || (obj.metadata.finalizers?.length ?? 0) > 0) {
      return false;
    }
    if (info === NAMESPACES) {
      return (obj.spec?.finalizers?.length ?? 0) === 0;
    }
    if (info === PODS) {
      // a graceful pod deletion waits for its node to confirm (delete with grace 0)
      return (
        obj.metadata.deletionGracePeriodSeconds === 0 || !obj.spec?.nodeName || isPodTerminal(obj as Pod)
      );
    }
    return true;
  }

  async delete(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    opts: DeleteOptions = {},
  ): Promise<KObject> {
    const key = keyFor(info, namespace, name);
    return this.keyLocks.run(key, () => this.deleteLoop(info, key, name, opts));
  }

  private async deleteLoop(
    info: ResourceInfo,
    key: string,
    name: string,
    opts: DeleteOptions,
  ): Promise<KObject> {
    for (let attempt = 0; ; attempt++) {
      const old = await this.read(key, attempt);
      if (!old) {
        throw errors.notFound(target(info, name));
      }
      const pre = opts.preconditions;
      if (pre?.uid && pre.uid !== old.metadata.uid) {
        throw errors.conflict(
          target(info, name),
          `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`,
        );
      }
      if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) {
        throw errors.conflict(
          target(info, name),
          `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`,
        );
      }
      const next = this.planDelete(info, old, opts);
      if (opts.dryRun) {
        return next ?? old;
      }
      try {
        if (next === undefined) {
          return await this.store.delete(key, { resourceVersion: old.metadata.resourceVersion });
        }
        if (jsonEqual(next, old)) {
          return old;
        }
        return await this.store.update(key, next, { resourceVersion: old.metadata.resourceVersion });
      } catch (e) {
        if (e instanceof StoreError && e.kind === 'Conflict' && attempt < MAX_CONFLICT_RETRIES) {
          continue;
        }
        throw this.mapStoreError(e, info, name);
      }
    }
  }

  /** undefined = remove now; otherwise the object marked for deletion (finalizers / graceful pod stop). */
  private planDelete(info: ResourceInfo, old: KObject, opts: DeleteOptions): KObject | undefined {
    const next = clone(old);
    const m = next.metadata;
    const finalizers = new Set(m.finalizers ?? []);
    if (opts.propagationPolicy === 'Foreground') {
      finalizers.add('foregroundDeletion');
      finalizers.delete('orphan');
    } else if (opts.propagationPolicy === 'Orphan') {
      finalizers.add('orphan');
      finalizers.delete('foregroundDeletion');
    } else if (opts.propagationPolicy === 'Background') {
      finalizers.delete('orphan');
      finalizers.delete('foregroundDeletion');
    }
    const now = this.clock.now();
    if (info === PODS) {
      const pod = old as Pod;
      const grace = opts.gracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
      const graceful = !!pod.spec?.nodeName && !isPodTerminal(pod) && grace > 0;
      if (graceful) {
        if (!m.deletionTimestamp || (m.deletionGracePeriodSeconds ?? Infinity) > grace) {
          m.deletionTimestamp = rfc3339(new Date(now.getTime() + grace * 1000));
          m.deletionGracePeriodSeconds = grace;
        }
        m.finalizers = [...finalizers];
        next.metadata.generation = (old.metadata.generation ?? 0) + (old.metadata.deletionTimestamp ? 0 : 1);
        return next;
      }
      if (finalizers.size > 0) {
        // not graceful (unbound, terminal or grace 0) but held by finalizers: gone once they are
        m.finalizers = [...finalizers];
        m.deletionTimestamp ??= rfc3339(now);
        m.deletionGracePeriodSeconds = 0;
        return next;
      }
      return undefined;
    }
    if (info === NAMESPACES) {
      if ((old.spec?.finalizers?.length ?? 0) > 0 || finalizers.size > 0) {
        m.deletionTimestamp ??= rfc3339(now);
        if (finalizers.size > 0) {
          m.finalizers = [...finalizers];
        }
        next.status = { ...(next.status ?? {}), phase: 'Terminating' };
        return next;
      }
      return undefined;
    }
    if (finalizers.size === 0) {
      return undefined;
    }
    m.finalizers = [...finalizers];
    if (!m.deletionTimestamp) {
      m.deletionTimestamp = rfc3339(now);
      m.deletionGracePeriodSeconds = 0;
      if (m.generation !== undefined) {
        m.generation += 1;
      }
    }
    return next;
  }

  private async hasQuota(namespace: string): Promise<boolean> {
    return this.quotaNamespaces.has(namespace) ?? (await this.store.count(prefixFor(QUOTAS, namespace))) > 0;
  }

  private async checkQuota(info: ResourceInfo, obj: KObject): Promise<void> {
    const ns = obj.metadata.namespace!;
    if (this.quotaNamespaces.has(ns) === false) {
      return;
    }
    const quotas = (await this.store.list(prefixFor(QUOTAS, ns))).items;
    if (quotas.length === 0) {
      return;
    }
    admitQuota(info, obj, quotas, await this.usage(ns));
  }

  /** Current usage of a namespace in milli-units, as quota admission and the quota controller see it. */
  async usage(ns: string): Promise<Map<string, number>> {
    const pods = (await this.store.list(prefixFor(PODS, ns))).items as Pod[];
    const counts: Record<string, number> = {};
    for (const info of RESOURCES) {
      if (info.namespaced && info !== PODS) {
        const n = await this.store.count(prefixFor(info, ns));
        counts[countResourceName(info)] = n;
        if (info.group === '') {
          counts[info.plural] = n;
        }
      }
    }
    return namespaceUsage({ pods: pods.filter((p) => !p.metadata.deletionTimestamp), counts });
  }

  /**
   * The current object for a read-modify-write: the first attempt may come from the store's
   * cache (its write is guarded by the resourceVersion read), a retry after a conflict reads
   * the store itself.
   */
  read(key: string, attempt: number): Promise<KObject | undefined> {
    return attempt === 0 && this.store.getForUpdate ? this.store.getForUpdate(key) : this.store.get(key);
  }

  private async checkNamespaceOpen(ns: string): Promise<void> {
    // as Kubernetes' NamespaceLifecycle admission, from a cache when the store has one
    const n = await this.read(keyFor(NAMESPACES, undefined, ns), 0);
    if (!n) {
      throw errors.notFound({ kind: 'namespaces', name: ns });
    }
    if (n.metadata.deletionTimestamp) {
      throw errors.forbidden(
        `unable to create new content in namespace ${ns} because it is being terminated`,
      );
    }
  }

  mapStoreError(e: unknown, info: ResourceInfo, name: string | undefined): Error {
    if (!(e instanceof StoreError)) {
      return e instanceof Error ? e : new Error(String(e));
    }
    switch (e.kind) {
      case 'NotFound':
        return errors.notFound(target(info, name));
      case 'AlreadyExists':
        return errors.alreadyExists(target(info, name));
      case 'Conflict':
        return errors.conflict(
          target(info, name),
          'the object has been modified; please apply your changes to the latest version and try again',
        );
      case 'Gone':
        return errors.gone(e.message);
    }
  }
}

function apiVersion(info: ResourceInfo): string {
  return info.group === '' ? info.version : `${info.group}/${info.version}`;
}
