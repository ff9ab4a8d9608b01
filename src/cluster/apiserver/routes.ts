// Kubernetes URL paths → what they name. Pure.
import { type ResourceInfo, resourceByPlural } from '../../api/resources.js';

export type Route =
  | { readonly kind: 'root' }
  | { readonly kind: 'health'; readonly name: string }
  | { readonly kind: 'version' }
  | { readonly kind: 'legacyVersions' } // GET /api
  | { readonly kind: 'groups' } // GET /apis
  | { readonly kind: 'group'; readonly group: string } // GET /apis/g
  | { readonly kind: 'resourceList'; readonly group: string; readonly version: string }
  | { readonly kind: 'openapiV3Root' }
  | { readonly kind: 'openapiV3'; readonly group: string; readonly version: string }
  | { readonly kind: 'openapiV2' }
  | {
      readonly kind: 'resource';
      readonly info: ResourceInfo;
      readonly namespace?: string;
      readonly name?: string;
      readonly subresource?: string;
    }
  | { readonly kind: 'notFound' }
  | {
      readonly kind: 'unknownResource';
      readonly group: string;
      readonly version: string;
      readonly plural: string;
    };

function decode(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    return seg;
  }
}

export function parsePath(pathname: string): Route {
  const parts = pathname
    .split('/')
    .filter((p) => p !== '')
    .map(decode);
  if (parts.length === 0) {
    return { kind: 'root' };
  }
  const [head, ...rest] = parts;
  switch (head) {
    case 'healthz':
    case 'livez':
    case 'readyz':
      return { kind: 'health', name: head };
    case 'version':
      return rest.length === 0 ? { kind: 'version' } : { kind: 'notFound' };
    case 'openapi':
      if (rest[0] === 'v2' && rest.length === 1) {
        return { kind: 'openapiV2' };
      }
      if (rest[0] === 'v3') {
        if (rest.length === 1) {
          return { kind: 'openapiV3Root' };
        }
        if (rest[1] === 'api' && rest.length === 3) {
          return { kind: 'openapiV3', group: '', version: rest[2]! };
        }
        if (rest[1] === 'apis' && rest.length === 4) {
          return { kind: 'openapiV3', group: rest[2]!, version: rest[3]! };
        }
      }
      return { kind: 'notFound' };
    case 'api':
      if (rest.length === 0) {
        return { kind: 'legacyVersions' };
      }
      return resourcePath('', rest[0]!, rest.slice(1));
    case 'apis':
      if (rest.length === 0) {
        return { kind: 'groups' };
      }
      if (rest.length === 1) {
        return { kind: 'group', group: rest[0]! };
      }
      return resourcePath(rest[0]!, rest[1]!, rest.slice(2));
    default:
      return { kind: 'notFound' };
  }
}

function resourcePath(group: string, version: string, rest: string[]): Route {
  if (rest.length === 0) {
    return { kind: 'resourceList', group, version };
  }
  let namespace: string | undefined;
  let tail = rest;
  // /namespaces/{ns}/{plural}/… — but /namespaces/{name}[/status|finalize] is the Namespace itself.
  if (
    group === '' &&
    rest[0] === 'namespaces' &&
    rest.length >= 3 &&
    !['status', 'finalize'].includes(rest[2]!)
  ) {
    namespace = rest[1];
    tail = rest.slice(2);
  } else if (group !== '' && rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    tail = rest.slice(2);
  }
  const [plural, name, subresource, ...extra] = tail;
  if (!plural || extra.length > 0) {
    return { kind: 'notFound' };
  }
  const info = resourceByPlural(group, plural);
  if (!info || info.version !== version) {
    return { kind: 'unknownResource', group, version, plural };
  }
  if (namespace !== undefined && !info.namespaced) {
    return { kind: 'notFound' };
  }
  const route: {
    kind: 'resource';
    info: ResourceInfo;
    namespace?: string;
    name?: string;
    subresource?: string;
  } = {
    kind: 'resource',
    info,
  };
  if (namespace !== undefined) {
    route.namespace = namespace;
  }
  if (name !== undefined) {
    route.name = name;
  }
  if (subresource !== undefined) {
    route.subresource = subresource;
  }
  return route;
}
