// The Pod row of `kubectl get pods`: READY, the one-word STATUS kubectl derives from phase and
// container states, RESTARTS with the time of the last one, and the wide columns.
import type { Container, KObject, PodCondition } from '../../api/types.js';
import {
  AGE_COLUMN,
  col,
  humanDuration,
  NAME_COLUMN,
  type Printer,
  type RowCondition,
  since,
} from './table-format.js';

const POD_COLUMNS = [
  NAME_COLUMN,
  col('Ready', 'string', 'Ready containers out of all the containers that count for readiness.'),
  col('Status', 'string', 'One word for the state of the pod and its containers.'),
  col('Restarts', 'string', 'Container restarts, with the time since the latest one.'),
  AGE_COLUMN,
  col('IP', 'string', 'The IP address given to the pod.', 1),
  col('Node', 'string', 'The node the pod is bound to.', 1),
  col('Nominated Node', 'string', 'The node the scheduler nominated while preempting.', 1),
  col('Readiness Gates', 'string', 'Readiness gates that are True out of those declared.', 1),
];

const NODE_UNREACHABLE_REASON = 'NodeLost';

function isRestartableInit(c: Container | undefined): boolean {
  return c?.restartPolicy === 'Always';
}

function conditionTrue(conditions: readonly PodCondition[] | undefined, type: string): boolean {
  return (conditions ?? []).some((c) => c.type === type && c.status === 'True');
}

function finishedAt(cs: any): number | undefined {
  const t = cs?.lastState?.terminated?.finishedAt;
  if (typeof t !== 'string') {
    return undefined;
  }
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? undefined : ms;
}

function terminatedReason(terminated: any, prefix: string): string {
  if (typeof terminated.reason === 'string' && terminated.reason !== '') {
    return prefix + terminated.reason;
  }
  if (terminated.signal) {
    return `${prefix}Signal:${terminated.signal}`;
  }
  return `${prefix}ExitCode:${terminated.exitCode ?? 0}`;
}

function podCells(pod: KObject, now: Date): unknown[] {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  const conditions: PodCondition[] | undefined = status.conditions;
  const initSpecs: Container[] = spec.initContainers ?? [];
  const initByName = new Map(initSpecs.map((c) => [c.name, c]));
  const total = (spec.containers ?? []).length + initSpecs.filter(isRestartableInit).length;
  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart: number | undefined;
  let lastSidecarRestart: number | undefined;
  const later = (a: number | undefined, b: number | undefined) =>
    b !== undefined && (a === undefined || b > a) ? b : a;

  let reason: string = status.reason || status.phase || '';
  if ((conditions ?? []).some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) {
    reason = 'SchedulingGated';
  }

  let initializing = false;
  const initStatuses: any[] = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i];
    const restartable = isRestartableInit(initByName.get(cs.name));
    restarts += cs.restartCount ?? 0;
    lastRestart = later(lastRestart, finishedAt(cs));
    if (restartable) {
      sidecarRestarts += cs.restartCount ?? 0;
      lastSidecarRestart = later(lastSidecarRestart, finishedAt(cs));
    }
    const state = cs.state ?? {};
    if (state.terminated && (state.terminated.exitCode ?? 0) === 0) {
      continue;
    }
    if (restartable && cs.started === true) {
      if (cs.ready) {
        ready++;
      }
      continue;
    }
    if (state.terminated) {
      reason = terminatedReason(state.terminated, 'Init:');
    } else if (state.waiting?.reason && state.waiting.reason !== 'PodInitializing') {
      reason = `Init:${state.waiting.reason}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(conditions, 'Initialized')) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses: any[] = status.containerStatuses ?? [];
    // Walk backwards so the first container's state wins, as kubectl does.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i];
      restarts += cs.restartCount ?? 0;
      lastRestart = later(lastRestart, finishedAt(cs));
      const state = cs.state ?? {};
      if (state.waiting?.reason) {
        reason = state.waiting.reason;
      } else if (state.terminated) {
        reason = terminatedReason(state.terminated, '');
      } else if (cs.ready && state.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = conditionTrue(conditions, 'Ready') ? 'Running' : 'NotReady';
    }
  }

  const deleting = typeof pod.metadata.deletionTimestamp === 'string';
  const terminal = status.phase === 'Succeeded' || status.phase === 'Failed';
  if (deleting && status.reason === NODE_UNREACHABLE_REASON) {
    reason = 'Unknown';
  } else if (deleting && !terminal) {
    reason = 'Terminating';
  }

  let restartsCell = String(restarts);
  if (restarts !== 0 && lastRestart !== undefined) {
    restartsCell = `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`;
  }

  const podIP: string = status.podIPs?.[0]?.ip || status.podIP || '<none>';
  const gates: { conditionType: string }[] = spec.readinessGates ?? [];
  let gatesCell = '<none>';
  if (gates.length > 0) {
    const trueGates = gates.filter((g) => {
      const c = (conditions ?? []).find((x) => x.type === g.conditionType);
      return c?.status === 'True';
    }).length;
    gatesCell = `${trueGates}/${gates.length}`;
  }
  return [
    pod.metadata.name ?? '',
    `${ready}/${total}`,
    reason,
    restartsCell,
    since(pod.metadata.creationTimestamp, now),
    podIP,
    spec.nodeName || '<none>',
    status.nominatedNodeName || '<none>',
    gatesCell,
  ];
}

/** Succeeded and Failed pods carry a `Completed` row condition, as the API server adds. */
function podConditions(pod: KObject): RowCondition[] | undefined {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded') {
    return [
      { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod finished successfully.' },
    ];
  }
  if (phase === 'Failed') {
    return [
      { type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod finished with a failure.' },
    ];
  }
  return undefined;
}

export const podPrinter: Printer = { columns: POD_COLUMNS, cells: podCells, conditions: podConditions };
