// One identity type for resources (CONVENTIONS.md "One identity type"): every map of
// resources in Gantry is keyed by keyString(). Store keys derive from the same parts.

import { splitApiVersion } from './resources.js';
import type { KObject } from './types.js';

export interface ResourceKey {
  readonly group: string;
  readonly kind: string;
  readonly namespace: string; // '' for cluster-scoped
  readonly name: string;
}

export function keyString(k: ResourceKey): string {
  return `${k.group}/${k.kind}/${k.namespace}/${k.name}`;
}

export function keyOf(obj: Pick<KObject, 'apiVersion' | 'kind' | 'metadata'>): ResourceKey {
  return {
    group: splitApiVersion(obj.apiVersion).group,
    kind: obj.kind,
    namespace: obj.metadata.namespace ?? '',
    name: obj.metadata.name ?? '',
  };
}

/** Store key of one object: `/<group>/<plural>/<namespace>/<name>` (namespace '' when cluster-scoped). */
export function storeKey(group: string, plural: string, namespace: string, name: string): string {
  return `/${group}/${plural}/${namespace}/${name}`;
}

/** Store prefix for a list: all namespaces when namespace is undefined. */
export function storePrefix(group: string, plural: string, namespace?: string): string {
  return namespace === undefined ? `/${group}/${plural}/` : `/${group}/${plural}/${namespace}/`;
}
