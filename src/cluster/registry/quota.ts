// ResourceQuota admission: a create that would push a namespace's usage past any quota's
// `spec.hard` is refused (403) and nothing is stored. Usage is computed from the objects
// themselves (pure), so the quota's status is a report, never the source of truth.
import { errors } from '../../api/errors.js';
import { isPodTerminal, podRequests } from '../../api/pod-helpers.js';
import { formatMemory, formatMilli, parseMilli } from '../../api/quantity.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { KObject, Pod } from '../../api/types.js';

/** Resource name under which objects of a kind are counted (`count/deployments.apps`, `pods`, `services`). */
export function countResourceName(info: ResourceInfo): string {
  return info.group === '' ? `count/${info.plural}` : `count/${info.plural}.${info.group}`;
}

const LEGACY_COUNT: Record<string, string> = {
  pods: 'pods',
  services: 'services',
  configmaps: 'configmaps',
  secrets: 'secrets',
  resourcequotas: 'resourcequotas',
};

/** Milli-units of pod compute resources: requests.cpu, limits.memory, … (memory in milli-bytes keeps one unit). */
function podCompute(pod: Pod): Record<string, number> {
  const req = podRequests(pod);
  const lim = { cpu: 0, memory: 0 };
  for (const c of pod.spec?.containers ?? []) {
    const l = c.resources?.limits ?? {};
    if (l.cpu !== undefined) {
      lim.cpu += parseMilli(l.cpu);
    }
    if (l.memory !== undefined) {
      lim.memory += parseMilli(l.memory);
    }
  }
  return {
    'requests.cpu': req.cpuMilli,
    cpu: req.cpuMilli,
    'requests.memory': req.memoryBytes * 1000,
    memory: req.memoryBytes * 1000,
    'limits.cpu': lim.cpu,
    'limits.memory': lim.memory,
  };
}

export interface NamespaceUsageInput {
  /** Non-deleted pods of the namespace. */
  readonly pods: readonly Pod[];
  /** Object counts by `count/...` name and legacy name. */
  readonly counts: Readonly<Record<string, number>>;
}

/** Usage of every resource name, in milli-units (counts × 1000), for quota evaluation and status. */
export function namespaceUsage(input: NamespaceUsageInput): Map<string, number> {
  const used = new Map<string, number>();
  const add = (k: string, v: number) => used.set(k, (used.get(k) ?? 0) + v);
  for (const pod of input.pods) {
    if (isPodTerminal(pod)) {
      continue;
    }
    add('pods', 1000);
    add('count/pods', 1000);
    for (const [k, v] of Object.entries(podCompute(pod))) {
      add(k, v);
    }
  }
  for (const [k, v] of Object.entries(input.counts)) {
    if (k !== 'pods' && k !== 'count/pods') {
      add(k, v * 1000);
    }
  }
  return used;
}

/** What one new object adds to the usage. */
export function deltaOf(info: ResourceInfo, obj: KObject): Map<string, number> {
  const d = new Map<string, number>();
  d.set(countResourceName(info), 1000);
  const legacy = LEGACY_COUNT[info.plural];
  if (info.group === '' && legacy) {
    d.set(legacy, 1000);
  }
  if (info.group === '' && info.kind === 'Pod') {
    for (const [k, v] of Object.entries(podCompute(obj as Pod))) {
      d.set(k, v);
    }
  }
  return d;
}

function fmt(resource: string, milli: number): string {
  if (resource.endsWith('cpu')) {
    return formatMilli(Math.round(milli));
  }
  if (resource.endsWith('memory')) {
    return formatMemory(Math.round(milli / 1000));
  }
  return String(Math.round(milli / 1000));
}

/** Throws 403 Forbidden when obj would exceed any quota; pure. */
export function admitQuota(
  info: ResourceInfo,
  obj: KObject,
  quotas: readonly KObject[],
  used: ReadonlyMap<string, number>,
): void {
  const delta = deltaOf(info, obj);
  const what = `${info.plural} "${obj.metadata.name ?? obj.metadata.generateName ?? ''}"`;
  for (const q of quotas) {
    const hard: Record<string, string | number> = q.spec?.hard ?? {};
    const over: string[] = [];
    const req: string[] = [];
    const usedS: string[] = [];
    const lim: string[] = [];
    for (const [res, limitRaw] of Object.entries(hard)) {
      const limit = parseMilli(limitRaw);
      if (info.kind === 'Pod' && info.group === '' && /^(requests\.|limits\.)?(cpu|memory)$/.test(res)) {
        const container = (obj as Pod).spec?.containers ?? [];
        const kind = res.startsWith('limits.') ? 'limits' : 'requests';
        const r = res.replace(/^(requests|limits)\./, '');
        const missing = container.filter((c) => {
          const rr = c.resources ?? {};
          return kind === 'limits'
            ? rr.limits?.[r] === undefined
            : (rr.requests?.[r] ?? rr.limits?.[r]) === undefined;
        });
        if (missing.length > 0) {
          throw errors.forbidden(
            `${what} is forbidden: failed quota: ${q.metadata.name}: must specify ${res}`,
          );
        }
      }
      const add = delta.get(res);
      if (add === undefined) {
        continue;
      }
      const now = used.get(res) ?? 0;
      if (now + add > limit) {
        over.push(res);
        req.push(`${res}=${fmt(res, add)}`);
        usedS.push(`${res}=${fmt(res, now)}`);
        lim.push(`${res}=${fmt(res, limit)}`);
      }
    }
    if (over.length > 0) {
      throw errors.forbidden(
        `${what} is forbidden: exceeded quota: ${q.metadata.name}, requested: ${req.join(',')}, used: ${usedS.join(',')}, limited: ${lim.join(',')}`,
      );
    }
  }
}

/** status.used for a quota, in the quantities Kubernetes prints. */
export function quotaStatusUsed(quota: KObject, used: ReadonlyMap<string, number>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const res of Object.keys(quota.spec?.hard ?? {})) {
    out[res] = fmt(res, used.get(res) ?? 0);
  }
  return out;
}
