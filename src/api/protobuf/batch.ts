// Descriptors for batch/v1 Job. Field numbers are those of k8s.io/api batch/v1 generated.proto;
// presence flags follow the Go types (descriptor.ts). Nearly every JobSpec field is a Go pointer.
import { POD_TEMPLATE_SPEC } from './core-pod.js';
import { bool, int32, int32s, int64, message, msg, msgs, PTR, REQ, str } from './descriptor.js';
import { EMPTY_STATUS, LABEL_SELECTOR, withMeta } from './meta.js';

const POD_FAILURE_POLICY_ON_EXIT_CODES = message('PodFailurePolicyOnExitCodesRequirement', {
  1: str('containerName', PTR),
  2: str('operator', REQ),
  3: int32s('values'),
});

const POD_FAILURE_POLICY_ON_POD_CONDITIONS = message('PodFailurePolicyOnPodConditionsPattern', {
  1: str('type', REQ),
  2: str('status', REQ),
});

const POD_FAILURE_POLICY_RULE = message('PodFailurePolicyRule', {
  1: str('action', REQ),
  2: msg('onExitCodes', POD_FAILURE_POLICY_ON_EXIT_CODES),
  3: msgs('onPodConditions', POD_FAILURE_POLICY_ON_POD_CONDITIONS),
});

const POD_FAILURE_POLICY = message('PodFailurePolicy', {
  1: msgs('rules', POD_FAILURE_POLICY_RULE),
});

const SUCCESS_POLICY_RULE = message('SuccessPolicyRule', {
  1: str('succeededIndexes', PTR),
  2: int32('succeededCount', PTR),
});

const SUCCESS_POLICY = message('SuccessPolicy', {
  1: msgs('rules', SUCCESS_POLICY_RULE),
});

const JOB_SPEC = message('JobSpec', {
  1: int32('parallelism', PTR),
  2: int32('completions', PTR),
  3: int64('activeDeadlineSeconds', PTR),
  4: msg('selector', LABEL_SELECTOR),
  5: bool('manualSelector', PTR),
  6: msg('template', POD_TEMPLATE_SPEC),
  7: int32('backoffLimit', PTR),
  8: int32('ttlSecondsAfterFinished', PTR),
  9: str('completionMode', PTR),
  10: bool('suspend', PTR),
  11: msg('podFailurePolicy', POD_FAILURE_POLICY),
  12: int32('backoffLimitPerIndex', PTR),
  13: int32('maxFailedIndexes', PTR),
  14: str('podReplacementPolicy', PTR),
  15: str('managedBy', PTR),
  16: msg('successPolicy', SUCCESS_POLICY),
});

export const JOB = withMeta('Job', {
  2: msg('spec', JOB_SPEC),
  3: msg('status', EMPTY_STATUS),
});
