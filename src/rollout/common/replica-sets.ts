// What the rollout planners see of a ReplicaSet: its spec, the pods it controls and how many of
// them are active, ready and available; how a template is matched to its ReplicaSet (equal
// ignoring the hash label), how a new ReplicaSet body is built, and revision numbers.
import { getCondition, isPodActive, isPodAvailable, isPodReady } from '../../api/pod-helpers.js';
import type { KObject, LabelSelector, Pod, PodCondition, PodTemplateSpec } from '../../api/types.js';
import { controllerRefTo } from '../../cluster/controllers/owner-refs.js';
import { stableJson, templateHash } from '../../cluster/controllers/pod-template.js';

export interface RSView {
  readonly rs: KObject;
  readonly name: string;
  readonly uid: string;
  /** Value of the hash label (pod-template-hash or rollouts-pod-template-hash). */
  readonly hash: string;
  readonly created: string;
  readonly revision: number;
  readonly specReplicas: number;
  /** Every pod the ReplicaSet controls, terminating ones included. */
  readonly pods: readonly Pod[];
  /** Not terminal, not being deleted. */
  readonly active: number;
  readonly ready: number;
  readonly available: number;
}

export function replicasOf(obj: KObject, fallback = 1): number {
  const n = Number(obj.spec?.replicas ?? fallback);
  return Number.isFinite(n) ? Math.max(0, Math.trunc(n)) : fallback;
}

export function revisionOf(rs: KObject, annotation: string): number {
  const n = Number(rs.metadata.annotations?.[annotation] ?? '');
  return Number.isInteger(n) && n > 0 ? n : 0;
}

function readySince(pod: Pod): number {
  const t = getCondition<PodCondition>(pod.status, 'Ready')?.lastTransitionTime;
  const ms = t ? Date.parse(t) : Number.NaN;
  return Number.isNaN(ms) ? 0 : ms;
}

/** Oldest first (creationTimestamp, then name), the order Kubernetes scales old ReplicaSets in. */
export function byCreation(a: RSView, b: RSView): number {
  if (a.created !== b.created) {
    return a.created < b.created ? -1 : 1;
  }
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export interface ViewOptions {
  readonly hashLabel: string;
  readonly revisionAnnotation: string;
  readonly minReadySeconds: number;
  readonly now: Date;
  /** Pods whose deletion was issued but is not visible yet: counted as gone. */
  readonly deleting?: ReadonlySet<string>;
}

export interface Views {
  readonly views: RSView[];
  /** When a ready pod becomes available (minReadySeconds), re-plan then. */
  readonly availableAfterMs?: number;
}

/** One view per ReplicaSet (oldest first), with the pods whose controller it is. */
export function viewReplicaSets(
  replicaSets: readonly KObject[],
  pods: readonly Pod[],
  o: ViewOptions,
): Views {
  const byOwner = new Map<string, Pod[]>();
  for (const p of pods) {
    const ref = p.metadata.ownerReferences?.find((r) => r.controller === true);
    if (!ref) {
      continue;
    }
    let list = byOwner.get(ref.uid);
    if (!list) {
      list = [];
      byOwner.set(ref.uid, list);
    }
    list.push(p);
  }
  let availableAfterMs: number | undefined;
  const views = replicaSets.map((rs): RSView => {
    const uid = rs.metadata.uid ?? '';
    const owned = byOwner.get(uid) ?? [];
    let active = 0;
    let ready = 0;
    let available = 0;
    for (const p of owned) {
      if (!isPodActive(p) || o.deleting?.has(p.metadata.uid ?? '')) {
        continue;
      }
      active++;
      if (!isPodReady(p)) {
        continue;
      }
      ready++;
      if (isPodAvailable(p, o.minReadySeconds, o.now)) {
        available++;
      } else {
        const wait = Math.max(1, readySince(p) + o.minReadySeconds * 1000 - o.now.getTime());
        availableAfterMs = Math.min(availableAfterMs ?? wait, wait);
      }
    }
    return {
      rs,
      name: rs.metadata.name ?? '',
      uid,
      hash: rs.metadata.labels?.[o.hashLabel] ?? rs.spec?.template?.metadata?.labels?.[o.hashLabel] ?? '',
      created: rs.metadata.creationTimestamp ?? '',
      revision: revisionOf(rs, o.revisionAnnotation),
      specReplicas: replicasOf(rs, 0),
      pods: owned,
      active,
      ready,
      available,
    };
  });
  views.sort(byCreation);
  return availableAfterMs === undefined ? { views } : { views, availableAfterMs };
}

/** A template with the hash label removed (and empty maps dropped), for comparison. */
export function templateWithoutHash(t: PodTemplateSpec | undefined, hashLabel: string): PodTemplateSpec {
  const c = structuredClone(t ?? { spec: { containers: [] } });
  const meta = c.metadata;
  if (meta) {
    if (meta.labels) {
      delete meta.labels[hashLabel];
      if (Object.keys(meta.labels).length === 0) {
        delete meta.labels;
      }
    }
    if (meta.creationTimestamp === null) {
      delete meta.creationTimestamp;
    }
    if (Object.keys(meta).length === 0) {
      delete c.metadata;
    }
  }
  return c;
}

function normalizedTemplate(t: PodTemplateSpec | undefined, hashLabel: string): string {
  return stableJson(templateWithoutHash(t, hashLabel));
}

/** Kubernetes' EqualIgnoreHash: the templates are equal once the hash label is ignored. */
export function templatesEqual(
  a: PodTemplateSpec | undefined,
  b: PodTemplateSpec | undefined,
  hashLabel: string,
): boolean {
  return normalizedTemplate(a, hashLabel) === normalizedTemplate(b, hashLabel);
}

/** The oldest ReplicaSet whose template equals `template` (ignoring the hash label). */
export function findNewReplicaSet(
  views: readonly RSView[],
  template: PodTemplateSpec | undefined,
  hashLabel: string,
): RSView | undefined {
  return views.find((v) => templatesEqual(v.rs.spec?.template, template, hashLabel));
}

export function hashOf(
  template: PodTemplateSpec | undefined,
  hashLabel: string,
  collisionCount?: number,
): string {
  return templateHash(templateWithoutHash(template, hashLabel), collisionCount);
}

export interface NewReplicaSetInput {
  readonly owner: KObject;
  readonly template: PodTemplateSpec | undefined;
  readonly selector: LabelSelector | undefined;
  readonly hashLabel: string;
  readonly hash: string;
  readonly replicas: number;
  readonly annotations: Readonly<Record<string, string>>;
  readonly minReadySeconds?: number;
}

/** The body of a new ReplicaSet `<owner>-<hash>` with the hash label on itself, its selector and template. */
export function newReplicaSetBody(i: NewReplicaSetInput): KObject {
  const t = templateWithoutHash(i.template, i.hashLabel);
  const labels = { ...(t.metadata?.labels ?? {}), [i.hashLabel]: i.hash };
  t.metadata = { ...(t.metadata ?? {}), labels };
  const selector: LabelSelector = {
    ...structuredClone(i.selector ?? {}),
    matchLabels: { ...(i.selector?.matchLabels ?? {}), [i.hashLabel]: i.hash },
  };
  const spec: Record<string, unknown> = { replicas: i.replicas, selector, template: t };
  if (i.minReadySeconds) {
    spec.minReadySeconds = i.minReadySeconds;
  }
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${i.owner.metadata.name}-${i.hash}`,
      namespace: i.owner.metadata.namespace,
      labels,
      annotations: { ...i.annotations },
      ownerReferences: [controllerRefTo(i.owner)],
    },
    spec,
  };
}

export function maxRevision(views: readonly RSView[], except?: RSView): number {
  let m = 0;
  for (const v of views) {
    if (v !== except) {
      m = Math.max(m, v.revision);
    }
  }
  return m;
}
