// Endpoints controller: for every Service with a selector, an Endpoints object of the same name
// listing the selected pods' IPs (ready ones under `addresses`, the others under
// `notReadyAddresses`) and the ports the Service's targetPorts resolve to on each pod.
import type { Logger } from 'pino';
import { isApiError } from '../../api/errors.js';
import { type Selector, selectorFromSet } from '../../api/labels.js';
import { isPodReady, isPodTerminal } from '../../api/pod-helpers.js';
import type { KObject, Pod } from '../../api/types.js';
import {
  type ControllerHandle,
  type ReconcileResult,
  type Reconciler,
  runController,
} from '../../client/controller.js';
import type { Informer } from '../../client/informer.js';
import { objectKey, splitKey } from '../../client/informer.js';
import type { InformerFactory } from '../../client/informer-factory.js';
import { R } from '../../client/resources.js';
import type { Client } from '../../client/types.js';
import { WorkQueue } from '../../client/workqueue.js';
import { indexByNamespace, NAMESPACE_INDEX } from './owner-refs.js';
import { stableJson } from './pod-template.js';

export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef: { kind: 'Pod'; namespace: string; name: string; uid: string };
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

export type EndpointsAction =
  | { readonly kind: 'create'; readonly endpoints: KObject }
  | { readonly kind: 'update'; readonly endpoints: KObject }
  | { readonly kind: 'delete'; readonly namespace: string; readonly name: string };

const selectors = new WeakMap<object, Selector | null>();

/** The Service's pod selector; null when it has none (its Endpoints are managed by hand). */
export function serviceSelector(svc: KObject): Selector | null {
  const raw: Record<string, string> | undefined = svc.spec?.selector;
  const cacheKey = svc.spec ?? svc;
  let s = selectors.get(cacheKey);
  if (s === undefined) {
    try {
      s = raw && Object.keys(raw).length > 0 ? selectorFromSet(raw) : null;
    } catch {
      s = null;
    }
    selectors.set(cacheKey, s);
  }
  return s;
}

/** The container port a Service port's targetPort names on this pod (a number stands for itself). */
export function resolveTargetPort(pod: Pod, servicePort: Record<string, any>): number | undefined {
  const target: unknown = servicePort.targetPort ?? servicePort.port;
  if (typeof target === 'number') {
    return target > 0 ? target : undefined;
  }
  if (typeof target !== 'string' || target === '') {
    return undefined;
  }
  const protocol = servicePort.protocol ?? 'TCP';
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === protocol) {
        return p.containerPort;
      }
    }
  }
  return undefined;
}

function compareAddresses(a: EndpointAddress, b: EndpointAddress): number {
  if (a.ip !== b.ip) {
    return a.ip < b.ip ? -1 : 1;
  }
  return a.targetRef.name < b.targetRef.name ? -1 : a.targetRef.name > b.targetRef.name ? 1 : 0;
}

/** The subsets a Service's Endpoints must hold: pods grouped by their resolved port set, sorted. */
export function endpointSubsets(svc: KObject, pods: readonly Pod[]): EndpointSubset[] {
  const sel = serviceSelector(svc);
  if (!sel) {
    return [];
  }
  const ns = svc.metadata.namespace;
  const svcPorts: Record<string, any>[] = Array.isArray(svc.spec?.ports) ? svc.spec.ports : [];
  const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
  const groups = new Map<
    string,
    { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }
  >();
  for (const pod of pods) {
    const ip = pod.status?.podIP;
    if (
      pod.metadata.namespace !== ns ||
      !ip ||
      isPodTerminal(pod) ||
      !sel.matches(pod.metadata.labels ?? {})
    ) {
      continue;
    }
    const ports: EndpointPort[] = [];
    for (const sp of svcPorts) {
      const port = resolveTargetPort(pod, sp);
      if (port !== undefined) {
        ports.push({ ...(sp.name ? { name: sp.name as string } : {}), port, protocol: sp.protocol ?? 'TCP' });
      }
    }
    if (svcPorts.length > 0 && ports.length === 0) {
      continue; // no port of the Service exists on this pod
    }
    ports.sort((a, b) =>
      (a.name ?? '') < (b.name ?? '') ? -1 : (a.name ?? '') > (b.name ?? '') ? 1 : a.port - b.port,
    );
    const addr: EndpointAddress = {
      ip,
      ...(pod.spec?.hostname && pod.spec?.subdomain === svc.metadata.name
        ? { hostname: pod.spec.hostname as string }
        : {}),
      ...(pod.spec?.nodeName ? { nodeName: pod.spec.nodeName } : {}),
      targetRef: {
        kind: 'Pod',
        namespace: ns ?? '',
        name: pod.metadata.name ?? '',
        uid: pod.metadata.uid ?? '',
      },
    };
    const key = stableJson(ports);
    let g = groups.get(key);
    if (!g) {
      g = { ports, ready: [], notReady: [] };
      groups.set(key, g);
    }
    const ready = publishNotReady || (isPodReady(pod) && !pod.metadata.deletionTimestamp);
    (ready ? g.ready : g.notReady).push(addr);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, g]) => {
      const s: EndpointSubset = {};
      if (g.ready.length > 0) {
        s.addresses = g.ready.sort(compareAddresses);
      }
      if (g.notReady.length > 0) {
        s.notReadyAddresses = g.notReady.sort(compareAddresses);
      }
      if (g.ports.length > 0) {
        s.ports = g.ports;
      }
      return s;
    });
}

function endpointsLabels(svc: KObject): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  if (svc.spec?.clusterIP === 'None') {
    labels[HEADLESS_LABEL] = '';
  } else {
    delete labels[HEADLESS_LABEL];
  }
  return labels;
}

/**
 * What to write so the Endpoints named like `svc` match its pods; `svc` undefined means the
 * Service is gone. A Service without selector is left alone. Converged state → [].
 */
export function planEndpoints(
  key: { namespace: string; name: string },
  svc: KObject | undefined,
  pods: readonly Pod[],
  existing: KObject | undefined,
): EndpointsAction[] {
  if (!svc) {
    return existing ? [{ kind: 'delete', namespace: key.namespace, name: key.name }] : [];
  }
  if (!serviceSelector(svc)) {
    return [];
  }
  const subsets = endpointSubsets(svc, pods);
  const labels = endpointsLabels(svc);
  if (!existing) {
    return [
      {
        kind: 'create',
        endpoints: {
          apiVersion: 'v1',
          kind: 'Endpoints',
          metadata: {
            name: key.name,
            namespace: key.namespace,
            ...(Object.keys(labels).length > 0 ? { labels } : {}),
          },
          subsets,
        },
      },
    ];
  }
  const sameSubsets = stableJson(existing.subsets ?? []) === stableJson(subsets);
  const sameLabels = stableJson(existing.metadata.labels ?? {}) === stableJson(labels);
  if (sameSubsets && sameLabels) {
    return [];
  }
  const next = structuredClone(existing);
  next.subsets = subsets;
  if (Object.keys(labels).length > 0) {
    next.metadata.labels = labels;
  } else {
    delete next.metadata.labels;
  }
  return [{ kind: 'update', endpoints: next }];
}

export interface EndpointsControllerOptions {
  readonly client: Client;
  readonly informers: InformerFactory;
  readonly logger?: Logger;
  readonly queue?: WorkQueue<string>;
}

function podChanged(a: KObject, b: KObject): boolean {
  return (
    a.status?.podIP !== b.status?.podIP ||
    isPodReady(a) !== isPodReady(b) ||
    a.metadata.deletionTimestamp !== b.metadata.deletionTimestamp ||
    a.spec?.nodeName !== b.spec?.nodeName ||
    a.status?.phase !== b.status?.phase ||
    stableJson(a.metadata.labels ?? {}) !== stableJson(b.metadata.labels ?? {})
  );
}

export class EndpointsController implements Reconciler {
  readonly name = 'endpoints';
  readonly queue: WorkQueue<string>;
  private readonly services: Informer;
  private readonly pods: Informer;
  private readonly endpoints: Informer;

  constructor(private readonly opts: EndpointsControllerOptions) {
    this.queue = opts.queue ?? new WorkQueue<string>();
    this.services = opts.informers.for(R.services);
    this.pods = opts.informers.for(R.pods);
    this.endpoints = opts.informers.for(R.endpoints);
    indexByNamespace(this.services);
    indexByNamespace(this.pods);
    const enqueue = (o: KObject) => this.queue.add(objectKey(o));
    this.services.addHandlers({ add: enqueue, update: (_o, n) => enqueue(n), delete: enqueue });
    // Endpoints events repair drift of the ones we manage; Endpoints without a Service (made by
    // hand, e.g. before their selector-less Service) are removed only when a Service goes away.
    const enqueueManaged = (o: KObject) => {
      if (this.services.getByKey(objectKey(o))) {
        enqueue(o);
      }
    };
    this.endpoints.addHandlers({
      add: enqueueManaged,
      update: (o, n) => {
        if (o !== n) {
          enqueueManaged(n);
        }
      },
      delete: enqueueManaged,
    });
    this.pods.addHandlers({
      add: (p) => this.enqueueServicesOf(p),
      update: (o, p) => {
        if (o !== p && podChanged(o, p)) {
          this.enqueueServicesOf(p);
          if (stableJson(o.metadata.labels ?? {}) !== stableJson(p.metadata.labels ?? {})) {
            this.enqueueServicesOf(o);
          }
        }
      },
      delete: (p) => this.enqueueServicesOf(p),
    });
  }

  start(opts: { workers?: number; logger?: Logger } = {}): ControllerHandle {
    return runController(this, {
      queue: this.queue,
      workers: opts.workers ?? 2,
      logger: opts.logger ?? this.opts.logger,
    });
  }

  private enqueueServicesOf(pod: KObject): void {
    for (const svc of this.services.byIndex(NAMESPACE_INDEX, pod.metadata.namespace ?? '')) {
      if (serviceSelector(svc)?.matches(pod.metadata.labels ?? {})) {
        this.queue.add(objectKey(svc));
      }
    }
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const { namespace = 'default', name } = splitKey(key);
    const svc = this.services.getByKey(key);
    const pods = svc ? (this.pods.byIndex(NAMESPACE_INDEX, namespace) as Pod[]) : [];
    const existing = this.endpoints.getByKey(key);
    for (const a of planEndpoints({ namespace, name }, svc, pods, existing)) {
      switch (a.kind) {
        case 'create':
          await this.opts.client.create(R.endpoints, a.endpoints);
          break;
        case 'update':
          await this.opts.client.update(R.endpoints, a.endpoints);
          break;
        case 'delete':
          try {
            await this.opts.client.delete(R.endpoints, a.namespace, a.name);
          } catch (e) {
            if (!isApiError(e, 404)) {
              throw e;
            }
          }
          break;
      }
    }
    return {};
  }
}
