// argoproj.io/v1alpha1 Rollout: the fields Argo Rollouts users write. Spec and status are typed at
// the top level; analysis, traffic routing and experiment details are free-form below that.

import { podTemplateSpec } from './core-pod.js';
import { atomicList, bool, enumOf, free, int32, intOrString, obj, str, stringMap, time } from './dsl.js';
import { kindSchema, labelSelector } from './meta.js';

const ARGO = 'io.argoproj.v1alpha1';

const podMetadata = obj(
  { labels: stringMap(), annotations: stringMap() },
  { name: `${ARGO}.PodTemplateMetadata` },
);

const blueGreen = obj(
  {
    activeService: str(),
    previewService: str(),
    previewReplicaCount: int32(),
    autoPromotionEnabled: bool(),
    autoPromotionSeconds: int32(),
    maxUnavailable: intOrString(),
    scaleDownDelaySeconds: int32(),
    scaleDownDelayRevisionLimit: int32(),
    abortScaleDownDelaySeconds: int32(),
    prePromotionAnalysis: free(),
    postPromotionAnalysis: free(),
    antiAffinity: free(),
    previewMetadata: podMetadata,
    activeMetadata: podMetadata,
  },
  { name: `${ARGO}.BlueGreenStrategy`, required: ['activeService'] },
);

const canaryStep = obj(
  {
    setWeight: int32(),
    pause: obj({ duration: intOrString() }, { name: `${ARGO}.RolloutPause` }),
    experiment: free(),
    analysis: free(),
    setCanaryScale: obj(
      { weight: int32(), replicas: int32(), matchTrafficWeight: bool() },
      { name: `${ARGO}.SetCanaryScale` },
    ),
    setHeaderRoute: free(),
    setMirrorRoute: free(),
    plugin: free(),
  },
  { name: `${ARGO}.CanaryStep` },
);

const canary = obj(
  {
    canaryService: str(),
    stableService: str(),
    steps: atomicList(canaryStep),
    trafficRouting: free(),
    maxUnavailable: intOrString(),
    maxSurge: intOrString(),
    analysis: free(),
    antiAffinity: free(),
    canaryMetadata: podMetadata,
    stableMetadata: podMetadata,
    scaleDownDelaySeconds: int32(),
    scaleDownDelayRevisionLimit: int32(),
    abortScaleDownDelaySeconds: int32(),
    dynamicStableScale: bool(),
    pingPong: obj(
      { pingService: str(), pongService: str() },
      { name: `${ARGO}.PingPongSpec`, required: ['pingService', 'pongService'] },
    ),
    minPodsPerReplicaSet: int32(),
    replicaProgressThreshold: free(),
  },
  { name: `${ARGO}.CanaryStrategy` },
);

const rolloutCondition = obj(
  {
    type: str(),
    status: enumOf('True', 'False', 'Unknown'),
    lastUpdateTime: time(),
    lastTransitionTime: time(),
    reason: str(),
    message: str(),
  },
  { name: `${ARGO}.RolloutCondition`, required: ['type', 'status'] },
);

export const rollout = kindSchema(
  { group: 'argoproj.io', version: 'v1alpha1', kind: 'Rollout' },
  `${ARGO}.Rollout`,
  {
    spec: obj(
      {
        replicas: int32(),
        selector: labelSelector,
        template: podTemplateSpec,
        workloadRef: obj(
          {
            apiVersion: str(),
            kind: str(),
            name: str(),
            scaleDown: enumOf('never', 'onsuccess', 'progressively'),
          },
          { name: `${ARGO}.ObjectRef` },
        ),
        minReadySeconds: int32(),
        revisionHistoryLimit: int32(),
        paused: bool(),
        progressDeadlineSeconds: int32(),
        progressDeadlineAbort: bool(),
        restartAt: time(),
        rollbackWindow: obj({ revisions: int32() }, { name: `${ARGO}.RollbackWindowSpec` }),
        analysis: obj(
          { successfulRunHistoryLimit: int32(), unsuccessfulRunHistoryLimit: int32() },
          { name: `${ARGO}.AnalysisRunStrategy` },
        ),
        strategy: obj({ blueGreen, canary }, { name: `${ARGO}.RolloutStrategy` }),
      },
      {
        name: `${ARGO}.RolloutSpec`,
        description:
          'The desired state of a Rollout: pod template, replicas and a blue/green or canary strategy.',
      },
    ),
    status: obj(
      {
        phase: enumOf('Healthy', 'Progressing', 'Paused', 'Degraded'),
        message: str(),
        pauseConditions: atomicList(
          obj({ reason: str(), startTime: time() }, { name: `${ARGO}.PauseCondition`, required: ['reason'] }),
        ),
        controllerPause: bool(),
        abort: bool(),
        abortedAt: time(),
        currentPodHash: str(),
        currentStepHash: str(),
        currentStepIndex: int32(),
        // Argo writes this as a string; accept a number too.
        observedGeneration: intOrString(),
        stableRS: str(),
        restartedAt: time(),
        promoteFull: bool(),
        replicas: int32(),
        updatedReplicas: int32(),
        readyReplicas: int32(),
        availableReplicas: int32(),
        HPAReplicas: int32(),
        selector: str(),
        collisionCount: int32(),
        conditions: atomicList(rolloutCondition),
        canary: free(),
        blueGreen: free(),
        workloadObservedGeneration: str(),
        alb: free(),
        albs: atomicList(free()),
      },
      { name: `${ARGO}.RolloutStatus` },
    ),
  },
  'A Deployment replacement that rolls out with blue/green or canary steps (Argo Rollouts).',
);
