// The built-in health rules, one per kind, as Argo CD users know them: workloads are Progressing
// until their controller reports the rollout done, pods are Degraded when a container is stuck
// pulling or crash-looping, Jobs follow their conditions, Rollouts report their own phase. Pure.
import type { KObject } from '../api/types.js';
import type { HealthStatus, HealthStatusCode } from './health.js';

type Rule = (obj: KObject, children: readonly KObject[]) => HealthStatus;

export const healthy: HealthStatus = { status: 'Healthy' };

/** A status, with the message only when there is one. */
export function st(status: HealthStatusCode, message?: string): HealthStatus {
  return message === undefined || message === '' ? { status } : { status, message };
}

function num(v: unknown, dflt = 0): number {
  if (typeof v === 'number' && Number.isFinite(v)) {
    return v;
  }
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) {
    return Number(v);
  }
  return dflt;
}

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

function condition(obj: KObject, type: string): Condition | undefined {
  const conds: unknown = obj.status?.conditions;
  return Array.isArray(conds) ? (conds as Condition[]).find((c) => c?.type === type) : undefined;
}

function isTrue(c: Condition | undefined): boolean {
  return c?.status === 'True';
}

/** The controller has not yet seen the latest spec. */
function generationPending(obj: KObject): boolean {
  return num(obj.status?.observedGeneration) < num(obj.metadata.generation);
}

function deploymentHealth(d: KObject): HealthStatus {
  if (d.spec?.paused === true) {
    return st('Suspended', 'Deployment is paused');
  }
  if (generationPending(d)) {
    return st(
      'Progressing',
      'Waiting for rollout to finish: observed deployment generation less than desired generation',
    );
  }
  const s = d.status ?? {};
  const replicas = num(d.spec?.replicas, 1);
  const updated = num(s.updatedReplicas);
  const current = num(s.replicas);
  const available = num(s.availableReplicas);
  const progressing = condition(d, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return st('Degraded', `Deployment "${d.metadata.name}" exceeded its progress deadline`);
  }
  if (updated < replicas) {
    return st(
      'Progressing',
      `Waiting for rollout to finish: ${updated} out of ${replicas} new replicas have been updated...`,
    );
  }
  if (current > updated) {
    return st(
      'Progressing',
      `Waiting for rollout to finish: ${current - updated} old replicas are pending termination...`,
    );
  }
  if (available < updated) {
    return st(
      'Progressing',
      `Waiting for rollout to finish: ${available} of ${updated} updated replicas are available...`,
    );
  }
  return healthy;
}

function replicaSetHealth(rs: KObject): HealthStatus {
  if (generationPending(rs)) {
    return st(
      'Progressing',
      'Waiting for rollout to finish: observed replica set generation less than desired generation',
    );
  }
  const failure = condition(rs, 'ReplicaFailure');
  if (isTrue(failure)) {
    return st('Degraded', failure?.message ?? 'ReplicaSet cannot create its pods');
  }
  const replicas = num(rs.spec?.replicas, 1);
  const available = num(rs.status?.availableReplicas);
  if (available < replicas) {
    return st(
      'Progressing',
      `Waiting for rollout to finish: ${available} out of ${replicas} replicas are available...`,
    );
  }
  return healthy;
}

function statefulSetHealth(ss: KObject): HealthStatus {
  const s = ss.status ?? {};
  if (num(s.observedGeneration) === 0 || generationPending(ss)) {
    return st('Progressing', 'Waiting for the statefulset spec update to be observed...');
  }
  const replicas = num(ss.spec?.replicas, 1);
  const ready = num(s.readyReplicas);
  if (ready < replicas) {
    return st('Progressing', `Waiting for ${replicas - ready} pods to be ready...`);
  }
  const strategy = ss.spec?.updateStrategy ?? {};
  const partition = num(strategy.rollingUpdate?.partition);
  if ((strategy.type ?? 'RollingUpdate') === 'RollingUpdate' && partition > 0) {
    const wanted = replicas - partition;
    if (num(s.updatedReplicas) < wanted) {
      return st(
        'Progressing',
        `Waiting for partitioned roll out to finish: ${num(s.updatedReplicas)} out of ${wanted} new pods have been updated...`,
      );
    }
    return st(
      'Healthy',
      `partitioned roll out complete: ${num(s.updatedReplicas)} new pods have been updated...`,
    );
  }
  if (strategy.type === 'OnDelete') {
    return st('Healthy', `statefulset has ${ready} ready pods`);
  }
  if (s.updateRevision !== undefined && s.updateRevision !== s.currentRevision) {
    return st(
      'Progressing',
      `waiting for statefulset rolling update to complete ${num(s.updatedReplicas)} pods at revision ${s.updateRevision}...`,
    );
  }
  return st(
    'Healthy',
    `statefulset rolling update complete ${ready} pods at revision ${s.currentRevision ?? ''}...`,
  );
}

function daemonSetHealth(ds: KObject): HealthStatus {
  const s = ds.status ?? {};
  if (num(s.observedGeneration) === 0 || generationPending(ds)) {
    return st('Progressing', 'Waiting for the daemon set spec update to be observed...');
  }
  const desired = num(s.desiredNumberScheduled);
  const updated = num(s.updatedNumberScheduled);
  if (ds.spec?.updateStrategy?.type === 'OnDelete') {
    return st('Healthy', `daemon set ${updated} out of ${desired} new pods have been updated`);
  }
  if (updated < desired) {
    return st(
      'Progressing',
      `Waiting for daemon set "${ds.metadata.name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...`,
    );
  }
  const available = num(s.numberAvailable);
  if (available < desired) {
    return st(
      'Progressing',
      `Waiting for daemon set "${ds.metadata.name}" rollout to finish: ${available} of ${desired} updated pods are available...`,
    );
  }
  return healthy;
}

/** A waiting reason that will not fix itself: ErrImagePull, ImagePullBackOff, CrashLoopBackOff, CreateContainerConfigError… */
function isStuckWaitingReason(reason: string): boolean {
  return reason.startsWith('Err') || reason.endsWith('Error') || reason.endsWith('BackOff');
}

function failMessage(ctr: any): string {
  const t = ctr?.state?.terminated;
  if (!t) {
    return '';
  }
  if (typeof t.message === 'string' && t.message !== '') {
    return t.message;
  }
  if (t.reason === 'OOMKilled') {
    return 'OOMKilled';
  }
  return num(t.exitCode) !== 0 ? `container "${ctr.name}" exited with code ${num(t.exitCode)}` : '';
}

export function podHealth(pod: KObject): HealthStatus {
  const restartPolicy: string = pod.spec?.restartPolicy ?? 'Always';
  const s = pod.status ?? {};
  const statuses: any[] = Array.isArray(s.containerStatuses) ? s.containerStatuses : [];
  const initStatuses: any[] = Array.isArray(s.initContainerStatuses) ? s.initContainerStatuses : [];
  const message: string | undefined = s.message;
  // Only long-running pods: a hook pod (Never/OnFailure) must not fail its sync on a transient pull error.
  if (restartPolicy === 'Always') {
    const stuck = [...initStatuses, ...statuses].filter((c) => {
      const reason = c?.state?.waiting?.reason;
      return typeof reason === 'string' && isStuckWaitingReason(reason);
    });
    if (stuck.length > 0) {
      return st(
        'Degraded',
        stuck
          .map((c) => c.state.waiting.message || `container "${c.name}": ${c.state.waiting.reason}`)
          .join(', '),
      );
    }
  }
  switch (s.phase) {
    case 'Pending':
      return st('Progressing', message);
    case 'Succeeded':
      return st('Healthy', message);
    case 'Failed': {
      if (message) {
        return st('Degraded', message);
      }
      const first = [...initStatuses, ...statuses].map(failMessage).find((m) => m !== '');
      return st('Degraded', first);
    }
    case 'Running': {
      if (restartPolicy !== 'Always') {
        // A pod that runs to completion is not healthy until it has completed.
        return st('Progressing', message);
      }
      if (isTrue(condition(pod, 'Ready'))) {
        return st('Healthy', message);
      }
      if (statuses.some((c) => c?.lastState?.terminated)) {
        return st('Degraded', message);
      }
      return st('Progressing', message);
    }
    default:
      return st('Unknown', message);
  }
}

function loadBalancerHealth(obj: KObject): HealthStatus {
  const ingress: unknown = obj.status?.loadBalancer?.ingress;
  return Array.isArray(ingress) && ingress.length > 0 ? healthy : st('Progressing');
}

function serviceHealth(svc: KObject): HealthStatus {
  return svc.spec?.type === 'LoadBalancer' ? loadBalancerHealth(svc) : healthy;
}

function jobHealth(job: KObject): HealthStatus {
  const failed = condition(job, 'Failed');
  const complete = condition(job, 'Complete');
  const suspended = condition(job, 'Suspended');
  if (isTrue(failed)) {
    return st('Degraded', failed?.message);
  }
  if (isTrue(complete)) {
    return st('Healthy', complete?.message);
  }
  if (isTrue(suspended) || (job.spec?.suspend === true && num(job.status?.active) === 0)) {
    return st('Suspended', suspended?.message ?? 'Job is suspended');
  }
  return st('Progressing', job.status?.active ? `${num(job.status.active)} active pods` : undefined);
}

function namespaceHealth(ns: KObject): HealthStatus {
  return ns.status?.phase === 'Terminating' ? st('Progressing', 'Namespace is terminating') : healthy;
}

function pvcHealth(pvc: KObject): HealthStatus {
  switch (pvc.status?.phase) {
    case 'Bound':
      return healthy;
    case 'Pending':
      return st('Progressing');
    case 'Lost':
      return st('Degraded');
    default:
      return st('Unknown');
  }
}

function rolloutHealth(ro: KObject): HealthStatus {
  const invalid = condition(ro, 'InvalidSpec');
  if (invalid) {
    return st('Degraded', invalid.message);
  }
  if (ro.status?.observedGeneration !== undefined && generationPending(ro)) {
    return st('Progressing', 'Waiting for rollout spec update to be observed');
  }
  const phase: unknown = ro.status?.phase;
  if (typeof phase !== 'string' || phase === '') {
    return st('Progressing', 'Waiting for rollout status');
  }
  const message: string | undefined = ro.status?.message;
  switch (phase) {
    case 'Paused':
      return st('Suspended', message);
    case 'Healthy':
    case 'Progressing':
    case 'Degraded':
      return st(phase, message);
    default:
      return st('Unknown', message ?? `unknown rollout phase "${phase}"`);
  }
}

const HEALTH_CODES: readonly string[] = [
  'Healthy',
  'Progressing',
  'Degraded',
  'Suspended',
  'Missing',
  'Unknown',
];

function applicationHealth(app: KObject): HealthStatus {
  const h = app.status?.health;
  if (h && typeof h.status === 'string' && HEALTH_CODES.includes(h.status)) {
    return st(h.status as HealthStatusCode, h.message);
  }
  return st('Progressing');
}

/** Built-in rules by `group/Kind`. */
export const RULES: Readonly<Record<string, Rule>> = {
  'apps/Deployment': deploymentHealth,
  'extensions/Deployment': deploymentHealth,
  'apps/ReplicaSet': replicaSetHealth,
  'extensions/ReplicaSet': replicaSetHealth,
  'apps/StatefulSet': statefulSetHealth,
  'apps/DaemonSet': daemonSetHealth,
  'extensions/DaemonSet': daemonSetHealth,
  '/Pod': podHealth,
  '/Service': serviceHealth,
  '/Namespace': namespaceHealth,
  '/PersistentVolumeClaim': pvcHealth,
  'batch/Job': jobHealth,
  'networking.k8s.io/Ingress': loadBalancerHealth,
  'extensions/Ingress': loadBalancerHealth,
  'argoproj.io/Rollout': rolloutHealth,
  'argoproj.io/Application': applicationHealth,
};
