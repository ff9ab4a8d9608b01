// src/sync: the Application reconciler — fetch (simple-git), render (YAML/JSON directories,
// kustomize), validate the whole revision, diff (src/diff), apply in order with hooks and waves,
// prune, self-heal, sync windows, retries, history, the webhook. It touches the cluster only
// through the Client interface (never the store), and git only through git-source.ts.
export * from './app-writer.js';
export * from './apply.js';
export * from './auto-sync.js';
export * from './bootstrap.js';
export * from './git-source.js';
export * from './glob.js';
export * from './health.js';
export * from './manifests.js';
export * from './operation.js';
export {
  type AutomatedPolicy,
  appSyncOptions,
  automatedPolicy,
  isFalse,
  isTrue,
  mayRetry,
  parseSyncOptions,
  resourceSyncOptions,
  retryDelayMs,
} from './policy.js';
export * from './reconcile.js';
export * from './render.js';
export * from './repo-credentials.js';
export * from './revisions.js';
export * from './status.js';
export * from './tracked.js';
export * from './types.js';
export * from './validate.js';
export * from './webhook.js';
export * from './windows.js';
