// The live objects the resource tree is drawn from, read through the Client: every kind the
// Application tracks (status.resources) plus ReplicaSets, Pods and Endpoints, in the Application's
// destination namespace(s); cluster-scoped resources are read one by one. applicationTree() keeps
// only what belongs to the Application.
import { isApiError } from '../api/errors.js';
import { apiVersionOf, type ResourceInfo, resourceFor } from '../api/resources.js';
import type { KObject } from '../api/types.js';
import { R } from '../client/resources.js';
import type { Client } from '../client/types.js';
import type { ResourceStatus } from '../sync/types.js';
import { applicationTree, type TreeNode } from './tree.js';

function withKind(o: KObject, info: ResourceInfo): KObject {
  return o.apiVersion && o.kind
    ? o
    : { ...o, apiVersion: o.apiVersion || apiVersionOf(info), kind: o.kind || info.kind };
}

/** The namespaces and kinds an Application's tree spans. Pure. */
export function treeScope(app: KObject): {
  namespaces: string[];
  namespaced: ResourceInfo[];
  clusterScoped: { info: ResourceInfo; name: string }[];
} {
  const resources: ResourceStatus[] = Array.isArray(app.status?.resources) ? app.status.resources : [];
  const namespaces = new Set<string>();
  const dest = app.spec?.destination?.namespace;
  if (typeof dest === 'string' && dest !== '') {
    namespaces.add(dest);
  }
  const kinds = new Map<string, ResourceInfo>();
  for (const info of [R.replicasets, R.pods, R.endpoints]) {
    kinds.set(`${info.group}/${info.kind}`, info);
  }
  const clusterScoped: { info: ResourceInfo; name: string }[] = [];
  for (const r of resources) {
    const info = resourceFor(apiVersionOf({ group: r.group ?? '', version: r.version ?? 'v1' }), r.kind);
    if (!info) {
      continue;
    }
    if (info.namespaced) {
      kinds.set(`${info.group}/${info.kind}`, info);
      if (r.namespace) {
        namespaces.add(r.namespace);
      }
    } else {
      clusterScoped.push({ info, name: r.name });
    }
  }
  return { namespaces: [...namespaces].sort(), namespaced: [...kinds.values()], clusterScoped };
}

export async function loadTreeObjects(client: Client, app: KObject): Promise<KObject[]> {
  const scope = treeScope(app);
  const out: KObject[] = [];
  const lists = scope.namespaces.flatMap((ns) =>
    scope.namespaced.map(async (info) => {
      const list = await client.list(info, { namespace: ns });
      return list.items.map((o) => withKind(o, info));
    }),
  );
  for (const items of await Promise.all(lists)) {
    out.push(...items);
  }
  for (const { info, name } of scope.clusterScoped) {
    try {
      out.push(withKind(await client.get(info, undefined, name), info));
    } catch (e) {
      if (!isApiError(e, 404)) {
        throw e;
      }
    }
  }
  return out;
}

/** The tree of an Application as it is now. */
export async function loadApplicationTree(client: Client, app: KObject): Promise<TreeNode[]> {
  return applicationTree(app, await loadTreeObjects(client, app));
}
