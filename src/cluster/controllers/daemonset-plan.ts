// The DaemonSet planner (apps/v1), pure: one pod per eligible node, placed by setting
// spec.nodeName directly (Gantry's scheduler is bypassed, as the DaemonSet controller's own
// placement decision; Kubernetes ≥1.12 expresses the same through a required node affinity on
// metadata.name). Rolling update by `controller-revision-hash`, at most maxUnavailable at a time.
import { isPodAvailable } from '../../api/pod-helpers.js';
import type { KObject, Pod } from '../../api/types.js';
import { daemonNodeFit, daemonPodTolerations } from './node-eligibility.js';
import { controllerRefTo } from './owner-refs.js';
import { podFromTemplate, REVISION_HASH_LABEL, stableJson, templateOf } from './pod-template.js';

export type DaemonSetAction =
  | { readonly kind: 'createPod'; readonly node: string; readonly pod: Pod }
  | {
      readonly kind: 'deletePod';
      readonly pod: Pod;
      readonly reason: 'misscheduled' | 'duplicate' | 'failed' | 'update' | 'orphaned';
    }
  | { readonly kind: 'updateStatus'; readonly status: Record<string, unknown> };

/** An int-or-percent against a total (percent rounded up, as the DaemonSet controller does). */
export function resolveIntOrPercent(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === 'number') {
    return v;
  }
  if (typeof v === 'string' && /^\d+%$/.test(v)) {
    const x = (Number.parseInt(v, 10) * total) / 100;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  }
  if (typeof v === 'string' && /^\d+$/.test(v)) {
    return Number.parseInt(v, 10);
  }
  return 0;
}

function oldestFirst(a: Pod, b: Pod): number {
  return (
    (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
    (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '')
  );
}

/**
 * Pure: the steps for a DaemonSet. `hash` is the current template's revision hash; `pods` are
 * the pods it controls; `nodes` every node of the cluster.
 */
export function planDaemonSet(
  ds: KObject,
  nodes: readonly KObject[],
  pods: readonly Pod[],
  hash: string,
  now: Date,
): DaemonSetAction[] {
  const template = templateOf(ds) ?? { spec: { containers: [] } };
  const minReady: number = ds.spec?.minReadySeconds ?? 0;
  const out: DaemonSetAction[] = [];
  const byNode = new Map<string, Pod[]>();
  for (const p of pods) {
    const n = p.spec?.nodeName ?? '';
    byNode.set(n, [...(byNode.get(n) ?? []), p]);
  }
  const nodeNames = new Set(nodes.map((n) => n.metadata.name ?? ''));
  for (const [n, ps] of byNode) {
    if (!nodeNames.has(n)) {
      for (const p of ps.filter((x) => !x.metadata.deletionTimestamp)) {
        out.push({ kind: 'deletePod', pod: p, reason: 'orphaned' });
      }
    }
  }
  let desired = 0;
  let current = 0;
  let misscheduled = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  let unavailable = 0;
  const oldAvailable: Pod[] = [];
  const oldUnavailable: Pod[] = [];
  for (const node of [...nodes].sort((a, b) =>
    (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
  )) {
    const name = node.metadata.name ?? '';
    const fit = daemonNodeFit(template.spec, node);
    const here = byNode.get(name) ?? [];
    const terminating = here.filter((p) => p.metadata.deletionTimestamp);
    const failed = here.filter(
      (p) =>
        !p.metadata.deletionTimestamp && (p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded'),
    );
    const live = here.filter((p) => !p.metadata.deletionTimestamp && !failed.includes(p)).sort(oldestFirst);
    for (const p of failed) {
      out.push({ kind: 'deletePod', pod: p, reason: 'failed' });
    }
    if (fit.shouldRun) {
      desired++;
    }
    if (!fit.shouldContinueRunning) {
      if (live.length > 0) {
        misscheduled++;
      }
      for (const p of live) {
        out.push({ kind: 'deletePod', pod: p, reason: 'misscheduled' });
      }
      continue;
    }
    if (!fit.shouldRun) {
      if (live.length > 0) {
        misscheduled++;
      }
      continue;
    }
    if (live.length === 0) {
      unavailable++;
      if (terminating.length === 0) {
        out.push({ kind: 'createPod', node: name, pod: newDaemonPod(ds, name, hash) });
      }
      continue;
    }
    current++;
    // Keep the one on the current revision if any (else the oldest); the rest are duplicates.
    const keep = live.find((p) => p.metadata.labels?.[REVISION_HASH_LABEL] === hash) ?? live[0]!;
    for (const p of live) {
      if (p !== keep) {
        out.push({ kind: 'deletePod', pod: p, reason: 'duplicate' });
      }
    }
    const isAvailable = isPodAvailable(keep, minReady, now);
    if (keep.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) {
      ready++;
    }
    if (isAvailable) {
      available++;
    } else {
      unavailable++;
    }
    if (keep.metadata.labels?.[REVISION_HASH_LABEL] === hash) {
      updated++;
    } else if (isAvailable) {
      oldAvailable.push(keep);
    } else {
      oldUnavailable.push(keep);
    }
  }
  const strategy = ds.spec?.updateStrategy ?? {};
  if ((strategy.type ?? 'RollingUpdate') === 'RollingUpdate') {
    let maxUnavailable = resolveIntOrPercent(strategy.rollingUpdate?.maxUnavailable ?? 1, desired, true);
    if (maxUnavailable < 1) {
      maxUnavailable = 1;
    }
    for (const p of oldUnavailable) {
      out.push({ kind: 'deletePod', pod: p, reason: 'update' });
    }
    const budget = Math.max(0, maxUnavailable - unavailable);
    for (const p of oldAvailable.sort(oldestFirst).slice(0, budget)) {
      out.push({ kind: 'deletePod', pod: p, reason: 'update' });
    }
  }
  const st = ds.status ?? {};
  const status: Record<string, unknown> = {
    ...st,
    currentNumberScheduled: current,
    desiredNumberScheduled: desired,
    numberMisscheduled: misscheduled,
    numberReady: ready,
    numberAvailable: available,
    numberUnavailable: Math.max(0, desired - available),
    updatedNumberScheduled: updated,
    observedGeneration: ds.metadata.generation ?? 0,
  };
  if (stableJson(status) !== stableJson(st)) {
    out.push({ kind: 'updateStatus', status });
  }
  return out;
}

export function newDaemonPod(ds: KObject, node: string, hash: string): Pod {
  const template = templateOf(ds);
  const pod = podFromTemplate(template, {
    namespace: ds.metadata.namespace ?? 'default',
    owner: controllerRefTo(ds),
    generateName: `${(ds.metadata.name ?? '').slice(0, 57)}-`,
    labels: { [REVISION_HASH_LABEL]: hash },
  });
  pod.spec.nodeName = node;
  pod.spec.tolerations = daemonPodTolerations(pod.spec);
  return pod;
}
