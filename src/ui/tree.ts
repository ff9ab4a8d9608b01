// The resource tree of an Application, as the dashboard draws it: the Application at the root, the
// resources it manages (its status.resources, plus live objects carrying its tracking id) below it,
// and under those what controllers made of them, by ownerReferences: ReplicaSets under their
// Deployment or Rollout, Pods under their ReplicaSet; Endpoints under the Service of the same name.
// Health per node with the sync engine's rules (assessHealth). Pure: objects in, nodes out.
import { keyOf, keyString } from '../api/keys.js';
import { splitApiVersion } from '../api/resources.js';
import type { KObject } from '../api/types.js';
import { rolloutView } from '../rollout/view.js';
import { trackedBy } from '../sync/apply.js';
import { assessHealth, hasHealthCheck } from '../sync/health.js';
import type { ResourceStatus } from '../sync/types.js';

export type TreeSync = 'Synced' | 'OutOfSync' | 'Missing' | 'Unknown';

export interface TreeNode {
  readonly id: string;
  readonly parentId?: string;
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly uid?: string;
  readonly sync?: TreeSync;
  readonly health?: { readonly status: string; readonly message?: string };
  readonly info: { readonly name: string; readonly value: string }[];
  readonly images?: string[];
  readonly createdAt?: string;
}

export const ROOT_ID = 'app';

const DEPLOYMENT_REVISION = 'deployment.kubernetes.io/revision';
const ROLLOUT_REVISION = 'rollout.argoproj.io/revision';

type Info = { name: string; value: string }[];

function containersOf(spec: any): { image?: string }[] {
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
}

function imagesOf(o: KObject): string[] | undefined {
  const podSpec = o.kind === 'Pod' ? o.spec : o.spec?.template?.spec;
  const images = containersOf(podSpec)
    .map((c) => c.image)
    .filter((i): i is string => typeof i === 'string' && i !== '');
  return images.length > 0 ? [...new Set(images)] : undefined;
}

function podReadyCount(p: KObject): { ready: number; total: number; restarts: number } {
  const cs: any[] = Array.isArray(p.status?.containerStatuses) ? p.status.containerStatuses : [];
  const total = Array.isArray(p.spec?.containers) ? p.spec.containers.length : cs.length;
  return {
    ready: cs.filter((c) => c?.ready === true).length,
    total,
    restarts: cs.reduce((n, c) => n + (typeof c?.restartCount === 'number' ? c.restartCount : 0), 0),
  };
}

/** The roles a Rollout gives one of its ReplicaSets (the view `gantry rollout get` shows). */
export function rolloutRoles(rollout: KObject, rs: KObject): string[] {
  return rolloutView(rollout, [rs], []).revisions[0]?.roles ?? [];
}

function infoOf(o: KObject, parent: KObject | undefined): Info {
  const info: Info = [];
  const add = (name: string, value: unknown) => {
    if (value !== undefined && value !== null && value !== '') {
      info.push({ name, value: String(value) });
    }
  };
  switch (o.kind) {
    case 'Deployment':
    case 'Rollout':
    case 'StatefulSet':
    case 'ReplicaSet': {
      add('Replicas', `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 1}`);
      add(
        'Revision',
        o.metadata.annotations?.[DEPLOYMENT_REVISION] ?? o.metadata.annotations?.[ROLLOUT_REVISION],
      );
      if (o.kind === 'Rollout') {
        add('Strategy', o.spec?.strategy?.blueGreen ? 'blueGreen' : 'canary');
        add('Phase', o.status?.phase);
      }
      if (o.kind === 'ReplicaSet' && parent?.kind === 'Rollout') {
        add('Role', rolloutRoles(parent, o).join(', '));
      }
      break;
    }
    case 'DaemonSet':
      add('Replicas', `${o.status?.numberReady ?? 0}/${o.status?.desiredNumberScheduled ?? 0}`);
      break;
    case 'Pod': {
      const c = podReadyCount(o);
      add('Phase', o.metadata.deletionTimestamp ? 'Terminating' : (o.status?.phase ?? 'Pending'));
      add('Ready', `${c.ready}/${c.total}`);
      add('Restarts', c.restarts);
      add('Node', o.spec?.nodeName);
      add('IP', o.status?.podIP);
      break;
    }
    case 'Service': {
      add('Type', o.spec?.type ?? 'ClusterIP');
      add('ClusterIP', o.spec?.clusterIP);
      const ports: any[] = Array.isArray(o.spec?.ports) ? o.spec.ports : [];
      add(
        'Ports',
        ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(','),
      );
      break;
    }
    case 'Endpoints': {
      const subsets: any[] = Array.isArray(o.subsets) ? o.subsets : [];
      add(
        'Ready',
        subsets.reduce((n, s) => n + (Array.isArray(s.addresses) ? s.addresses.length : 0), 0),
      );
      add(
        'NotReady',
        subsets.reduce(
          (n, s) => n + (Array.isArray(s.notReadyAddresses) ? s.notReadyAddresses.length : 0),
          0,
        ),
      );
      break;
    }
    case 'Job':
      add('Succeeded', o.status?.succeeded ?? 0);
      add('Failed', o.status?.failed ?? 0);
      break;
    case 'ConfigMap':
    case 'Secret':
      add('Keys', Object.keys({ ...(o.data ?? {}), ...(o.binaryData ?? {}) }).length);
      break;
  }
  return info;
}

function missingId(r: { group: string; kind: string; namespace: string; name: string }): string {
  return `missing:${r.group}/${r.kind}/${r.namespace}/${r.name}`;
}

function nodeOf(
  o: KObject,
  parentId: string,
  parent: KObject | undefined,
  descendants: readonly KObject[],
  sync?: TreeSync,
): TreeNode {
  const { group, version } = splitApiVersion(o.apiVersion ?? '');
  const health =
    hasHealthCheck(group, o.kind) || o.metadata.deletionTimestamp
      ? assessHealth(
          o,
          descendants.filter((d) => d.kind === 'Pod'),
        )
      : undefined;
  const images = imagesOf(o);
  return {
    id: o.metadata.uid ?? `live:${keyString(keyOf(o))}`,
    parentId,
    group,
    version,
    kind: o.kind,
    ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
    name: o.metadata.name ?? '',
    ...(o.metadata.uid ? { uid: o.metadata.uid } : {}),
    ...(sync ? { sync } : {}),
    ...(health
      ? { health: { status: health.status, ...(health.message ? { message: health.message } : {}) } }
      : {}),
    info: infoOf(o, parent),
    ...(images ? { images } : {}),
    ...(o.metadata.creationTimestamp ? { createdAt: o.metadata.creationTimestamp } : {}),
  };
}

/**
 * The tree of `app` over `live` (objects of its destination namespaces; those of other apps are
 * left out). Nodes come parents first: root, managed resources in status order, then descendants.
 */
export function applicationTree(app: KObject, live: readonly KObject[]): TreeNode[] {
  const name = app.metadata.name ?? '';
  const st = app.status ?? {};
  const nodes: TreeNode[] = [
    {
      id: ROOT_ID,
      group: 'argoproj.io',
      version: 'v1alpha1',
      kind: 'Application',
      namespace: app.metadata.namespace ?? 'gantry',
      name,
      ...(app.metadata.uid ? { uid: app.metadata.uid } : {}),
      sync: (['Synced', 'OutOfSync'].includes(st.sync?.status) ? st.sync.status : 'Unknown') as TreeSync,
      health: {
        status: String(st.health?.status ?? 'Unknown'),
        ...(st.health?.message ? { message: String(st.health.message) } : {}),
      },
      info: [
        ...(typeof st.sync?.revision === 'string'
          ? [{ name: 'Revision', value: st.sync.revision.slice(0, 7) }]
          : []),
        ...(st.operationState?.phase ? [{ name: 'Operation', value: String(st.operationState.phase) }] : []),
      ],
      ...(app.metadata.creationTimestamp ? { createdAt: app.metadata.creationTimestamp } : {}),
    },
  ];
  const byKey = new Map(live.map((o) => [keyString(keyOf(o)), o]));
  const byUid = new Map(live.filter((o) => o.metadata.uid).map((o) => [o.metadata.uid!, o]));
  // children by owner uid (Endpoints: by their Service)
  const children = new Map<string, KObject[]>();
  const addChild = (ownerUid: string, o: KObject) => {
    const list = children.get(ownerUid) ?? [];
    list.push(o);
    children.set(ownerUid, list);
  };
  for (const o of live) {
    const owner = o.metadata.ownerReferences?.find((r) => r.controller) ?? o.metadata.ownerReferences?.[0];
    if (owner && byUid.has(owner.uid)) {
      addChild(owner.uid, o);
    } else if (o.kind === 'Endpoints' && splitApiVersion(o.apiVersion ?? '').group === '') {
      const svc = byKey.get(
        keyString({
          group: '',
          kind: 'Service',
          namespace: o.metadata.namespace ?? '',
          name: o.metadata.name ?? '',
        }),
      );
      if (svc?.metadata.uid) {
        addChild(svc.metadata.uid, o);
      }
    }
  }
  const descendantsOf = (o: KObject): KObject[] => {
    const out: KObject[] = [];
    const stack = [...(children.get(o.metadata.uid ?? '') ?? [])];
    const seen = new Set<string>();
    while (stack.length > 0) {
      const c = stack.pop()!;
      if (seen.has(c.metadata.uid ?? '')) {
        continue;
      }
      seen.add(c.metadata.uid ?? '');
      out.push(c);
      stack.push(...(children.get(c.metadata.uid ?? '') ?? []));
    }
    return out;
  };
  const placed = new Set<string>();
  const managed: { obj: KObject; sync: TreeSync }[] = [];
  const resources: ResourceStatus[] = Array.isArray(st.resources) ? st.resources : [];
  for (const r of resources) {
    const key = { group: r.group ?? '', kind: r.kind, namespace: r.namespace ?? '', name: r.name };
    const obj = byKey.get(keyString(key));
    if (!obj) {
      nodes.push({
        id: missingId(key),
        parentId: ROOT_ID,
        group: key.group,
        version: r.version ?? 'v1',
        kind: r.kind,
        ...(key.namespace ? { namespace: key.namespace } : {}),
        name: r.name,
        sync: 'Missing',
        health: { status: 'Missing' },
        info: [],
      });
      continue;
    }
    managed.push({ obj, sync: r.status === 'Synced' || r.status === 'OutOfSync' ? r.status : 'Unknown' });
    placed.add(keyString(key));
  }
  // live objects with this app's tracking id that the status does not list (yet)
  for (const o of live) {
    const k = keyString(keyOf(o));
    if (!placed.has(k) && trackedBy(o) === name && !o.metadata.ownerReferences?.length) {
      managed.push({ obj: o, sync: 'Unknown' });
      placed.add(k);
    }
  }
  const emitted = new Set<string>();
  const emit = (o: KObject, parentId: string, parent: KObject | undefined, sync?: TreeSync) => {
    const uid = o.metadata.uid;
    if (uid && emitted.has(uid)) {
      return;
    }
    if (uid) {
      emitted.add(uid);
    }
    const node = nodeOf(o, parentId, parent, descendantsOf(o), sync);
    nodes.push(node);
    const kids = [...(children.get(uid ?? '') ?? [])].sort(byKindThenName);
    for (const c of kids) {
      emit(c, node.id, o);
    }
  };
  for (const m of managed) {
    emit(m.obj, ROOT_ID, undefined, m.sync);
  }
  return nodes;
}

const KIND_ORDER = ['ReplicaSet', 'Pod', 'Endpoints'];

function byKindThenName(a: KObject, b: KObject): number {
  const ka = KIND_ORDER.indexOf(a.kind);
  const kb = KIND_ORDER.indexOf(b.kind);
  if (ka !== kb) {
    return ka - kb;
  }
  const ra = Number(
    a.metadata.annotations?.[DEPLOYMENT_REVISION] ?? a.metadata.annotations?.[ROLLOUT_REVISION] ?? 0,
  );
  const rb = Number(
    b.metadata.annotations?.[DEPLOYMENT_REVISION] ?? b.metadata.annotations?.[ROLLOUT_REVISION] ?? 0,
  );
  if (ra !== rb) {
    return rb - ra;
  }
  return (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}
