// ResourceQuota status controller: keeps `status.hard` (= spec.hard) and `status.used` current so
// `kubectl describe quota` shows real numbers. Usage is computed from informer caches with the
// same pure functions quota admission uses (registry/quota.ts), so the two never disagree on
// what counts: non-terminal, non-deleting pods and their requests/limits, and object counts.
import type { Logger } from 'pino';
import { isApiError } from '../../api/errors.js';
import { RESOURCES, type ResourceInfo } from '../../api/resources.js';
import type { KObject, Pod } from '../../api/types.js';
import { type ControllerHandle, type Reconciler, runController } from '../../client/controller.js';
import { type Informer, objectKey } from '../../client/informer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import type { Client } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import { countResourceName, namespaceUsage, quotaStatusUsed } from '../registry/quota.js';
import { indexByNamespace, NAMESPACE_INDEX } from './owner-refs.js';
import { stableJson } from './pod-template.js';

export type QuotaAction = {
  readonly kind: 'updateStatus';
  readonly status: { hard: Record<string, unknown>; used: Record<string, string> };
};

/** Counts as `registry.usage(ns)` gathers them: every namespaced kind but pods, by `count/…` and core plural. */
export function objectCounts(countsByResource: ReadonlyMap<ResourceInfo, number>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [info, n] of countsByResource) {
    if (!info.namespaced || (info.group === '' && info.plural === 'pods')) {
      continue;
    }
    counts[countResourceName(info)] = n;
    if (info.group === '') {
      counts[info.plural] = n;
    }
  }
  return counts;
}

/** Pure: the status a quota should have given its namespace's usage (milli-units), or nothing when current. */
export function planQuotaStatus(quota: KObject, used: ReadonlyMap<string, number>): QuotaAction[] {
  const status = { hard: { ...(quota.spec?.hard ?? {}) }, used: quotaStatusUsed(quota, used) };
  const have = { hard: quota.status?.hard ?? {}, used: quota.status?.used ?? {} };
  return stableJson(have) === stableJson(status) ? [] : [{ kind: 'updateStatus', status }];
}

export interface ResourceQuotaControllerOptions {
  readonly client: Client;
  readonly informers: InformerFactory;
  /** Caches for the kinds only counted (all but pods); metadata-only saves memory. Default: informers. */
  readonly metadataInformers?: InformerFactory;
  readonly logger?: Logger;
}

export class ResourceQuotaController implements Reconciler {
  readonly name = 'resourcequota';
  readonly queue = new WorkQueue<string>();
  private readonly client: Client;
  private readonly log?: Logger;
  private readonly quotas: Informer;
  private readonly counted = new Map<ResourceInfo, Informer>();

  constructor(opts: ResourceQuotaControllerOptions) {
    this.client = opts.client;
    this.log = opts.logger?.child({ component: 'resourcequota-controller' });
    this.quotas = opts.informers.for(R.resourcequotas);
    indexByNamespace(this.quotas);
    this.quotas.addHandlers({
      add: (q) => this.queue.add(objectKey(q)),
      update: (_o, q) => this.queue.add(objectKey(q)),
    });
    const touch = (o: KObject) => {
      for (const q of this.quotas.byIndex(NAMESPACE_INDEX, o.metadata.namespace ?? '')) {
        this.queue.add(objectKey(q));
      }
    };
    for (const info of RESOURCES) {
      if (!info.namespaced) {
        continue;
      }
      const inf = (info === R.pods ? opts.informers : (opts.metadataInformers ?? opts.informers)).for(info);
      indexByNamespace(inf);
      this.counted.set(info, inf);
      const isPods = info === R.pods;
      inf.addHandlers({
        add: touch,
        delete: touch,
        // Only pods change usage when updated (phase, deletion, resources); a count does not move.
        ...(isPods ? { update: (_o: KObject, n: KObject) => touch(n) } : {}),
      });
    }
  }

  start(opts: { workers?: number } = {}): ControllerHandle {
    return runController(this, { workers: opts.workers ?? 1, logger: this.log, queue: this.queue });
  }

  /** Usage of a namespace from the caches, in milli-units (same rules as registry.usage). */
  usage(namespace: string): Map<string, number> {
    const counts = new Map<ResourceInfo, number>();
    let pods: Pod[] = [];
    for (const [info, inf] of this.counted) {
      const items = inf.byIndex(NAMESPACE_INDEX, namespace);
      if (info === R.pods) {
        pods = (items as Pod[]).filter((p) => !p.metadata.deletionTimestamp);
      } else {
        counts.set(info, items.length);
      }
    }
    return namespaceUsage({ pods, counts: objectCounts(counts) });
  }

  async reconcile(key: string): Promise<{ requeueAfterMs?: number }> {
    const quota = this.quotas.getByKey(key);
    if (!quota || quota.metadata.deletionTimestamp) {
      return {};
    }
    for (const inf of this.counted.values()) {
      if (!inf.hasSynced) {
        return { requeueAfterMs: 100 };
      }
    }
    for (const a of planQuotaStatus(quota, this.usage(quota.metadata.namespace ?? ''))) {
      const next = structuredClone(quota);
      next.status = a.status;
      try {
        await this.client.update(R.resourcequotas, next, { subresource: 'status' });
      } catch (e) {
        if (!isApiError(e, 404)) {
          throw e;
        }
      }
    }
    return {};
  }
}
