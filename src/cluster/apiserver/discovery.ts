// Discovery documents (legacy and aggregated v2) computed once from the resource table.
import { apiVersionOf, RESOURCES, type ResourceInfo, servedGroups } from '../../api/resources.js';

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const GANTRY_VERSION = '0.1.0';

export function versionInfo(): object {
  return {
    major: '1',
    minor: '32',
    gitVersion: `v1.32.0+gantry-${GANTRY_VERSION}`,
    gitCommit: 'gantry',
    gitTreeState: 'clean',
    buildDate: '2026-11-22T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'tsc',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

function subresourceList(
  info: ResourceInfo,
): { name: string; kind: string; group?: string; version?: string; verbs: string[] }[] {
  return info.subresources.map((s) => {
    switch (s) {
      case 'status':
        return { name: 'status', kind: info.kind, verbs: ['get', 'patch', 'update'] };
      case 'scale':
        return {
          name: 'scale',
          kind: 'Scale',
          group: 'autoscaling',
          version: 'v1',
          verbs: ['get', 'patch', 'update'],
        };
      case 'log':
        return { name: 'log', kind: 'Pod', verbs: ['get'] };
      case 'finalize':
        return { name: 'finalize', kind: info.kind, verbs: ['update'] };
      default:
        return { name: 'binding', kind: 'Binding', verbs: ['create'] };
    }
  });
}

function resourcesOf(group: string, version: string): ResourceInfo[] {
  return RESOURCES.filter((r) => r.group === group && r.version === version);
}

export function apiResourceList(group: string, version: string): object | undefined {
  const list = resourcesOf(group, version);
  if (list.length === 0) {
    return undefined;
  }
  const resources: object[] = [];
  for (const r of list) {
    resources.push({
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: VERBS,
      ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
      ...(r.categories.length ? { categories: r.categories } : {}),
    });
    for (const s of subresourceList(r)) {
      resources.push({
        name: `${r.plural}/${s.name}`,
        singularName: '',
        namespaced: r.namespaced,
        ...(s.group !== undefined ? { group: s.group, version: s.version } : {}),
        kind: s.kind,
        verbs: s.verbs,
      });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf({ group, version }),
    resources,
  };
}

export function legacyVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function apiGroup(group: string, version: string): object {
  const gv = { groupVersion: `${group}/${version}`, version };
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: [gv], preferredVersion: gv };
}

export function groupList(): object {
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: servedGroups()
      .filter((g) => g.group !== '')
      .map((g) => {
        const { kind: _k, apiVersion: _a, ...rest } = apiGroup(g.group, g.version) as Record<string, unknown>;
        return rest;
      }),
  };
}

export function groupInfo(group: string): object | undefined {
  const g = servedGroups().find((x) => x.group === group && group !== '');
  return g ? apiGroup(g.group, g.version) : undefined;
}

export const AGGREGATED_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** Aggregated discovery (apidiscovery.k8s.io/v2): one document for /api, one for /apis. */
export function aggregatedDiscovery(legacy: boolean): object {
  const groups = servedGroups().filter((g) => (g.group === '') === legacy);
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: 'apidiscovery.k8s.io/v2',
    metadata: {},
    items: groups.map((g) => ({
      metadata: { name: g.group, creationTimestamp: null },
      versions: [
        {
          version: g.version,
          freshness: 'Current',
          resources: resourcesOf(g.group, g.version).map((r) => ({
            resource: r.plural,
            responseKind: { group: r.group, version: r.version, kind: r.kind },
            scope: r.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: r.singular,
            verbs: VERBS,
            ...(r.shortNames.length ? { shortNames: r.shortNames } : {}),
            ...(r.categories.length ? { categories: r.categories } : {}),
            ...(r.subresources.length
              ? {
                  subresources: subresourceList(r).map((s) => ({
                    subresource: s.name,
                    responseKind: {
                      group: s.group ?? r.group,
                      version: s.version ?? r.version,
                      kind: s.kind,
                    },
                    verbs: s.verbs,
                  })),
                }
              : {}),
          })),
        },
      ],
    })),
  };
}

/** True when the Accept header offers aggregated discovery v2 (kubectl 1.27+ does). */
export function wantsAggregated(accept: string | undefined): boolean {
  if (!accept) {
    return false;
  }
  return accept.split(',').some((part) => {
    const p = part.replace(/\s+/g, '').split(';');
    return (
      p.includes('as=APIGroupDiscoveryList') && p.includes('v=v2') && p.includes('g=apidiscovery.k8s.io')
    );
  });
}
