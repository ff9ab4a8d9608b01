// apps/v1 and batch/v1 workloads: Deployment, ReplicaSet, DaemonSet, StatefulSet, Job.
import type { KObject, StatusCause } from '../types.js';
import {
  child,
  duplicate,
  forbidden,
  IMMUTABLE,
  index,
  invalid,
  invalidEach,
  isInt,
  isObject,
  jsonEqual,
  nonNegative,
  oneOf,
  positive,
  required,
} from './causes.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './metadata.js';
import { dns1123LabelErrors, dns1123SubdomainErrors } from './names.js';
import {
  validateIntOrPercent,
  validatePodTemplate,
  validateSelectorUpdate,
  validateSurgeUnavailable,
  validateWorkloadSelector,
} from './template.js';

const ALWAYS = { restartPolicies: ['Always'] } as const;

function specOf(obj: KObject): Record<string, any> | undefined {
  return isObject(obj.spec) ? obj.spec : undefined;
}

/** Metadata (+ update rules) and a required spec; returns the spec when there is one to check. */
function begin(obj: KObject, old: KObject | undefined, out: StatusCause[]): Record<string, any> | undefined {
  out.push(...validateObjectMeta(obj.metadata, 'subdomain'));
  if (old) {
    out.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
  }
  const spec = specOf(obj);
  if (!spec) {
    out.push(required('spec'));
  }
  return spec;
}

/** minReadySeconds ≥ 0, and progressDeadlineSeconds (when set) greater than it. */
function validateReadiness(spec: Record<string, any>): StatusCause[] {
  const out = nonNegative('spec.minReadySeconds', spec.minReadySeconds);
  const pds = spec.progressDeadlineSeconds;
  if (pds !== undefined) {
    const errs = nonNegative('spec.progressDeadlineSeconds', pds);
    out.push(...errs);
    if (errs.length === 0 && isInt(spec.minReadySeconds) && pds <= spec.minReadySeconds) {
      out.push(invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
    }
  }
  return out;
}

export function validateDeployment(obj: KObject, old?: KObject): StatusCause[] {
  const out: StatusCause[] = [];
  const spec = begin(obj, old, out);
  if (!spec) {
    return out;
  }
  out.push(...nonNegative('spec.replicas', spec.replicas));
  out.push(...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit));
  out.push(...validateReadiness(spec));
  out.push(...validateWorkloadSelector(spec.selector, 'spec.selector', 'deployment'));
  out.push(...validatePodTemplate(spec.template, 'spec.template', spec.selector, ALWAYS));
  const strategy = spec.strategy;
  if (strategy !== undefined) {
    if (!isObject(strategy)) {
      out.push(invalid('spec.strategy', strategy, 'must be an object'));
    } else {
      const type = strategy.type ?? 'RollingUpdate';
      out.push(...oneOf('spec.strategy.type', type, ['Recreate', 'RollingUpdate']));
      if (type === 'Recreate' && strategy.rollingUpdate !== undefined) {
        out.push(
          forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"),
        );
      }
      if (type === 'RollingUpdate' && isObject(strategy.rollingUpdate)) {
        out.push(
          ...validateSurgeUnavailable(strategy.rollingUpdate, 'spec.strategy.rollingUpdate', '25%', '25%'),
        );
      }
    }
  }
  if (old) {
    out.push(...validateSelectorUpdate(spec, old.spec));
  }
  return out;
}

export function validateReplicaSet(obj: KObject, old?: KObject): StatusCause[] {
  const out: StatusCause[] = [];
  const spec = begin(obj, old, out);
  if (!spec) {
    return out;
  }
  out.push(...nonNegative('spec.replicas', spec.replicas));
  out.push(...nonNegative('spec.minReadySeconds', spec.minReadySeconds));
  out.push(...validateWorkloadSelector(spec.selector, 'spec.selector', 'replicaset'));
  out.push(...validatePodTemplate(spec.template, 'spec.template', spec.selector, ALWAYS));
  if (old) {
    out.push(...validateSelectorUpdate(spec, old.spec));
  }
  return out;
}

export function validateDaemonSet(obj: KObject, old?: KObject): StatusCause[] {
  const out: StatusCause[] = [];
  const spec = begin(obj, old, out);
  if (!spec) {
    return out;
  }
  out.push(...nonNegative('spec.minReadySeconds', spec.minReadySeconds));
  out.push(...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit));
  out.push(...validateWorkloadSelector(spec.selector, 'spec.selector', 'daemonset'));
  out.push(...validatePodTemplate(spec.template, 'spec.template', spec.selector, ALWAYS));
  const us = spec.updateStrategy;
  if (isObject(us)) {
    const type = us.type ?? 'RollingUpdate';
    out.push(...oneOf('spec.updateStrategy.type', type, ['RollingUpdate', 'OnDelete']));
    if (type === 'OnDelete' && us.rollingUpdate !== undefined) {
      out.push(
        forbidden(
          'spec.updateStrategy.rollingUpdate',
          "may not be specified when strategy `type` is 'OnDelete'",
        ),
      );
    }
    if (type === 'RollingUpdate' && isObject(us.rollingUpdate)) {
      out.push(...validateSurgeUnavailable(us.rollingUpdate, 'spec.updateStrategy.rollingUpdate', 0, 1));
    }
  }
  if (old) {
    out.push(...validateSelectorUpdate(spec, old.spec));
  }
  return out;
}

const STS_MUTABLE = [
  'replicas',
  'ordinals',
  'template',
  'updateStrategy',
  'revisionHistoryLimit',
  'persistentVolumeClaimRetentionPolicy',
  'minReadySeconds',
];

export function validateStatefulSet(obj: KObject, old?: KObject): StatusCause[] {
  const out: StatusCause[] = [];
  const spec = begin(obj, old, out);
  if (!spec) {
    return out;
  }
  out.push(...nonNegative('spec.replicas', spec.replicas));
  out.push(...nonNegative('spec.minReadySeconds', spec.minReadySeconds));
  out.push(...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit));
  out.push(...validateWorkloadSelector(spec.selector, 'spec.selector', 'statefulset'));
  out.push(...validatePodTemplate(spec.template, 'spec.template', spec.selector, ALWAYS));
  if (typeof spec.serviceName === 'string' && spec.serviceName !== '') {
    out.push(...invalidEach('spec.serviceName', spec.serviceName, dns1123LabelErrors(spec.serviceName)));
  }
  out.push(...oneOf('spec.podManagementPolicy', spec.podManagementPolicy, ['OrderedReady', 'Parallel']));
  const us = spec.updateStrategy;
  if (isObject(us)) {
    const type = us.type ?? 'RollingUpdate';
    out.push(...oneOf('spec.updateStrategy.type', type, ['RollingUpdate', 'OnDelete']));
    if (type === 'OnDelete' && us.rollingUpdate !== undefined) {
      out.push(
        forbidden('spec.updateStrategy.rollingUpdate', "only allowed for updateStrategy 'RollingUpdate'"),
      );
    }
    if (isObject(us.rollingUpdate)) {
      out.push(...nonNegative('spec.updateStrategy.rollingUpdate.partition', us.rollingUpdate.partition));
      out.push(
        ...validateIntOrPercent(
          us.rollingUpdate.maxUnavailable,
          'spec.updateStrategy.rollingUpdate.maxUnavailable',
        ),
      );
      if (us.rollingUpdate.maxUnavailable === 0 || us.rollingUpdate.maxUnavailable === '0%') {
        out.push(
          invalid(
            'spec.updateStrategy.rollingUpdate.maxUnavailable',
            us.rollingUpdate.maxUnavailable,
            'must be greater than 0',
          ),
        );
      }
    }
  }
  if (Array.isArray(spec.volumeClaimTemplates)) {
    const names = new Set<string>();
    spec.volumeClaimTemplates.forEach((t: unknown, i: number) => {
      const p = index('spec.volumeClaimTemplates', i);
      const name: unknown = isObject(t) && isObject(t.metadata) ? t.metadata.name : undefined;
      if (typeof name !== 'string' || name === '') {
        out.push(required(child(child(p, 'metadata'), 'name')));
        return;
      }
      out.push(...invalidEach(child(child(p, 'metadata'), 'name'), name, dns1123SubdomainErrors(name)));
      if (names.has(name)) {
        out.push(duplicate(child(child(p, 'metadata'), 'name'), name));
      }
      names.add(name);
    });
  }
  if (old && isObject(old.spec)) {
    const strip = (s: Record<string, any>) =>
      Object.fromEntries(Object.entries(s).filter(([k]) => !STS_MUTABLE.includes(k)));
    if (!jsonEqual(strip(spec), strip(old.spec))) {
      out.push(
        forbidden(
          'spec',
          "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', " +
            "'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        ),
      );
    }
  }
  return out;
}

export function validateJob(obj: KObject, old?: KObject): StatusCause[] {
  const out: StatusCause[] = [];
  const spec = begin(obj, old, out);
  if (!spec) {
    return out;
  }
  for (const f of ['parallelism', 'completions', 'backoffLimit', 'ttlSecondsAfterFinished']) {
    out.push(...nonNegative(child('spec', f), spec[f]));
  }
  out.push(...positive('spec.activeDeadlineSeconds', spec.activeDeadlineSeconds));
  out.push(...oneOf('spec.completionMode', spec.completionMode, ['NonIndexed', 'Indexed']));
  if (spec.completionMode === 'Indexed' && spec.completions === undefined) {
    out.push(required('spec.completions', 'when completion mode is Indexed'));
  }
  // The server generates the selector unless manualSelector is set; a given selector must be sound.
  if (spec.selector !== undefined || spec.manualSelector === true) {
    out.push(...validateWorkloadSelector(spec.selector, 'spec.selector', 'job'));
  }
  out.push(
    ...validatePodTemplate(spec.template, 'spec.template', spec.selector, {
      restartPolicies: ['OnFailure', 'Never'],
      restartPolicyRequired: true,
    }),
  );
  if (old && isObject(old.spec)) {
    out.push(...validateSelectorUpdate(spec, old.spec));
    if (old.spec.template !== undefined && !jsonEqual(spec.template, old.spec.template)) {
      out.push(invalid('spec.template', spec.template ?? null, IMMUTABLE));
    }
    for (const f of ['completions', 'completionMode']) {
      if (old.spec[f] !== undefined && !jsonEqual(spec[f], old.spec[f])) {
        out.push(invalid(child('spec', f), spec[f] ?? null, IMMUTABLE));
      }
    }
  }
  return out;
}
