// The StatefulSet planner (apps/v1), pure: stable pod identities `<sts>-<ordinal>`, created in
// order and each only once its predecessors are Running and Ready (OrderedReady) or all at once
// (Parallel); scale-down from the highest ordinal; rolling update from the highest ordinal down
// to the partition, one pod at a time, by `controller-revision-hash`.
// volumeClaimTemplates are accepted but Gantry has no PersistentVolumeClaim kind yet: each claim
// becomes an emptyDir volume of the same name in the pod, so templates that mount it still run.
import { isPodAvailable, isPodReady } from '../../api/pod-helpers.js';
import type { KObject, Pod, PodTemplateSpec } from '../../api/types.js';
import { controllerRefTo } from './owner-refs.js';
import { podFromTemplate, REVISION_HASH_LABEL, stableJson } from './pod-template.js';

export const STS_POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

export interface StatefulSetRevisions {
  /** Name of the revision most pods run (status.currentRevision). */
  readonly current: string;
  /** Name of the revision of spec.template. */
  readonly update: string;
  readonly currentTemplate: PodTemplateSpec | undefined;
  readonly updateTemplate: PodTemplateSpec | undefined;
}

export type StatefulSetAction =
  | { readonly kind: 'createPod'; readonly ordinal: number; readonly pod: Pod }
  | {
      readonly kind: 'deletePod';
      readonly ordinal: number;
      readonly pod: Pod;
      readonly reason: 'failed' | 'scaleDown' | 'update';
    }
  | { readonly kind: 'updateStatus'; readonly status: Record<string, unknown> };

/** The ordinal in a pod's name (`web-3` of StatefulSet `web` → 3), or undefined. */
export function ordinalOf(stsName: string, pod: Pick<KObject, 'metadata'>): number | undefined {
  const name = pod.metadata.name ?? '';
  if (!name.startsWith(`${stsName}-`)) {
    return undefined;
  }
  const rest = name.slice(stsName.length + 1);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

export function isRunningAndReady(p: Pod): boolean {
  return p.status?.phase === 'Running' && isPodReady(p);
}

function isHealthy(p: Pod | undefined, minReady: number, now: Date): boolean {
  return !!p && !p.metadata.deletionTimestamp && isRunningAndReady(p) && isPodAvailable(p, minReady, now);
}

function isTerminal(p: Pod): boolean {
  return p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded';
}

export function newStatefulPod(
  sts: KObject,
  ordinal: number,
  revision: string,
  template: PodTemplateSpec | undefined,
): Pod {
  const stsName = sts.metadata.name ?? '';
  const name = `${stsName}-${ordinal}`;
  const serviceName: string | undefined = sts.spec?.serviceName || undefined;
  const pod = podFromTemplate(template, {
    namespace: sts.metadata.namespace ?? 'default',
    owner: controllerRefTo(sts),
    name,
    labels: {
      [REVISION_HASH_LABEL]: revision,
      [STS_POD_NAME_LABEL]: name,
      [POD_INDEX_LABEL]: String(ordinal),
    },
    spec: { hostname: name, ...(serviceName ? { subdomain: serviceName } : {}) },
  });
  const volumes = [...(pod.spec.volumes ?? [])];
  for (const claim of sts.spec?.volumeClaimTemplates ?? []) {
    const claimName = claim?.metadata?.name;
    if (typeof claimName === 'string' && !volumes.some((v) => v?.name === claimName)) {
      volumes.push({ name: claimName, emptyDir: {} });
    }
  }
  if (volumes.length > 0) {
    pod.spec.volumes = volumes;
  }
  return pod;
}

/** Pure: the next steps for a StatefulSet, given the pods it controls and its two revisions. */
export function planStatefulSet(
  sts: KObject,
  pods: readonly Pod[],
  revs: StatefulSetRevisions,
  now: Date,
): StatefulSetAction[] {
  const spec = sts.spec ?? {};
  const stsName = sts.metadata.name ?? '';
  const replicas: number = spec.replicas ?? 1;
  const start: number = spec.ordinals?.start ?? 0;
  const end = start + replicas;
  const minReady: number = spec.minReadySeconds ?? 0;
  const monotonic = spec.podManagementPolicy !== 'Parallel';
  const rolling = (spec.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
  const partition: number = rolling ? (spec.updateStrategy?.rollingUpdate?.partition ?? 0) : 0;
  const slots = new Map<number, Pod>();
  const condemned: { ordinal: number; pod: Pod }[] = [];
  for (const p of pods) {
    const o = ordinalOf(stsName, p);
    if (o !== undefined && o >= start && o < end && !slots.has(o)) {
      slots.set(o, p);
    } else {
      condemned.push({ ordinal: o ?? Number.MAX_SAFE_INTEGER, pod: p });
    }
  }
  condemned.sort((a, b) => b.ordinal - a.ordinal);
  const revisionFor = (o: number) => (rolling && o < start + partition ? revs.current : revs.update);
  const templateFor = (o: number) =>
    revisionFor(o) === revs.current ? revs.currentTemplate : revs.updateTemplate;
  const out: StatefulSetAction[] = [];

  const steps = (): void => {
    for (let o = start; o < end; o++) {
      const p = slots.get(o);
      if (!p) {
        out.push({
          kind: 'createPod',
          ordinal: o,
          pod: newStatefulPod(sts, o, revisionFor(o), templateFor(o)),
        });
        if (monotonic) {
          return;
        }
        continue;
      }
      if (isTerminal(p) && !p.metadata.deletionTimestamp) {
        out.push({ kind: 'deletePod', ordinal: o, pod: p, reason: 'failed' });
        if (monotonic) {
          return;
        }
        continue;
      }
      if (monotonic && !isHealthy(p, minReady, now)) {
        return; // wait for it to be Running and Ready (or to finish terminating)
      }
    }
    for (const c of condemned) {
      if (c.pod.metadata.deletionTimestamp) {
        if (monotonic) {
          return; // one at a time: wait for the deletion
        }
        continue;
      }
      out.push({ kind: 'deletePod', ordinal: c.ordinal, pod: c.pod, reason: 'scaleDown' });
      if (monotonic) {
        return;
      }
    }
    if (!rolling || out.length > 0) {
      return;
    }
    for (let o = end - 1; o >= start + partition; o--) {
      const p = slots.get(o);
      if (p && p.metadata.labels?.[REVISION_HASH_LABEL] !== revs.update && !p.metadata.deletionTimestamp) {
        out.push({ kind: 'deletePod', ordinal: o, pod: p, reason: 'update' });
        return;
      }
      if (!isHealthy(p, minReady, now)) {
        return;
      }
    }
  };
  steps();

  let count = 0;
  let ready = 0;
  let available = 0;
  let current = 0;
  let updated = 0;
  for (const p of pods) {
    count++;
    if (isRunningAndReady(p)) {
      ready++;
      if (isPodAvailable(p, minReady, now)) {
        available++;
      }
    }
    if (!p.metadata.deletionTimestamp) {
      const r = p.metadata.labels?.[REVISION_HASH_LABEL];
      if (r === revs.current) {
        current++;
      }
      if (r === revs.update) {
        updated++;
      }
    }
  }
  let currentRevision = revs.current;
  if (updated === count && ready === count && count === replicas) {
    currentRevision = revs.update;
    current = updated;
  }
  const st = sts.status ?? {};
  const status: Record<string, unknown> = {
    ...st,
    observedGeneration: sts.metadata.generation ?? 0,
    replicas: count,
    readyReplicas: ready,
    currentReplicas: current,
    updatedReplicas: updated,
    availableReplicas: available,
    currentRevision,
    updateRevision: revs.update,
    collisionCount: st.collisionCount ?? 0,
  };
  if (stableJson(status) !== stableJson(st)) {
    out.push({ kind: 'updateStatus', status });
  }
  return out;
}
