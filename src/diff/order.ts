// Apply order (CONVENTIONS.md #8), in this one file: hook phase, sync wave
// (`argocd.argoproj.io/sync-wave`, an integer, default 0), then the kind order below (gitops-engine's
// table: namespaces and policy first, config and storage, RBAC, Services, then workloads,
// ingress), kinds it does not know after those, Applications last; then name and namespace.
// Prune order is the exact reverse. Pure.
import type { KObject } from '../api/types.js';

export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
export const HOOK_ANNOTATION = 'argocd.argoproj.io/hook';

export type SyncPhase = 'PreSync' | 'Sync' | 'PostSync' | 'SyncFail';

const PHASE_ORDER: Readonly<Record<SyncPhase, number>> = { PreSync: 0, Sync: 1, PostSync: 2, SyncFail: 3 };

export const KIND_ORDER: readonly string[] = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'Rollout',
  'IngressClass',
  'Ingress',
  'APIService',
];

/** After every other kind: an app of apps creates its children once their neighbours exist. */
const LAST_KINDS = ['Application'];

const KIND_RANK = new Map<string, number>(KIND_ORDER.map((k, i) => [k, i]));
const UNKNOWN_RANK = KIND_ORDER.length;
for (const [i, k] of LAST_KINDS.entries()) {
  KIND_RANK.set(k, UNKNOWN_RANK + 1 + i);
}

/** The kind's place in the table; unknown kinds share one rank after the known ones. */
export function kindRank(kind: string): number {
  return KIND_RANK.get(kind) ?? UNKNOWN_RANK;
}

/** The sync wave of an object: its annotation as an integer, 0 when absent or not an integer. */
export function syncWave(o: Pick<KObject, 'metadata'>): number {
  const v = o.metadata?.annotations?.[SYNC_WAVE_ANNOTATION];
  if (typeof v !== 'string' || !/^\s*[-+]?\d+\s*$/.test(v)) {
    return 0;
  }
  return Number.parseInt(v, 10);
}

/** The hook phase an object runs in: the first known phase its hook annotation names, else Sync. */
export function syncPhase(o: Pick<KObject, 'metadata'>): SyncPhase {
  const v = o.metadata?.annotations?.[HOOK_ANNOTATION];
  if (typeof v === 'string') {
    for (const part of v.split(',')) {
      const p = part.trim();
      if (Object.hasOwn(PHASE_ORDER, p)) {
        return p as SyncPhase;
      }
    }
  }
  return 'Sync';
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders two objects for applying: phase, wave, kind rank, kind (for unknown kinds), name, namespace. */
export function compareSyncOrder(a: KObject, b: KObject): number {
  return (
    PHASE_ORDER[syncPhase(a)] - PHASE_ORDER[syncPhase(b)] ||
    syncWave(a) - syncWave(b) ||
    kindRank(a.kind) - kindRank(b.kind) ||
    cmp(a.kind, b.kind) ||
    cmp(a.metadata?.name ?? '', b.metadata?.name ?? '') ||
    cmp(a.metadata?.namespace ?? '', b.metadata?.namespace ?? '')
  );
}

/** A new array in apply order. */
export function syncOrder<T extends KObject>(objs: readonly T[]): T[] {
  return [...objs].sort(compareSyncOrder);
}

/** A new array in prune (delete) order: the reverse of apply order. */
export function pruneOrder<T extends KObject>(objs: readonly T[]): T[] {
  return syncOrder(objs).reverse();
}
