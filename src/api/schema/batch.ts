// batch/v1 Job.

import { podTemplateSpec } from './core-pod.js';
import { atomicList, bool, enumOf, int32, int64, keyedList, obj, str, time } from './dsl.js';
import { kindSchema, labelSelector } from './meta.js';

const BATCH = 'io.k8s.api.batch.v1';

const podFailurePolicyRule = obj(
  {
    action: enumOf('FailJob', 'FailIndex', 'Ignore', 'Count'),
    onExitCodes: obj(
      {
        containerName: str(),
        operator: enumOf('In', 'NotIn'),
        values: { ...atomicList(int32()), listType: 'set' },
      },
      { name: `${BATCH}.PodFailurePolicyOnExitCodesRequirement`, required: ['operator', 'values'] },
    ),
    onPodConditions: atomicList(
      obj(
        { type: str(), status: enumOf('True', 'False', 'Unknown') },
        { name: `${BATCH}.PodFailurePolicyOnPodConditionsPattern`, required: ['type'] },
      ),
    ),
  },
  { name: `${BATCH}.PodFailurePolicyRule`, required: ['action'] },
);

const jobCondition = obj(
  {
    type: str(),
    status: enumOf('True', 'False', 'Unknown'),
    lastProbeTime: time(),
    lastTransitionTime: time(),
    reason: str(),
    message: str(),
  },
  { name: `${BATCH}.JobCondition`, required: ['type', 'status'] },
);

export const job = kindSchema(
  { group: 'batch', version: 'v1', kind: 'Job' },
  `${BATCH}.Job`,
  {
    spec: obj(
      {
        parallelism: int32(),
        completions: int32(),
        activeDeadlineSeconds: int64(),
        podFailurePolicy: obj(
          { rules: atomicList(podFailurePolicyRule) },
          { name: `${BATCH}.PodFailurePolicy` },
        ),
        successPolicy: obj(
          {
            rules: atomicList(
              obj(
                { succeededIndexes: str(), succeededCount: int32() },
                { name: `${BATCH}.SuccessPolicyRule` },
              ),
            ),
          },
          { name: `${BATCH}.SuccessPolicy` },
        ),
        backoffLimit: int32(),
        backoffLimitPerIndex: int32(),
        maxFailedIndexes: int32(),
        selector: labelSelector,
        manualSelector: bool(),
        template: podTemplateSpec,
        ttlSecondsAfterFinished: int32(),
        completionMode: enumOf('NonIndexed', 'Indexed'),
        suspend: bool(),
        podReplacementPolicy: enumOf('TerminatingOrFailed', 'Failed'),
        managedBy: str(),
      },
      {
        name: `${BATCH}.JobSpec`,
        required: ['template'],
        description: 'The desired behaviour of a Job: its pod template, parallelism and retry policy.',
      },
    ),
    status: obj(
      {
        conditions: keyedList(jobCondition, 'type', { listType: 'atomic' }),
        startTime: time(),
        completionTime: time(),
        active: int32(),
        succeeded: int32(),
        failed: int32(),
        terminating: int32(),
        completedIndexes: str(),
        failedIndexes: str(),
        uncountedTerminatedPods: obj(
          {
            succeeded: { ...atomicList(str()), listType: 'set' },
            failed: { ...atomicList(str()), listType: 'set' },
          },
          { name: `${BATCH}.UncountedTerminatedPods` },
        ),
        ready: int32(),
      },
      { name: `${BATCH}.JobStatus` },
    ),
  },
  'Runs pods until a number of them complete successfully.',
);
