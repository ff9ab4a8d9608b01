// Checks shared by every kind that owns pods through a template and a selector: the selector is
// required, non-empty and matches the template's labels; rolling-update knobs are an integer
// or a percentage.
import { labelSelectorAsSelector } from '../labels.js';
import type { StatusCause } from '../types.js';
import { child, IMMUTABLE, invalid, isInt, isObject, jsonEqual, notSupported, required } from './causes.js';
import { isEmptySelector, validateAnnotations, validateLabelSelector, validateLabels } from './metadata.js';
import { validatePodSpec } from './pod.js';

/** A required, syntactically valid, non-empty selector. `what` names the kind in the message. */
export function validateWorkloadSelector(sel: unknown, path: string, what: string): StatusCause[] {
  if (sel === undefined || sel === null) {
    return [required(path)];
  }
  const out = validateLabelSelector(sel, path);
  if (out.length === 0 && isEmptySelector(sel)) {
    out.push(invalid(path, sel, `empty selector is invalid for ${what}`));
  }
  return out;
}

export interface TemplateRules {
  /** Allowed values of the template's restartPolicy. */
  readonly restartPolicies: readonly string[];
  /** True when restartPolicy must be given (Job templates, which are not defaulted to Always). */
  readonly restartPolicyRequired?: boolean;
}

/** Checks a pod template and, when the selector is usable, that it selects the template's labels. */
export function validatePodTemplate(
  tpl: unknown,
  path: string,
  selector: unknown,
  rules: TemplateRules,
): StatusCause[] {
  if (!isObject(tpl)) {
    return [required(path)];
  }
  const meta: Record<string, any> = isObject(tpl.metadata) ? tpl.metadata : {};
  const metaPath = child(path, 'metadata');
  const labelErrs = validateLabels(meta.labels, child(metaPath, 'labels'));
  const out = [...labelErrs, ...validateAnnotations(meta.annotations, child(metaPath, 'annotations'))];
  if (labelErrs.length === 0 && isObject(selector) && !isEmptySelector(selector)) {
    if (validateLabelSelector(selector, '').length === 0) {
      const sel = labelSelectorAsSelector(selector);
      if (!sel.matches(isObject(meta.labels) ? meta.labels : {})) {
        out.push(
          invalid(child(metaPath, 'labels'), meta.labels ?? {}, 'selector does not match template labels'),
        );
      }
    }
  }
  const specPath = child(path, 'spec');
  out.push(...validatePodSpec(tpl.spec, specPath));
  const rp: unknown = isObject(tpl.spec) ? tpl.spec.restartPolicy : undefined;
  if (rp === undefined || rp === null || rp === '') {
    if (rules.restartPolicyRequired) {
      out.push(
        required(
          child(specPath, 'restartPolicy'),
          `valid values: ${rules.restartPolicies.map((r) => `"${r}"`).join(', ')}`,
        ),
      );
    }
  } else if (typeof rp !== 'string' || !rules.restartPolicies.includes(rp)) {
    // validatePodSpec already reports values outside the pod enum; add the narrower workload rule.
    if (typeof rp === 'string' && ['Always', 'OnFailure', 'Never'].includes(rp)) {
      out.push(notSupported(child(specPath, 'restartPolicy'), rp, rules.restartPolicies));
    }
  }
  return out;
}

/** An int ≥ 0 or a percentage string like "25%". */
export function validateIntOrPercent(v: unknown, path: string): StatusCause[] {
  if (v === undefined || v === null) {
    return [];
  }
  if (typeof v === 'number') {
    if (!isInt(v)) {
      return [invalid(path, v, 'must be an integer')];
    }
    return v < 0 ? [invalid(path, v, 'must be greater than or equal to 0')] : [];
  }
  if (typeof v === 'string') {
    return /^[0-9]+%$/.test(v)
      ? []
      : [
          invalid(
            path,
            v,
            "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%', or '93%')",
          ),
        ];
  }
  return [invalid(path, v, 'must be an integer or a percentage string')];
}

/** The number or percentage of an int-or-percent (for zero and ≤100% checks); undefined when invalid. */
export function intOrPercentValue(v: unknown): number | undefined {
  if (isInt(v)) {
    return v;
  }
  if (typeof v === 'string' && /^[0-9]+%$/.test(v)) {
    return Number.parseInt(v, 10);
  }
  return undefined;
}

/**
 * maxSurge / maxUnavailable pair of a rolling update: each valid, maxUnavailable at most 100%,
 * and not both zero. `surgeDefault` / `unavailableDefault` stand in for unset fields.
 */
export function validateSurgeUnavailable(
  ru: Record<string, any>,
  path: string,
  surgeDefault: unknown,
  unavailableDefault: unknown,
): StatusCause[] {
  const surgePath = child(path, 'maxSurge');
  const unavailPath = child(path, 'maxUnavailable');
  const out = [
    ...validateIntOrPercent(ru.maxSurge, surgePath),
    ...validateIntOrPercent(ru.maxUnavailable, unavailPath),
  ];
  if (out.length > 0) {
    return out;
  }
  const surge = intOrPercentValue(ru.maxSurge ?? surgeDefault);
  const unavail = intOrPercentValue(ru.maxUnavailable ?? unavailableDefault);
  if (typeof ru.maxUnavailable === 'string' && (unavail ?? 0) > 100) {
    out.push(invalid(unavailPath, ru.maxUnavailable, 'must not be greater than 100%'));
  }
  if (surge === 0 && unavail === 0) {
    out.push(
      invalid(unavailPath, ru.maxUnavailable ?? unavailableDefault, 'may not be 0 when `maxSurge` is 0'),
    );
  }
  return out;
}

/** `spec.selector` may not change once created (apps/v1 and batch/v1). */
export function validateSelectorUpdate(
  spec: unknown,
  oldSpec: unknown,
  path = 'spec.selector',
): StatusCause[] {
  const now = isObject(spec) ? spec.selector : undefined;
  const before = isObject(oldSpec) ? oldSpec.selector : undefined;
  return before !== undefined && !jsonEqual(now, before) ? [invalid(path, now ?? null, IMMUTABLE)] : [];
}
