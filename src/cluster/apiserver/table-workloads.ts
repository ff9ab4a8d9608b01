// Table printers for workloads (apps/v1, batch/v1) and for the Argo kinds, whose columns follow the
// additionalPrinterColumns of their CRDs (the Rollout and Application CRDs users install with Argo).
import { splitApiVersion } from '../../api/resources.js';
import type { KObject } from '../../api/types.js';
import {
  AGE_COLUMN,
  col,
  containerCells,
  formatLabelSelector,
  formatLabels,
  humanDuration,
  int,
  NAME_COLUMN,
  type Printer,
  selectorString,
  since,
  str,
} from './table-format.js';

const name = (o: KObject) => o.metadata.name ?? '';
const age = (o: KObject, now: Date) => since(o.metadata.creationTimestamp, now);
const podContainers = (o: KObject) => o.spec?.template?.spec?.containers;

const CONTAINERS = col('Containers', 'string', 'Names of the containers in the pod template.', 1);
const IMAGES = col('Images', 'string', 'Images of the containers in the pod template.', 1);
const SELECTOR = col('Selector', 'string', 'Label selector for the pods.', 1);

export const deploymentPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Ready', 'string', 'Ready replicas out of desired replicas.'),
    col('Up-to-date', 'integer', 'Replicas running the current pod template.'),
    col('Available', 'integer', 'Replicas available to serve.'),
    AGE_COLUMN,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  cells(d, now) {
    const [containers, images] = containerCells(podContainers(d));
    const s = d.status ?? {};
    return [
      name(d),
      `${int(s.readyReplicas)}/${int(d.spec?.replicas, 1)}`,
      int(s.updatedReplicas),
      int(s.availableReplicas),
      age(d, now),
      containers,
      images,
      selectorString(d.spec?.selector),
    ];
  },
};

export const replicaSetPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Desired', 'integer', 'Replicas wanted.'),
    col('Current', 'integer', 'Replicas that exist.'),
    col('Ready', 'integer', 'Replicas that are ready.'),
    AGE_COLUMN,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  cells(rs, now) {
    const [containers, images] = containerCells(podContainers(rs));
    const s = rs.status ?? {};
    return [
      name(rs),
      int(rs.spec?.replicas, 1),
      int(s.replicas),
      int(s.readyReplicas),
      age(rs, now),
      containers,
      images,
      formatLabelSelector(rs.spec?.selector),
    ];
  },
};

export const daemonSetPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Desired', 'integer', 'Nodes that should run the daemon pod.'),
    col('Current', 'integer', 'Nodes running at least one daemon pod.'),
    col('Ready', 'integer', 'Nodes whose daemon pod is ready.'),
    col('Up-to-date', 'integer', 'Nodes running the current pod template.'),
    col('Available', 'integer', 'Nodes whose daemon pod is available.'),
    col('Node Selector', 'string', 'Node labels the pods are restricted to.'),
    AGE_COLUMN,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  cells(ds, now) {
    const [containers, images] = containerCells(podContainers(ds));
    const s = ds.status ?? {};
    return [
      name(ds),
      int(s.desiredNumberScheduled),
      int(s.currentNumberScheduled),
      int(s.numberReady),
      int(s.updatedNumberScheduled),
      int(s.numberAvailable),
      formatLabels(ds.spec?.template?.spec?.nodeSelector),
      age(ds, now),
      containers,
      images,
      formatLabelSelector(ds.spec?.selector),
    ];
  },
};

export const statefulSetPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Ready', 'string', 'Ready replicas out of desired replicas.'),
    AGE_COLUMN,
    CONTAINERS,
    IMAGES,
  ],
  cells(sts, now) {
    const [containers, images] = containerCells(podContainers(sts));
    return [
      name(sts),
      `${int(sts.status?.readyReplicas)}/${int(sts.spec?.replicas, 1)}`,
      age(sts, now),
      containers,
      images,
    ];
  },
};

export const controllerRevisionPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Controller', 'string', 'The object that owns this revision.'),
    col('Revision', 'integer', 'Revision number.'),
    AGE_COLUMN,
  ],
  cells(cr, now) {
    const owner = (cr.metadata.ownerReferences ?? []).find((o) => o.controller === true);
    let controller = '<none>';
    if (owner) {
      const { group } = splitApiVersion(owner.apiVersion);
      const groupKind = group === '' ? owner.kind : `${owner.kind}.${group}`;
      controller = `${groupKind.toLowerCase()}/${owner.name}`;
    }
    return [name(cr), controller, int(cr.revision), age(cr, now)];
  },
};

function jobCondition(job: KObject, type: string): boolean {
  return (job.status?.conditions ?? []).some((c: any) => c?.type === type && c?.status === 'True');
}

function jobStatus(job: KObject): string {
  if (jobCondition(job, 'Complete')) {
    return 'Complete';
  }
  if (jobCondition(job, 'Failed')) {
    return 'Failed';
  }
  if (typeof job.metadata.deletionTimestamp === 'string') {
    return 'Terminating';
  }
  for (const type of ['Suspended', 'FailureTarget', 'SuccessCriteriaMet']) {
    if (jobCondition(job, type)) {
      return type;
    }
  }
  return 'Running';
}

export const jobPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Status', 'string', 'Overall state of the job.'),
    col('Completions', 'string', 'Succeeded pods out of the completions wanted.'),
    col('Duration', 'string', 'Time the job ran, or has been running.'),
    AGE_COLUMN,
    CONTAINERS,
    IMAGES,
    SELECTOR,
  ],
  cells(job, now) {
    const spec = job.spec ?? {};
    const status = job.status ?? {};
    const succeeded = int(status.succeeded);
    let completions: string;
    if (typeof spec.completions === 'number') {
      completions = `${succeeded}/${spec.completions}`;
    } else {
      const parallelism = int(spec.parallelism);
      completions = parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
    }
    const start = Date.parse(str(status.startTime));
    const end = Date.parse(str(status.completionTime));
    let duration = '';
    if (!Number.isNaN(start)) {
      duration = humanDuration((Number.isNaN(end) ? now.getTime() : end) - start);
    }
    const [containers, images] = containerCells(podContainers(job));
    return [
      name(job),
      jobStatus(job),
      completions,
      duration,
      age(job, now),
      containers,
      images,
      formatLabelSelector(spec.selector),
    ];
  },
};

/** An additionalPrinterColumns-style integer cell: absent → null (kubectl prints it empty). */
function intOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : null;
}

function strOrNull(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

export const rolloutPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Desired', 'integer', 'Number of desired pods.'),
    col('Current', 'integer', 'Non-terminated pods targeted by the rollout.'),
    col('Up-to-date', 'integer', 'Non-terminated pods that have the desired template.'),
    col('Available', 'integer', 'Pods available (ready for minReadySeconds).'),
    AGE_COLUMN,
  ],
  cells(ro, now) {
    const s = ro.status ?? {};
    return [
      name(ro),
      intOrNull(ro.spec?.replicas),
      intOrNull(s.replicas),
      intOrNull(s.updatedReplicas),
      intOrNull(s.availableReplicas),
      age(ro, now),
    ];
  },
};

export const applicationPrinter: Printer = {
  columns: [
    NAME_COLUMN,
    col('Sync Status', 'string', 'Whether the live state matches git.'),
    col('Health Status', 'string', 'Aggregated health of the application resources.'),
    col('Revision', 'string', 'Git revision last synced.', 10),
    col('Project', 'string', 'Project the application belongs to.', 10),
  ],
  cells(app) {
    const s = app.status ?? {};
    return [
      name(app),
      strOrNull(s.sync?.status),
      strOrNull(s.health?.status),
      strOrNull(s.sync?.revision),
      strOrNull(app.spec?.project),
    ];
  },
};

export const defaultPrinter: Printer = {
  columns: [NAME_COLUMN, AGE_COLUMN],
  cells: (o, now) => [name(o), age(o, now)],
};
