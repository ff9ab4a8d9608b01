// `group/kind` keys of every kind Gantry serves (core group is ''), so per-kind handler tables
// (defaulting, validation) can be `Record<GroupKind, Handler>` and fail to compile when a kind
// is missing. test/api/group-kind.test.ts checks this list against src/api/resources.ts.
import { splitApiVersion } from './resources.js';
import type { KObject } from './types.js';

export const GROUP_KINDS = [
  '/Namespace',
  '/Node',
  '/Pod',
  '/Service',
  '/Endpoints',
  '/ConfigMap',
  '/Secret',
  '/ServiceAccount',
  '/Event',
  '/ResourceQuota',
  'apps/Deployment',
  'apps/ReplicaSet',
  'apps/DaemonSet',
  'apps/StatefulSet',
  'apps/ControllerRevision',
  'batch/Job',
  'coordination.k8s.io/Lease',
  'argoproj.io/Rollout',
  'argoproj.io/Application',
] as const;

export type GroupKind = (typeof GROUP_KINDS)[number];

export function groupKindKey(group: string, kind: string): string {
  return `${group}/${kind}`;
}

/** The `group/kind` of an object, when it is a kind Gantry serves. */
export function groupKindOf(obj: Pick<KObject, 'apiVersion' | 'kind'>): GroupKind | undefined {
  const key = groupKindKey(splitApiVersion(obj.apiVersion ?? '').group, obj.kind);
  return (GROUP_KINDS as readonly string[]).includes(key) ? (key as GroupKind) : undefined;
}
