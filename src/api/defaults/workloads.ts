// Defaults of the workload kinds: Deployment, ReplicaSet, DaemonSet, StatefulSet, Job (Kubernetes)
// and Rollout (Argo Rollouts' documented defaults, which Argo applies when it reads the spec;
// Gantry stores them so every reader sees the same values).
import type { KObject } from '../types.js';
import { defaultPodTemplate, fill, obj } from './pod.js';

type Obj = Record<string, any>;

function specOf(o: KObject): Obj | undefined {
  return typeof o.spec === 'object' && o.spec !== null && !Array.isArray(o.spec) ? o.spec : undefined;
}

export function defaultDeployment(o: KObject): void {
  const spec = specOf(o);
  if (!spec) {
    return;
  }
  fill(spec, 'replicas', 1);
  const strategy = obj(spec, 'strategy');
  fill(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const ru = obj(strategy, 'rollingUpdate');
    fill(ru, 'maxUnavailable', '25%');
    fill(ru, 'maxSurge', '25%');
  }
  fill(spec, 'revisionHistoryLimit', 10);
  fill(spec, 'progressDeadlineSeconds', 600);
  defaultPodTemplate(spec.template);
}

export function defaultReplicaSet(o: KObject): void {
  const spec = specOf(o);
  if (!spec) {
    return;
  }
  fill(spec, 'replicas', 1);
  defaultPodTemplate(spec.template);
}

export function defaultDaemonSet(o: KObject): void {
  const spec = specOf(o);
  if (!spec) {
    return;
  }
  const us = obj(spec, 'updateStrategy');
  fill(us, 'type', 'RollingUpdate');
  if (us.type === 'RollingUpdate') {
    const ru = obj(us, 'rollingUpdate');
    fill(ru, 'maxUnavailable', 1);
    fill(ru, 'maxSurge', 0);
  }
  fill(spec, 'revisionHistoryLimit', 10);
  defaultPodTemplate(spec.template);
}

export function defaultStatefulSet(o: KObject): void {
  const spec = specOf(o);
  if (!spec) {
    return;
  }
  fill(spec, 'replicas', 1);
  fill(spec, 'podManagementPolicy', 'OrderedReady');
  const us = obj(spec, 'updateStrategy');
  fill(us, 'type', 'RollingUpdate');
  if (us.type === 'RollingUpdate') {
    fill(obj(us, 'rollingUpdate'), 'partition', 0);
  }
  fill(spec, 'revisionHistoryLimit', 10);
  const retention = obj(spec, 'persistentVolumeClaimRetentionPolicy');
  fill(retention, 'whenDeleted', 'Retain');
  fill(retention, 'whenScaled', 'Retain');
  defaultPodTemplate(spec.template);
}

export function defaultJob(o: KObject): void {
  const spec = specOf(o);
  if (!spec) {
    return;
  }
  if (
    (spec.completions === undefined || spec.completions === null) &&
    (spec.parallelism === undefined || spec.parallelism === null)
  ) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  fill(spec, 'parallelism', 1);
  fill(spec, 'backoffLimit', 6);
  fill(spec, 'completionMode', 'NonIndexed');
  fill(spec, 'suspend', false);
  fill(spec, 'podReplacementPolicy', spec.podFailurePolicy ? 'Failed' : 'TerminatingOrFailed');
  // A Job's pods must say OnFailure or Never themselves: validation rejects a missing policy.
  defaultPodTemplate(spec.template, false);
}

export function defaultRollout(o: KObject): void {
  const spec = specOf(o);
  if (!spec) {
    return;
  }
  fill(spec, 'replicas', 1);
  fill(spec, 'revisionHistoryLimit', 10);
  fill(spec, 'progressDeadlineSeconds', 600);
  const strategy = spec.strategy;
  if (typeof strategy === 'object' && strategy !== null) {
    if (typeof strategy.blueGreen === 'object' && strategy.blueGreen !== null) {
      const bg = strategy.blueGreen as Obj;
      fill(bg, 'autoPromotionEnabled', true);
      fill(bg, 'scaleDownDelaySeconds', 30);
      fill(bg, 'abortScaleDownDelaySeconds', 30);
    }
    if (typeof strategy.canary === 'object' && strategy.canary !== null) {
      const canary = strategy.canary as Obj;
      fill(canary, 'maxSurge', '25%');
      fill(canary, 'maxUnavailable', '25%');
    }
  }
  defaultPodTemplate(spec.template);
}
