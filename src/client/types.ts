// The one Client interface every controller, the agent, sync and the CLI use; an in-process
// implementation (over the registry) and an HTTP one (over the API server) stand behind it.
import type { ResourceInfo } from '../api/resources.js';
import type { KList, KObject, WatchEvent } from '../api/types.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface ListOpts {
  readonly namespace?: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly limit?: number;
  readonly continue?: string;
}

export interface WatchOpts extends Omit<ListOpts, 'limit' | 'continue'> {
  readonly resourceVersion?: string;
  readonly allowBookmarks?: boolean;
}

export interface WatchHandle {
  stop(): void;
  /** Settles when the watch ends: undefined when stopped or closed by the server, the error otherwise. */
  readonly done: Promise<Error | undefined>;
}

export interface WriteOpts {
  readonly dryRun?: boolean;
  readonly fieldManager?: string;
  readonly fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
}

export interface DeleteOpts {
  readonly propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
  readonly gracePeriodSeconds?: number;
  readonly preconditions?: { readonly uid?: string; readonly resourceVersion?: string };
}

export interface Client {
  get(res: ResourceInfo, namespace: string | undefined, name: string): Promise<KObject>;
  list(res: ResourceInfo, opts?: ListOpts): Promise<KList>;
  watch(res: ResourceInfo, opts: WatchOpts, onEvent: (e: WatchEvent) => void): Promise<WatchHandle>;
  create(res: ResourceInfo, obj: KObject, opts?: WriteOpts): Promise<KObject>;
  update(
    res: ResourceInfo,
    obj: KObject,
    opts?: WriteOpts & { readonly subresource?: 'status' | 'finalize' },
  ): Promise<KObject>;
  patch(
    res: ResourceInfo,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    body: unknown,
    opts?: WriteOpts & { readonly subresource?: 'status' | 'scale'; readonly force?: boolean },
  ): Promise<KObject>;
  delete(res: ResourceInfo, namespace: string | undefined, name: string, opts?: DeleteOpts): Promise<KObject>;
  /** Places a pod on a node (the binding subresource). */
  bind(namespace: string, pod: string, node: string): Promise<void>;
}
