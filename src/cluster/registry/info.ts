// Small helpers over ResourceInfo shared by the registry's parts.
import { storeKey, storePrefix } from '../../api/keys.js';
import { apiVersionOf, type ResourceInfo } from '../../api/resources.js';

export function resourceKeyOfInfo(info: ResourceInfo): string {
  return `${info.group}/${info.kind}`;
}

export function keyFor(info: ResourceInfo, namespace: string | undefined, name: string): string {
  return storeKey(info.group, info.plural, info.namespaced ? (namespace ?? '') : '', name);
}

export function prefixFor(info: ResourceInfo, namespace?: string): string {
  return storePrefix(info.group, info.plural, info.namespaced ? namespace : undefined);
}

export function target(info: ResourceInfo, name?: string): { group: string; kind: string; name?: string } {
  return name === undefined
    ? { group: info.group, kind: info.plural }
    : { group: info.group, kind: info.plural, name };
}

export function typeMeta(info: ResourceInfo): { apiVersion: string; kind: string } {
  return { apiVersion: apiVersionOf(info), kind: info.kind };
}
