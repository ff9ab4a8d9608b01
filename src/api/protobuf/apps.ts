// Descriptors for apps/v1 Deployment, ReplicaSet, DaemonSet and StatefulSet. Field numbers are
// those of k8s.io/api apps/v1 generated.proto; presence flags follow the Go types (descriptor.ts).
import { POD_TEMPLATE_SPEC } from './core-pod.js';
import { PERSISTENT_VOLUME_CLAIM } from './core-volume.js';
import { bool, int32, intOrString, message, msg, msgs, PTR, REQ, str } from './descriptor.js';
import { EMPTY_STATUS, LABEL_SELECTOR, withMeta } from './meta.js';

const ROLLING_UPDATE_DEPLOYMENT = message('RollingUpdateDeployment', {
  1: intOrString('maxUnavailable'),
  2: intOrString('maxSurge'),
});

const DEPLOYMENT_STRATEGY = message('DeploymentStrategy', {
  1: str('type'),
  2: msg('rollingUpdate', ROLLING_UPDATE_DEPLOYMENT),
});

const DEPLOYMENT_SPEC = message('DeploymentSpec', {
  1: int32('replicas', PTR),
  2: msg('selector', LABEL_SELECTOR),
  3: msg('template', POD_TEMPLATE_SPEC),
  4: msg('strategy', DEPLOYMENT_STRATEGY),
  5: int32('minReadySeconds'),
  6: int32('revisionHistoryLimit', PTR),
  7: bool('paused'),
  9: int32('progressDeadlineSeconds', PTR),
});

export const DEPLOYMENT = withMeta('Deployment', {
  2: msg('spec', DEPLOYMENT_SPEC),
  3: msg('status', EMPTY_STATUS),
});

const REPLICA_SET_SPEC = message('ReplicaSetSpec', {
  1: int32('replicas', PTR),
  2: msg('selector', LABEL_SELECTOR),
  3: msg('template', POD_TEMPLATE_SPEC),
  4: int32('minReadySeconds'),
});

export const REPLICA_SET = withMeta('ReplicaSet', {
  2: msg('spec', REPLICA_SET_SPEC),
  3: msg('status', EMPTY_STATUS),
});

const ROLLING_UPDATE_DAEMON_SET = message('RollingUpdateDaemonSet', {
  1: intOrString('maxUnavailable'),
  2: intOrString('maxSurge'),
});

const DAEMON_SET_UPDATE_STRATEGY = message('DaemonSetUpdateStrategy', {
  1: str('type'),
  2: msg('rollingUpdate', ROLLING_UPDATE_DAEMON_SET),
});

const DAEMON_SET_SPEC = message('DaemonSetSpec', {
  1: msg('selector', LABEL_SELECTOR),
  2: msg('template', POD_TEMPLATE_SPEC),
  3: msg('updateStrategy', DAEMON_SET_UPDATE_STRATEGY),
  4: int32('minReadySeconds'),
  6: int32('revisionHistoryLimit', PTR),
});

export const DAEMON_SET = withMeta('DaemonSet', {
  2: msg('spec', DAEMON_SET_SPEC),
  3: msg('status', EMPTY_STATUS),
});

const ROLLING_UPDATE_STATEFUL_SET_STRATEGY = message('RollingUpdateStatefulSetStrategy', {
  1: int32('partition', PTR),
  2: intOrString('maxUnavailable'),
});

const STATEFUL_SET_UPDATE_STRATEGY = message('StatefulSetUpdateStrategy', {
  1: str('type'),
  2: msg('rollingUpdate', ROLLING_UPDATE_STATEFUL_SET_STRATEGY),
});

const STATEFUL_SET_PVC_RETENTION_POLICY = message('StatefulSetPersistentVolumeClaimRetentionPolicy', {
  1: str('whenDeleted'),
  2: str('whenScaled'),
});

const STATEFUL_SET_ORDINALS = message('StatefulSetOrdinals', {
  1: int32('start', REQ),
});

const STATEFUL_SET_SPEC = message('StatefulSetSpec', {
  1: int32('replicas', PTR),
  2: msg('selector', LABEL_SELECTOR),
  3: msg('template', POD_TEMPLATE_SPEC),
  4: msgs('volumeClaimTemplates', PERSISTENT_VOLUME_CLAIM),
  5: str('serviceName', REQ),
  6: str('podManagementPolicy'),
  7: msg('updateStrategy', STATEFUL_SET_UPDATE_STRATEGY),
  8: int32('revisionHistoryLimit', PTR),
  9: int32('minReadySeconds'),
  10: msg('persistentVolumeClaimRetentionPolicy', STATEFUL_SET_PVC_RETENTION_POLICY),
  11: msg('ordinals', STATEFUL_SET_ORDINALS),
});

export const STATEFUL_SET = withMeta('StatefulSet', {
  2: msg('spec', STATEFUL_SET_SPEC),
  3: msg('status', EMPTY_STATUS),
});
