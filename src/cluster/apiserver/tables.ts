// `meta.k8s.io/v1` Table responses: what `kubectl get` asks for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. One printer per resource, chosen by
// `group/plural`; anything without one gets NAME and AGE. Pure: no I/O, the clock is passed in.
import type { ResourceInfo } from '../../api/resources.js';
import type { KObject } from '../../api/types.js';
import {
  configMapPrinter,
  endpointsPrinter,
  eventPrinter,
  leasePrinter,
  namespacePrinter,
  nodePrinter,
  resourceQuotaPrinter,
  secretPrinter,
  serviceAccountPrinter,
  servicePrinter,
} from './table-core.js';
import type { ColumnDefinition, Printer, RowCondition } from './table-format.js';
import { podPrinter } from './table-pod.js';
import {
  applicationPrinter,
  controllerRevisionPrinter,
  daemonSetPrinter,
  defaultPrinter,
  deploymentPrinter,
  jobPrinter,
  replicaSetPrinter,
  rolloutPrinter,
  statefulSetPrinter,
} from './table-workloads.js';

export type { ColumnDefinition, RowCondition } from './table-format.js';
export { humanDuration } from './table-format.js';

export type IncludeObject = 'Object' | 'Metadata' | 'None';

export interface TableOptions {
  includeObject: IncludeObject;
  now: Date;
  listResourceVersion?: string;
  continueToken?: string;
}

export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: 'meta.k8s.io/v1';
  metadata: KObject['metadata'];
}

export interface TableRow {
  cells: unknown[];
  conditions?: RowCondition[];
  object?: KObject | PartialObjectMetadata;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string };
  columnDefinitions: ColumnDefinition[];
  rows: TableRow[];
}

/** Printers by `group/plural` (core group is ''). */
const PRINTERS: Readonly<Record<string, Printer>> = {
  '/pods': podPrinter,
  '/nodes': nodePrinter,
  '/namespaces': namespacePrinter,
  '/services': servicePrinter,
  '/endpoints': endpointsPrinter,
  '/configmaps': configMapPrinter,
  '/secrets': secretPrinter,
  '/serviceaccounts': serviceAccountPrinter,
  '/events': eventPrinter,
  '/resourcequotas': resourceQuotaPrinter,
  'coordination.k8s.io/leases': leasePrinter,
  'apps/deployments': deploymentPrinter,
  'apps/replicasets': replicaSetPrinter,
  'apps/daemonsets': daemonSetPrinter,
  'apps/statefulsets': statefulSetPrinter,
  'apps/controllerrevisions': controllerRevisionPrinter,
  'batch/jobs': jobPrinter,
  'argoproj.io/rollouts': rolloutPrinter,
  'argoproj.io/applications': applicationPrinter,
};

export function printerFor(info: Pick<ResourceInfo, 'group' | 'plural'>): Printer {
  return PRINTERS[`${info.group}/${info.plural}`] ?? defaultPrinter;
}

function rowObject(obj: KObject, include: IncludeObject): KObject | PartialObjectMetadata | undefined {
  switch (include) {
    case 'Object':
      return obj;
    case 'Metadata':
      return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
    case 'None':
      return undefined;
  }
}

/**
 * Converts objects of one resource into a Table. Every column is filled, the wide (priority > 0)
 * ones too: kubectl drops those itself unless `-o wide`.
 */
export function toTable(info: ResourceInfo, objects: readonly KObject[], opts: TableOptions): Table {
  const printer = printerFor(info);
  const rows = objects.map((obj): TableRow => {
    const row: TableRow = { cells: printer.cells(obj, opts.now) };
    const conditions = printer.conditions?.(obj);
    if (conditions) {
      row.conditions = conditions;
    }
    const object = rowObject(obj, opts.includeObject);
    if (object) {
      row.object = object;
    }
    return row;
  });
  const metadata: Table['metadata'] = {};
  if (opts.listResourceVersion !== undefined) {
    metadata.resourceVersion = opts.listResourceVersion;
  }
  if (opts.continueToken) {
    metadata.continue = opts.continueToken;
  }
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: printer.columns.map((c) => ({ ...c })),
    rows,
  };
}
