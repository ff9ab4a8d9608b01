// The shapes the dashboard reads from /ui/api (see the dashboard contract): resource tree nodes,
// the rollout view model, commit metadata, the diff and rollback answers. Types only.

export type NodeSync = 'Synced' | 'OutOfSync' | 'Missing' | 'Unknown';

export interface TreeNode {
  id: string;
  parentId?: string;
  group: string;
  version: string;
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
  sync?: NodeSync;
  health?: { status: string; message?: string };
  info: { name: string; value: string }[];
  images?: string[];
  createdAt?: string;
}

export interface RolloutPod {
  name: string;
  phase: string;
  ready: boolean;
  restarts: number;
  node?: string;
}

export interface RolloutRevision {
  revision: number;
  replicaSet: string;
  hash: string;
  images: string[];
  roles: string[];
  desired: number;
  ready: number;
  available: number;
  pods: RolloutPod[];
}

export interface RolloutView {
  name: string;
  namespace: string;
  strategy: 'blueGreen' | 'canary';
  status: string;
  message?: string;
  paused: boolean;
  aborted: boolean;
  step?: { index: number; total: number; description: string };
  activeService?: string;
  previewService?: string;
  desired: number;
  ready: number;
  available: number;
  updated: number;
  revisions: RolloutRevision[];
}

export interface CommitInfo {
  sha: string;
  message: string;
  author: string;
  email: string;
  date: string;
}

export interface AppDiffAnswer {
  revision: string;
  text: string;
  resources: {
    group: string;
    kind: string;
    namespace?: string;
    name: string;
    status: string;
    diff: string;
  }[];
}

export interface RollbackAnswer {
  toRevision: string;
  commit?: string;
  branch: string;
  reverted: { sha: string; subject: string }[];
  diff?: string;
}
