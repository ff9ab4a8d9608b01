// argoproj.io/v1alpha1 kinds: Rollout (blue/green and replica-weighted canary) and Application.
import type { KObject, StatusCause } from '../types.js';
import {
  child,
  forbidden,
  index,
  invalid,
  invalidEach,
  isInt,
  isObject,
  nonNegative,
  notSupported,
  required,
} from './causes.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './metadata.js';
import { dns1123LabelErrors, dns1123SubdomainErrors } from './names.js';
import {
  validatePodTemplate,
  validateSelectorUpdate,
  validateSurgeUnavailable,
  validateWorkloadSelector,
} from './template.js';

/** Canary step types Gantry executes. Argo's others (analysis, experiment, traffic routes) are refused. */
export const CANARY_STEP_TYPES = ['setWeight', 'pause'];
const ARGO_STEP_TYPES = [
  'setWeight',
  'pause',
  'setCanaryScale',
  'analysis',
  'experiment',
  'setHeaderRoute',
  'setMirrorRoute',
  'plugin',
];

function serviceName(v: unknown, path: string, isRequired: boolean): StatusCause[] {
  if (v === undefined || v === null || v === '') {
    return isRequired ? [required(path)] : [];
  }
  if (typeof v !== 'string') {
    return [invalid(path, v, 'must be a string')];
  }
  return invalidEach(path, v, dns1123LabelErrors(v));
}

function validatePause(pause: unknown, path: string): StatusCause[] {
  if (!isObject(pause)) {
    return [invalid(path, pause, 'must be an object')];
  }
  const d = pause.duration;
  if (d === undefined || d === null) {
    return [];
  }
  if (isInt(d)) {
    return nonNegative(child(path, 'duration'), d);
  }
  if (typeof d === 'string' && /^[0-9]+(s|m|h)?$/.test(d)) {
    return [];
  }
  return [
    invalid(
      child(path, 'duration'),
      d,
      'must be a non-negative number of seconds or a duration like "30s", "5m", "1h"',
    ),
  ];
}

function validateCanary(c: Record<string, any>, path: string): StatusCause[] {
  const out = validateSurgeUnavailable(c, path, '25%', '25%');
  out.push(...serviceName(c.canaryService, child(path, 'canaryService'), false));
  out.push(...serviceName(c.stableService, child(path, 'stableService'), false));
  if (typeof c.canaryService === 'string' && c.canaryService !== '' && c.canaryService === c.stableService) {
    out.push(invalid(child(path, 'stableService'), c.stableService, 'must differ from canaryService'));
  }
  const steps: unknown = c.steps;
  if (steps === undefined || steps === null) {
    return out;
  }
  if (!Array.isArray(steps)) {
    return [...out, invalid(child(path, 'steps'), steps, 'must be a list')];
  }
  steps.forEach((step: unknown, i) => {
    const p = index(child(path, 'steps'), i);
    if (!isObject(step)) {
      out.push(invalid(p, step, 'must be an object'));
      return;
    }
    const kinds = Object.keys(step).filter((k) => step[k] !== undefined && step[k] !== null);
    if (kinds.length === 0) {
      out.push(
        required(p, `a step must set exactly one of ${CANARY_STEP_TYPES.map((s) => `\`${s}\``).join(', ')}`),
      );
      return;
    }
    if (kinds.length > 1) {
      out.push(
        invalid(
          p,
          step,
          `a step must set exactly one of ${CANARY_STEP_TYPES.map((s) => `\`${s}\``).join(', ')}`,
        ),
      );
      return;
    }
    const kind = kinds[0] ?? '';
    if (!CANARY_STEP_TYPES.includes(kind)) {
      out.push(
        ARGO_STEP_TYPES.includes(kind)
          ? notSupported(p, kind, CANARY_STEP_TYPES)
          : invalid(p, kind, `unknown canary step type; supported: ${CANARY_STEP_TYPES.join(', ')}`),
      );
      return;
    }
    if (kind === 'setWeight') {
      const w = step.setWeight;
      if (!isInt(w) || w < 0 || w > 100) {
        out.push(invalid(child(p, 'setWeight'), w, 'must be an integer between 0 and 100, inclusive'));
      }
    } else {
      out.push(...validatePause(step.pause, child(p, 'pause')));
    }
  });
  return out;
}

function validateBlueGreen(bg: Record<string, any>, path: string): StatusCause[] {
  const out = serviceName(bg.activeService, child(path, 'activeService'), true);
  out.push(...serviceName(bg.previewService, child(path, 'previewService'), false));
  if (
    typeof bg.previewService === 'string' &&
    bg.previewService !== '' &&
    bg.previewService === bg.activeService
  ) {
    out.push(invalid(child(path, 'previewService'), bg.previewService, 'must differ from activeService'));
  }
  for (const f of [
    'autoPromotionSeconds',
    'scaleDownDelaySeconds',
    'abortScaleDownDelaySeconds',
    'previewReplicaCount',
    'scaleDownDelayRevisionLimit',
  ]) {
    out.push(...nonNegative(child(path, f), bg[f]));
  }
  if (bg.autoPromotionEnabled !== undefined && typeof bg.autoPromotionEnabled !== 'boolean') {
    out.push(invalid(child(path, 'autoPromotionEnabled'), bg.autoPromotionEnabled, 'must be a boolean'));
  }
  return out;
}

export function validateRollout(obj: KObject, old?: KObject): StatusCause[] {
  const out = validateObjectMeta(obj.metadata, 'subdomain');
  if (old) {
    out.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
  }
  const spec = obj.spec;
  if (!isObject(spec)) {
    return [...out, required('spec')];
  }
  out.push(...nonNegative('spec.replicas', spec.replicas));
  out.push(...nonNegative('spec.revisionHistoryLimit', spec.revisionHistoryLimit));
  out.push(...nonNegative('spec.minReadySeconds', spec.minReadySeconds));
  const pds = spec.progressDeadlineSeconds;
  out.push(...nonNegative('spec.progressDeadlineSeconds', pds));
  if (isInt(pds) && isInt(spec.minReadySeconds) && pds <= spec.minReadySeconds) {
    out.push(invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  }
  if (spec.workloadRef !== undefined) {
    if (spec.template !== undefined) {
      out.push(forbidden('spec.template', 'may not be set together with `workloadRef`'));
    }
  } else {
    out.push(...validateWorkloadSelector(spec.selector, 'spec.selector', 'rollout'));
    out.push(
      ...validatePodTemplate(spec.template, 'spec.template', spec.selector, { restartPolicies: ['Always'] }),
    );
  }
  const strategy = spec.strategy;
  if (!isObject(strategy)) {
    out.push(required('spec.strategy', 'one of `blueGreen` or `canary` must be set'));
  } else {
    const bg = strategy.blueGreen;
    const canary = strategy.canary;
    if (bg !== undefined && bg !== null && canary !== undefined && canary !== null) {
      out.push(forbidden('spec.strategy', 'may not set both `blueGreen` and `canary`'));
    } else if (isObject(bg)) {
      out.push(...validateBlueGreen(bg, 'spec.strategy.blueGreen'));
    } else if (isObject(canary)) {
      out.push(...validateCanary(canary, 'spec.strategy.canary'));
    } else if (bg === undefined && canary === undefined) {
      out.push(required('spec.strategy', 'one of `blueGreen` or `canary` must be set'));
    } else {
      out.push(invalid('spec.strategy', strategy, 'strategy must be an object'));
    }
  }
  if (old) {
    out.push(...validateSelectorUpdate(spec, old.spec));
  }
  return out;
}

function validateSource(src: unknown, path: string): StatusCause[] {
  if (!isObject(src)) {
    return [required(path)];
  }
  const out: StatusCause[] = [];
  if (typeof src.repoURL !== 'string' || src.repoURL.trim() === '') {
    out.push(required(child(path, 'repoURL')));
  }
  for (const f of ['path', 'targetRevision', 'chart']) {
    if (src[f] !== undefined && typeof src[f] !== 'string') {
      out.push(invalid(child(path, f), src[f], 'must be a string'));
    }
  }
  if (typeof src.path === 'string' && src.path.split('/').includes('..')) {
    out.push(invalid(child(path, 'path'), src.path, "must not contain '..'"));
  }
  return out;
}

export function validateApplication(obj: KObject, old?: KObject): StatusCause[] {
  const out = validateObjectMeta(obj.metadata, 'subdomain');
  if (old) {
    out.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
  }
  const spec = obj.spec;
  if (!isObject(spec)) {
    return [...out, required('spec')];
  }
  if (Array.isArray(spec.sources) && spec.sources.length > 0) {
    spec.sources.forEach((s: unknown, i: number) => {
      out.push(...validateSource(s, index('spec.sources', i)));
    });
  } else {
    out.push(...validateSource(spec.source, 'spec.source'));
  }
  const dest = spec.destination;
  if (!isObject(dest)) {
    out.push(required('spec.destination'));
  } else {
    const hasServer = typeof dest.server === 'string' && dest.server !== '';
    const hasName = typeof dest.name === 'string' && dest.name !== '';
    if (!hasServer && !hasName) {
      out.push(required('spec.destination.server', 'one of `server` or `name` must be set'));
    } else if (hasServer && hasName) {
      out.push(invalid('spec.destination.name', dest.name, 'may not be set together with `server`'));
    }
    if (typeof dest.namespace === 'string' && dest.namespace !== '') {
      out.push(
        ...invalidEach('spec.destination.namespace', dest.namespace, dns1123LabelErrors(dest.namespace)),
      );
    }
  }
  // A missing project is defaulted to "default"; an empty or malformed one is an error.
  if (spec.project !== undefined) {
    if (typeof spec.project !== 'string' || spec.project === '') {
      out.push(required('spec.project'));
    } else {
      out.push(...invalidEach('spec.project', spec.project, dns1123SubdomainErrors(spec.project)));
    }
  }
  const opts: unknown = spec.syncPolicy?.syncOptions;
  if (Array.isArray(opts)) {
    opts.forEach((o: unknown, i) => {
      if (typeof o !== 'string' || !/^[A-Za-z]+=.+$/.test(o)) {
        out.push(invalid(index('spec.syncPolicy.syncOptions', i), o, 'must be of the form Name=value'));
      }
    });
  }
  return out;
}
