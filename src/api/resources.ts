// The resource table: every kind Gantry serves, with the names discovery and kubectl use.
// One entry per resource; the API server, the client and the store keys all read it.

export interface ResourceInfo {
  readonly group: string; // '' for the core group
  readonly version: string;
  readonly kind: string;
  readonly listKind: string;
  readonly plural: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly subresources: readonly ('status' | 'scale' | 'log' | 'binding' | 'finalize')[];
}

function r(
  group: string,
  version: string,
  kind: string,
  plural: string,
  opts: {
    namespaced?: boolean;
    shortNames?: string[];
    categories?: string[];
    subresources?: ResourceInfo['subresources'];
  } = {},
): ResourceInfo {
  return {
    group,
    version,
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    namespaced: opts.namespaced ?? true,
    shortNames: opts.shortNames ?? [],
    categories: opts.categories ?? [],
    subresources: opts.subresources ?? [],
  };
}

export const RESOURCES: readonly ResourceInfo[] = [
  r('', 'v1', 'Namespace', 'namespaces', {
    namespaced: false,
    shortNames: ['ns'],
    subresources: ['status', 'finalize'],
  }),
  r('', 'v1', 'Node', 'nodes', { namespaced: false, shortNames: ['no'], subresources: ['status'] }),
  r('', 'v1', 'Pod', 'pods', {
    shortNames: ['po'],
    categories: ['all'],
    subresources: ['status', 'log', 'binding'],
  }),
  r('', 'v1', 'Service', 'services', { shortNames: ['svc'], categories: ['all'], subresources: ['status'] }),
  r('', 'v1', 'Endpoints', 'endpoints', { shortNames: ['ep'] }),
  r('', 'v1', 'ConfigMap', 'configmaps', { shortNames: ['cm'] }),
  r('', 'v1', 'Secret', 'secrets'),
  r('', 'v1', 'ServiceAccount', 'serviceaccounts', { shortNames: ['sa'] }),
  r('', 'v1', 'Event', 'events', { shortNames: ['ev'] }),
  r('', 'v1', 'ResourceQuota', 'resourcequotas', { shortNames: ['quota'], subresources: ['status'] }),
  r('apps', 'v1', 'Deployment', 'deployments', {
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: ['status', 'scale'],
  }),
  r('apps', 'v1', 'ReplicaSet', 'replicasets', {
    shortNames: ['rs'],
    categories: ['all'],
    subresources: ['status', 'scale'],
  }),
  r('apps', 'v1', 'DaemonSet', 'daemonsets', {
    shortNames: ['ds'],
    categories: ['all'],
    subresources: ['status'],
  }),
  r('apps', 'v1', 'StatefulSet', 'statefulsets', {
    shortNames: ['sts'],
    categories: ['all'],
    subresources: ['status', 'scale'],
  }),
  r('apps', 'v1', 'ControllerRevision', 'controllerrevisions'),
  r('batch', 'v1', 'Job', 'jobs', { categories: ['all'], subresources: ['status'] }),
  r('coordination.k8s.io', 'v1', 'Lease', 'leases'),
  r('argoproj.io', 'v1alpha1', 'Rollout', 'rollouts', {
    shortNames: ['ro'],
    subresources: ['status', 'scale'],
  }),
  r('argoproj.io', 'v1alpha1', 'Application', 'applications', {
    shortNames: ['app', 'apps'],
    subresources: ['status'],
  }),
];

export function apiVersionOf(info: Pick<ResourceInfo, 'group' | 'version'>): string {
  return info.group === '' ? info.version : `${info.group}/${info.version}`;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

const byGroupPlural = new Map<string, ResourceInfo>();
const byGroupKind = new Map<string, ResourceInfo>();
for (const info of RESOURCES) {
  byGroupPlural.set(`${info.group}/${info.plural}`, info);
  byGroupKind.set(`${info.group}/${info.kind}`, info);
}

export function resourceByPlural(group: string, plural: string): ResourceInfo | undefined {
  return byGroupPlural.get(`${group}/${plural}`);
}

export function resourceByKind(group: string, kind: string): ResourceInfo | undefined {
  return byGroupKind.get(`${group}/${kind}`);
}

/** Looks a resource up by the apiVersion + kind of an object (the version must match too). */
export function resourceFor(apiVersion: string, kind: string): ResourceInfo | undefined {
  const { group, version } = splitApiVersion(apiVersion);
  const info = byGroupKind.get(`${group}/${kind}`);
  return info && info.version === version ? info : undefined;
}

/** The groups served, in discovery order, each with its (single) version. */
export function servedGroups(): { group: string; version: string }[] {
  const seen = new Map<string, string>();
  for (const info of RESOURCES) {
    if (!seen.has(info.group)) {
      seen.set(info.group, info.version);
    }
  }
  return [...seen].map(([group, version]) => ({ group, version }));
}
