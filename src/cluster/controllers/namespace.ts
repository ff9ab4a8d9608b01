// Namespace controller: empties a namespace being deleted (phase Terminating), reports progress
// in status.conditions as Kubernetes does (NamespaceContentRemaining, NamespaceFinalizersRemaining,
// …), and when nothing is left removes `kubernetes` from spec.finalizers, upon which the registry
// removes the namespace. Contents are listed live from the API (not from caches), so an object
// created just before the namespace was marked is never left behind; informers only wake it up.
import type { Logger } from 'pino';
import { type Clock, rfc3339, systemClock } from '../../api/clock.js';
import { isApiError } from '../../api/errors.js';
import { RESOURCES, type ResourceInfo } from '../../api/resources.js';
import type { KObject } from '../../api/types.js';
import { type ControllerHandle, type Reconciler, runController } from '../../client/controller.js';
import type { Informer } from '../../client/informer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import type { Client } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import type { EventRecorder } from '../events.js';
import { stableJson } from './pod-template.js';

export const NAMESPACE_FINALIZER = 'kubernetes';

export interface NamespaceCondition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

export interface NamespaceContent {
  readonly resource: ResourceInfo;
  readonly items: readonly KObject[];
}

export type NamespaceAction =
  | { readonly kind: 'deleteObject'; readonly resource: ResourceInfo; readonly target: KObject }
  | { readonly kind: 'setConditions'; readonly conditions: readonly NamespaceCondition[] }
  | { readonly kind: 'removeFinalizer' };

/** What the content is waiting on: finalizers of objects already being deleted, and their counts. */
function remainingFinalizers(contents: readonly NamespaceContent[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const c of contents) {
    for (const o of c.items) {
      for (const f of o.metadata.finalizers ?? []) {
        out.set(f, (out.get(f) ?? 0) + 1);
      }
    }
  }
  return out;
}

function resourceLabel(r: ResourceInfo): string {
  return r.group === '' ? `${r.plural}.` : `${r.plural}.${r.group}`;
}

/** The conditions Kubernetes shows on a Terminating namespace, for the given remaining content. */
export function namespaceConditions(
  contents: readonly NamespaceContent[],
  deleteErrors: readonly string[] = [],
): NamespaceCondition[] {
  const remaining = contents.filter((c) => c.items.length > 0);
  const fin = remainingFinalizers(contents);
  const conditions: NamespaceCondition[] = [
    {
      type: 'NamespaceDeletionDiscoveryFailure',
      status: 'False',
      reason: 'ResourcesDiscovered',
      message: 'All resources successfully discovered',
    },
    {
      type: 'NamespaceDeletionGroupVersionParsingFailure',
      status: 'False',
      reason: 'ParsedGroupVersions',
      message: 'All legacy kube types successfully parsed',
    },
    deleteErrors.length > 0
      ? {
          type: 'NamespaceDeletionContentFailure',
          status: 'True',
          reason: 'ContentDeletionFailed',
          message: `Failed to delete all resource types, ${deleteErrors.length} remaining: ${deleteErrors.join(', ')}`,
        }
      : {
          type: 'NamespaceDeletionContentFailure',
          status: 'False',
          reason: 'ContentDeleted',
          message: 'All content successfully deleted, may be waiting on finalization',
        },
    remaining.length > 0
      ? {
          type: 'NamespaceContentRemaining',
          status: 'True',
          reason: 'SomeResourcesRemain',
          message: `Some resources are remaining: ${remaining
            .map((c) => `${resourceLabel(c.resource)} has ${c.items.length} resource instances`)
            .join(', ')}`,
        }
      : {
          type: 'NamespaceContentRemaining',
          status: 'False',
          reason: 'ContentRemoved',
          message: 'All content successfully removed',
        },
    fin.size > 0
      ? {
          type: 'NamespaceFinalizersRemaining',
          status: 'True',
          reason: 'SomeFinalizersRemain',
          message: `Some content in the namespace has finalizers remaining: ${[...fin]
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([f, n]) => `${f} in ${n} resource instances`)
            .join(', ')}`,
        }
      : {
          type: 'NamespaceFinalizersRemaining',
          status: 'False',
          reason: 'ContentHasNoFinalizers',
          message: 'All content-preserving finalizers finished',
        },
  ];
  return conditions;
}

function sameConditions(
  a: readonly NamespaceCondition[] | undefined,
  b: readonly NamespaceCondition[],
): boolean {
  const strip = (cs: readonly NamespaceCondition[] | undefined) =>
    (cs ?? []).map(({ lastTransitionTime: _t, ...rest }) => rest);
  return stableJson(strip(a)) === stableJson(strip(b));
}

/**
 * Pure: the steps for a namespace. Nothing unless it is being deleted and still carries the
 * `kubernetes` finalizer; then delete what is not yet being deleted, report, and finally let go.
 */
export function planNamespace(ns: KObject, contents: readonly NamespaceContent[]): NamespaceAction[] {
  if (!ns.metadata.deletionTimestamp) {
    return [];
  }
  const finalizers: string[] = ns.spec?.finalizers ?? [];
  if (!finalizers.includes(NAMESPACE_FINALIZER)) {
    return [];
  }
  const out: NamespaceAction[] = [];
  let remaining = 0;
  for (const c of contents) {
    for (const o of c.items) {
      remaining++;
      if (!o.metadata.deletionTimestamp) {
        out.push({ kind: 'deleteObject', resource: c.resource, target: o });
      }
    }
  }
  if (remaining === 0) {
    out.push({ kind: 'removeFinalizer' });
    return out;
  }
  const conditions = namespaceConditions(contents);
  if (!sameConditions(ns.status?.conditions, conditions)) {
    out.push({ kind: 'setConditions', conditions });
  }
  return out;
}

export interface NamespaceControllerOptions {
  readonly client: Client;
  readonly informers: InformerFactory;
  /** Caches whose changes wake a terminating namespace; metadata-only is enough. Default: informers. */
  readonly metadataInformers?: InformerFactory;
  readonly recorder?: EventRecorder;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Re-check a terminating namespace at least this often (ms). Default 5000. */
  readonly recheckMs?: number;
}

export class NamespaceController implements Reconciler {
  readonly name = 'namespace';
  readonly queue = new WorkQueue<string>();
  private readonly client: Client;
  private readonly clock: Clock;
  private readonly log?: Logger;
  private readonly namespaces: Informer;
  private readonly recheckMs: number;
  private readonly namespaced = RESOURCES.filter((r) => r.namespaced);

  constructor(opts: NamespaceControllerOptions) {
    this.client = opts.client;
    this.clock = opts.clock ?? systemClock;
    this.log = opts.logger?.child({ component: 'namespace-controller' });
    this.recheckMs = opts.recheckMs ?? 5000;
    this.namespaces = opts.informers.for(R.namespaces);
    const onNs = (o: KObject) => {
      if (o.metadata.deletionTimestamp) {
        this.queue.add(o.metadata.name ?? '');
      }
    };
    this.namespaces.addHandlers({ add: onNs, update: (_o, n) => onNs(n) });
    // Wake a terminating namespace when something in it goes away or changes (a finalizer removed).
    const onContent = (o: KObject) => {
      const ns = o.metadata.namespace;
      if (ns && this.namespaces.get(undefined, ns)?.metadata.deletionTimestamp) {
        this.queue.add(ns);
      }
    };
    for (const r of this.namespaced) {
      (opts.metadataInformers ?? opts.informers)
        .for(r)
        .addHandlers({ update: (_o, n) => onContent(n), delete: onContent });
    }
  }

  start(opts: { workers?: number } = {}): ControllerHandle {
    return runController(this, { workers: opts.workers ?? 2, logger: this.log, queue: this.queue });
  }

  async reconcile(name: string): Promise<{ requeueAfterMs?: number }> {
    const ns = this.namespaces.get(undefined, name);
    if (!ns?.metadata.deletionTimestamp || !(ns.spec?.finalizers ?? []).includes(NAMESPACE_FINALIZER)) {
      return {};
    }
    const contents: NamespaceContent[] = [];
    for (const resource of this.namespaced) {
      const list = await this.client.list(resource, { namespace: name });
      contents.push({ resource, items: list.items });
    }
    const actions = planNamespace(ns, contents);
    const failures: string[] = [];
    for (const a of actions) {
      switch (a.kind) {
        case 'deleteObject':
          try {
            await this.client.delete(a.resource, name, a.target.metadata.name ?? '', {
              propagationPolicy: 'Background',
              ...(a.target.metadata.uid ? { preconditions: { uid: a.target.metadata.uid } } : {}),
            });
          } catch (e) {
            if (!isApiError(e, 404) && !isApiError(e, 409)) {
              failures.push(
                `${resourceLabel(a.resource)} "${a.target.metadata.name}": ${(e as Error).message}`,
              );
            }
          }
          break;
        case 'setConditions':
          await this.writeConditions(
            ns,
            failures.length > 0 ? namespaceConditions(contents, failures) : a.conditions,
          );
          break;
        case 'removeFinalizer': {
          this.log?.info({ namespace: name }, 'namespace empty; removing finalizer');
          const next = structuredClone(ns);
          next.spec = {
            ...(next.spec ?? {}),
            finalizers: (ns.spec?.finalizers ?? []).filter((f: string) => f !== NAMESPACE_FINALIZER),
          };
          try {
            await this.client.update(R.namespaces, next, { subresource: 'finalize' });
          } catch (e) {
            if (!isApiError(e, 404)) {
              throw e;
            }
          }
          return {};
        }
      }
    }
    if (failures.length > 0) {
      throw new Error(`namespace ${name}: could not delete ${failures.length} objects: ${failures[0]}`);
    }
    return { requeueAfterMs: this.recheckMs };
  }

  private async writeConditions(ns: KObject, conditions: readonly NamespaceCondition[]): Promise<void> {
    const now = rfc3339(this.clock.now());
    const prev: NamespaceCondition[] = ns.status?.conditions ?? [];
    const withTimes = conditions.map((c) => {
      const p = prev.find((x) => x.type === c.type);
      return {
        ...c,
        lastTransitionTime: p && p.status === c.status && p.lastTransitionTime ? p.lastTransitionTime : now,
      };
    });
    const next = structuredClone(ns);
    next.status = { ...(next.status ?? {}), phase: 'Terminating', conditions: withTimes };
    try {
      await this.client.update(R.namespaces, next, { subresource: 'status' });
    } catch (e) {
      if (!isApiError(e, 404) && !isApiError(e, 409)) {
        throw e;
      }
    }
  }
}
