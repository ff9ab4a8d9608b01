// apps/v1 kinds: Deployment, ReplicaSet, DaemonSet, StatefulSet, ControllerRevision.

import { podTemplateSpec } from './core-pod.js';
import { persistentVolumeClaim } from './core-volume.js';
import {
  atomicList,
  bool,
  enumOf,
  free,
  int32,
  int64,
  intOrString,
  keyedList,
  obj,
  str,
  time,
} from './dsl.js';
import { kindSchema, labelSelector } from './meta.js';

const APPS = 'io.k8s.api.apps.v1';
const apps = (kind: string) => ({ group: 'apps', version: 'v1', kind });

/** The condition shape of apps/v1 statuses (Deployment adds lastUpdateTime). */
function appsCondition(name: string, withUpdateTime = false) {
  return obj(
    {
      type: str(),
      status: enumOf('True', 'False', 'Unknown'),
      ...(withUpdateTime ? { lastUpdateTime: time() } : {}),
      lastTransitionTime: time(),
      reason: str(),
      message: str(),
    },
    { name: `${APPS}.${name}`, required: ['type', 'status'] },
  );
}

const deploymentStrategy = obj(
  {
    type: enumOf('Recreate', 'RollingUpdate'),
    rollingUpdate: obj(
      { maxUnavailable: intOrString(), maxSurge: intOrString() },
      { name: `${APPS}.RollingUpdateDeployment` },
    ),
  },
  { name: `${APPS}.DeploymentStrategy`, retainKeys: true },
);

export const deployment = kindSchema(
  apps('Deployment'),
  `${APPS}.Deployment`,
  {
    spec: obj(
      {
        replicas: int32(),
        selector: labelSelector,
        template: podTemplateSpec,
        strategy: deploymentStrategy,
        minReadySeconds: int32(),
        revisionHistoryLimit: int32(),
        paused: bool(),
        progressDeadlineSeconds: int32(),
      },
      {
        name: `${APPS}.DeploymentSpec`,
        required: ['selector', 'template'],
        description: 'The desired state of a Deployment: replicas, pod template and rollout strategy.',
      },
    ),
    status: obj(
      {
        observedGeneration: int64(),
        replicas: int32(),
        updatedReplicas: int32(),
        readyReplicas: int32(),
        availableReplicas: int32(),
        unavailableReplicas: int32(),
        terminatingReplicas: int32(),
        conditions: keyedList(appsCondition('DeploymentCondition', true), 'type'),
        collisionCount: int32(),
      },
      { name: `${APPS}.DeploymentStatus`, description: 'The observed state of a Deployment.' },
    ),
  },
  'Declarative updates for pods through ReplicaSets, rolled out revision by revision.',
);

export const replicaSet = kindSchema(
  apps('ReplicaSet'),
  `${APPS}.ReplicaSet`,
  {
    spec: obj(
      { replicas: int32(), minReadySeconds: int32(), selector: labelSelector, template: podTemplateSpec },
      { name: `${APPS}.ReplicaSetSpec`, required: ['selector'] },
    ),
    status: obj(
      {
        replicas: int32(),
        fullyLabeledReplicas: int32(),
        readyReplicas: int32(),
        availableReplicas: int32(),
        terminatingReplicas: int32(),
        observedGeneration: int64(),
        conditions: keyedList(appsCondition('ReplicaSetCondition'), 'type'),
      },
      { name: `${APPS}.ReplicaSetStatus`, required: ['replicas'] },
    ),
  },
  'Keeps a number of identical pods running.',
);

export const daemonSet = kindSchema(
  apps('DaemonSet'),
  `${APPS}.DaemonSet`,
  {
    spec: obj(
      {
        selector: labelSelector,
        template: podTemplateSpec,
        updateStrategy: obj(
          {
            type: enumOf('RollingUpdate', 'OnDelete'),
            rollingUpdate: obj(
              { maxUnavailable: intOrString(), maxSurge: intOrString() },
              { name: `${APPS}.RollingUpdateDaemonSet` },
            ),
          },
          { name: `${APPS}.DaemonSetUpdateStrategy` },
        ),
        minReadySeconds: int32(),
        revisionHistoryLimit: int32(),
      },
      { name: `${APPS}.DaemonSetSpec`, required: ['selector', 'template'] },
    ),
    status: obj(
      {
        currentNumberScheduled: int32(),
        numberMisscheduled: int32(),
        desiredNumberScheduled: int32(),
        numberReady: int32(),
        observedGeneration: int64(),
        updatedNumberScheduled: int32(),
        numberAvailable: int32(),
        numberUnavailable: int32(),
        collisionCount: int32(),
        conditions: keyedList(appsCondition('DaemonSetCondition'), 'type'),
      },
      {
        name: `${APPS}.DaemonSetStatus`,
        required: ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady'],
      },
    ),
  },
  'Runs one copy of a pod on every eligible node.',
);

export const statefulSet = kindSchema(
  apps('StatefulSet'),
  `${APPS}.StatefulSet`,
  {
    spec: obj(
      {
        replicas: int32(),
        selector: labelSelector,
        template: podTemplateSpec,
        volumeClaimTemplates: atomicList(persistentVolumeClaim),
        serviceName: str(),
        podManagementPolicy: enumOf('OrderedReady', 'Parallel'),
        updateStrategy: obj(
          {
            type: enumOf('RollingUpdate', 'OnDelete'),
            rollingUpdate: obj(
              { partition: int32(), maxUnavailable: intOrString() },
              { name: `${APPS}.RollingUpdateStatefulSetStrategy` },
            ),
          },
          { name: `${APPS}.StatefulSetUpdateStrategy` },
        ),
        revisionHistoryLimit: int32(),
        minReadySeconds: int32(),
        persistentVolumeClaimRetentionPolicy: obj(
          { whenDeleted: enumOf('Retain', 'Delete'), whenScaled: enumOf('Retain', 'Delete') },
          { name: `${APPS}.StatefulSetPersistentVolumeClaimRetentionPolicy` },
        ),
        ordinals: obj({ start: int32() }, { name: `${APPS}.StatefulSetOrdinals` }),
      },
      { name: `${APPS}.StatefulSetSpec`, required: ['selector', 'template'] },
    ),
    status: obj(
      {
        observedGeneration: int64(),
        replicas: int32(),
        readyReplicas: int32(),
        currentReplicas: int32(),
        updatedReplicas: int32(),
        currentRevision: str(),
        updateRevision: str(),
        collisionCount: int32(),
        conditions: keyedList(appsCondition('StatefulSetCondition'), 'type'),
        availableReplicas: int32(),
      },
      { name: `${APPS}.StatefulSetStatus`, required: ['replicas'] },
    ),
  },
  'Pods with stable names and storage, created and updated in order.',
);

export const controllerRevision = kindSchema(
  apps('ControllerRevision'),
  `${APPS}.ControllerRevision`,
  { data: free(), revision: int64() },
  'An immutable snapshot of a workload template, used for rollback.',
  ['revision'],
);
