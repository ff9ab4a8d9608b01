// Client over the registry in the same process: same admission and semantics as HTTP, no network.

import { ApiError } from '../api/errors.js';
import type { ResourceInfo } from '../api/resources.js';
import type { KList, KObject, Status, WatchEvent } from '../api/types.js';
import type { Registry } from '../cluster/registry/index.js';
import { bindPod, getScale, patchScale, watchResource } from '../cluster/registry/index.js';
import { R } from './resources.js';
import {
  type Client,
  type DeleteOpts,
  type ListOpts,
  PATCH_CONTENT_TYPES,
  type PatchType,
  type WatchHandle,
  type WatchOpts,
  type WriteOpts,
} from './types.js';

export class InProcessClient implements Client {
  constructor(private readonly registry: Registry) {}

  get(res: ResourceInfo, namespace: string | undefined, name: string): Promise<KObject> {
    return this.registry.get(res, namespace, name);
  }

  list(res: ResourceInfo, opts: ListOpts = {}): Promise<KList> {
    return this.registry.list(res, opts);
  }

  async watch(res: ResourceInfo, opts: WatchOpts, onEvent: (e: WatchEvent) => void): Promise<WatchHandle> {
    let resolve!: (v: Error | undefined) => void;
    const done = new Promise<Error | undefined>((r) => {
      resolve = r;
    });
    let stopped = false;
    const h = await watchResource(this.registry.store, res, opts, (e) => {
      if (e.type === 'ERROR') {
        // the store ended the watch (410 Gone): the caller relists, as over HTTP
        const s = e.object as unknown as Status;
        stopped = true;
        queueMicrotask(() => h.stop());
        resolve(new ApiError(s.code, s.reason || 'Expired', s.message, s.details));
        return;
      }
      if (!stopped) {
        // The stores' watch events are parsed once and deep-frozen, shared by every watcher, so
        // no receiver can change what another sees: no copy needed. Anything else is copied.
        onEvent(Object.isFrozen(e.object) ? e : structuredClone(e));
      }
    });
    return {
      stop() {
        h.stop();
        resolve(undefined);
      },
      done,
    };
  }

  create(res: ResourceInfo, obj: KObject, opts: WriteOpts = {}): Promise<KObject> {
    return this.registry.create(res, obj.metadata.namespace, obj, opts);
  }

  update(
    res: ResourceInfo,
    obj: KObject,
    opts: WriteOpts & { subresource?: 'status' | 'finalize' } = {},
  ): Promise<KObject> {
    return this.registry.update(
      res,
      obj.metadata.namespace,
      obj.metadata.name ?? '',
      obj,
      opts,
      opts.subresource,
    );
  }

  async patch(
    res: ResourceInfo,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    body: unknown,
    opts: WriteOpts & { subresource?: 'status' | 'scale'; force?: boolean } = {},
  ): Promise<KObject> {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    if (opts.subresource === 'scale') {
      await patchScale(this.registry, res, namespace, name, PATCH_CONTENT_TYPES[type], text, opts);
      return getScale(this.registry, res, namespace, name);
    }
    return this.registry.patch(res, namespace, name, PATCH_CONTENT_TYPES[type], text, opts, opts.subresource);
  }

  delete(
    res: ResourceInfo,
    namespace: string | undefined,
    name: string,
    opts: DeleteOpts = {},
  ): Promise<KObject> {
    return this.registry.delete(res, namespace, name, opts);
  }

  async bind(namespace: string, pod: string, node: string): Promise<void> {
    await bindPod(this.registry, R.pods, namespace, pod, { target: { name: node } });
  }
}
