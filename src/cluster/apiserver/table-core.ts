// Table printers for core (v1) and coordination resources other than pods: nodes, namespaces,
// services, endpoints, config maps, secrets, service accounts, events, resource quotas, leases.
import type { KObject } from '../../api/types.js';
import {
  AGE_COLUMN,
  col,
  formatLabels,
  int,
  joinHostPort,
  NAME_COLUMN,
  type Printer,
  since,
  str,
} from './table-format.js';

const name = (o: KObject) => o.metadata.name ?? '';
const age = (o: KObject, now: Date) => since(o.metadata.creationTimestamp, now);

function nodeRoles(labels: Record<string, string> | undefined): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role !== '') {
        roles.add(role);
      }
    } else if (k === 'kubernetes.io/role' && v !== '') {
      roles.add(v);
    }
  }
  return roles.size === 0 ? '<none>' : [...roles].sort().join(',');
}

function nodeAddress(node: KObject, type: string): string {
  const a = (node.status?.addresses ?? []).find((x: any) => x?.type === type);
  return str(a?.address) || '<none>';
}

export const nodePrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Status', 'string', 'Readiness of the node, and whether scheduling is disabled.'),
    col('Roles', 'string', 'Roles taken from node-role.kubernetes.io/* labels.'),
    AGE_COLUMN,
    col('Version', 'string', 'Version the node agent reports.'),
    col('Internal-IP', 'string', 'First internal address of the node.', 1),
    col('External-IP', 'string', 'First external address of the node.', 1),
    col('OS-Image', 'string', 'Operating system image the node reports.', 1),
    col('Kernel-Version', 'string', 'Kernel version the node reports.', 1),
    col('Container-Runtime', 'string', 'Container runtime and version the node reports.', 1),
  ],
  cells(node, now) {
    const status: string[] = [];
    const readyCond = (node.status?.conditions ?? []).find((c: any) => c?.type === 'Ready');
    if (readyCond) {
      status.push(readyCond.status === 'True' ? 'Ready' : 'NotReady');
    } else {
      status.push('Unknown');
    }
    if (node.spec?.unschedulable === true) {
      status.push('SchedulingDisabled');
    }
    const info = node.status?.nodeInfo ?? {};
    return [
      name(node),
      status.join(','),
      nodeRoles(node.metadata.labels),
      age(node, now),
      str(info.kubeletVersion),
      nodeAddress(node, 'InternalIP'),
      nodeAddress(node, 'ExternalIP'),
      str(info.osImage) || '<unknown>',
      str(info.kernelVersion) || '<unknown>',
      str(info.containerRuntimeVersion) || '<unknown>',
    ];
  },
};

export const namespacePrinter: Printer = {
  columns: [NAME_COLUMN, col('Status', 'string', 'Lifecycle phase of the namespace.'), AGE_COLUMN],
  cells: (ns, now) => [name(ns), str(ns.status?.phase), age(ns, now)],
};

function serviceExternalIP(svc: KObject): string {
  const spec = svc.spec ?? {};
  const externalIPs: string[] = spec.externalIPs ?? [];
  switch (spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length > 0 ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const ingress: any[] = svc.status?.loadBalancer?.ingress ?? [];
      const lb = ingress.map((i) => str(i?.ip) || str(i?.hostname)).filter((x) => x !== '');
      const all = [...lb, ...externalIPs];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return str(spec.externalName);
    default:
      return '<unknown>';
  }
}

function servicePorts(ports: any[] | undefined): string {
  const parts = (ports ?? []).map((p) => {
    const proto = str(p.protocol) || 'TCP';
    return p.nodePort > 0 ? `${p.port}:${p.nodePort}/${proto}` : `${p.port}/${proto}`;
  });
  return parts.length > 0 ? parts.join(',') : '<none>';
}

export const servicePrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Type', 'string', 'How the service is exposed.'),
    col('Cluster-IP', 'string', 'Virtual IP of the service inside the cluster.'),
    col('External-IP', 'string', 'Addresses the service is reachable on from outside.'),
    col('Port(s)', 'string', 'Service ports, with node ports, and protocols.'),
    AGE_COLUMN,
    col('Selector', 'string', 'Pods the service routes to.', 1),
  ],
  cells(svc, now) {
    const spec = svc.spec ?? {};
    const clusterIP = str(spec.clusterIPs?.[0]) || str(spec.clusterIP) || '<none>';
    return [
      name(svc),
      str(spec.type) || 'ClusterIP',
      clusterIP,
      serviceExternalIP(svc),
      servicePorts(spec.ports),
      age(svc, now),
      formatLabels(spec.selector),
    ];
  },
};

const MAX_ENDPOINTS = 3;

function formatEndpoints(subsets: any[] | undefined): string {
  if (!subsets || subsets.length === 0) {
    return '<none>';
  }
  const list: string[] = [];
  let count = 0;
  let more = false;
  const add = (entry: string) => {
    if (list.length === MAX_ENDPOINTS) {
      more = true;
    } else {
      list.push(entry);
    }
  };
  for (const ss of subsets) {
    const addresses: any[] = ss?.addresses ?? [];
    const ports: any[] = ss?.ports ?? [];
    if (ports.length === 0) {
      count += addresses.length;
      for (const a of addresses) {
        add(str(a?.ip));
      }
      continue;
    }
    for (const port of ports) {
      count += addresses.length;
      for (const a of addresses) {
        add(joinHostPort(str(a?.ip), int(port?.port)));
      }
    }
  }
  const text = list.join(',');
  return more ? `${text} + ${count - MAX_ENDPOINTS} more...` : text;
}

export const endpointsPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Endpoints', 'string', 'Ready addresses and ports behind the service.'),
    AGE_COLUMN,
  ],
  cells: (ep, now) => [name(ep), formatEndpoints(ep.subsets), age(ep, now)],
};

const count = (m: unknown) => (m && typeof m === 'object' ? Object.keys(m).length : 0);

export const configMapPrinter: Printer = {
  columns: [NAME_COLUMN, col('Data', 'integer', 'Number of keys in data and binaryData.'), AGE_COLUMN],
  cells: (cm, now) => [name(cm), count(cm.data) + count(cm.binaryData), age(cm, now)],
};

export const secretPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Type', 'string', 'Type of the secret.'),
    col('Data', 'integer', 'Number of keys in data.'),
    AGE_COLUMN,
  ],
  cells: (s, now) => [name(s), str(s.type) || 'Opaque', count(s.data), age(s, now)],
};

export const serviceAccountPrinter: Printer = {
  columns: [NAME_COLUMN, col('Secrets', 'integer', 'Number of secrets listed on the account.'), AGE_COLUMN],
  cells: (sa, now) => [name(sa), Array.isArray(sa.secrets) ? sa.secrets.length : 0, age(sa, now)],
};

function eventSource(ev: KObject): string {
  const component = str(ev.source?.component) || str(ev.reportingComponent);
  const instance = str(ev.source?.host) || str(ev.reportingInstance);
  return instance === '' ? component : `${component}, ${instance}`;
}

export const eventPrinter: Printer = {
  columns: [
    col('Last Seen', 'string', 'Time since the event was last observed.'),
    col('Type', 'string', 'Normal or Warning.'),
    col('Reason', 'string', 'Short machine-readable reason.'),
    col('Object', 'string', 'The object the event is about.'),
    col('Subobject', 'string', 'Field path within the object.', 1),
    col('Source', 'string', 'Component (and host) that reported the event.', 1),
    col('Message', 'string', 'Human-readable description.'),
    col('First Seen', 'string', 'Time since the event was first observed.', 1),
    col('Count', 'integer', 'How many times the event occurred.', 1),
    col('Name', 'string', 'Name of the event object.', 1, 'name'),
  ],
  cells(ev, now) {
    const first = str(ev.firstTimestamp) !== '' ? since(ev.firstTimestamp, now) : since(ev.eventTime, now);
    let last = str(ev.lastTimestamp) !== '' ? since(ev.lastTimestamp, now) : first;
    let times = int(ev.count);
    if (ev.series) {
      last = since(ev.series.lastObservedTime, now);
      times = int(ev.series.count);
    } else if (times === 0) {
      times = 1;
    }
    const involved = ev.involvedObject ?? {};
    const kind = str(involved.kind).toLowerCase();
    const target = str(involved.name) !== '' ? `${kind}/${involved.name}` : kind;
    return [
      last,
      str(ev.type),
      str(ev.reason),
      target,
      str(involved.fieldPath),
      eventSource(ev),
      str(ev.message).trim(),
      first,
      times,
      name(ev),
    ];
  },
};

function quantity(v: unknown): string {
  if (typeof v === 'number') {
    return String(v);
  }
  return typeof v === 'string' && v !== '' ? v : '0';
}

export const resourceQuotaPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    AGE_COLUMN,
    col('Request', 'string', 'Used out of hard limit for each request resource.'),
    col('Limit', 'string', 'Used out of hard limit for each limits.* resource.'),
  ],
  cells(q, now) {
    const hard: Record<string, unknown> = q.status?.hard ?? {};
    const used: Record<string, unknown> = q.status?.used ?? {};
    const requests: string[] = [];
    const limits: string[] = [];
    for (const res of Object.keys(hard).sort()) {
      const text = `${res}: ${quantity(used[res])}/${quantity(hard[res])}`;
      (res.split('.')[0] === 'limits' && res.includes('.') ? limits : requests).push(text);
    }
    return [name(q), age(q, now), requests.join(', '), limits.join(', ')];
  },
};

export const leasePrinter: Printer = {
  columns: [NAME_COLUMN, col('Holder', 'string', 'Identity currently holding the lease.'), AGE_COLUMN],
  cells: (l, now) => [name(l), str(l.spec?.holderIdentity), age(l, now)],
};
