// Descriptors for core/v1 Container and what it holds: ports, env, resources, volume mounts,
// probes, lifecycle hooks and the security context. Field numbers are those of k8s.io/api
// core/v1 generated.proto; presence flags follow the Go types' JSON tags (see descriptor.ts).
import {
  bool,
  inline,
  int32,
  int32s,
  int64,
  intOrString,
  message,
  msg,
  msgs,
  PTR,
  quantity,
  quantityMap,
  REQ,
  str,
  strs,
} from './descriptor.js';

export const LOCAL_OBJECT_REFERENCE = message('LocalObjectReference', {
  1: str('name'),
});

const CONTAINER_PORT = message('ContainerPort', {
  1: str('name'),
  2: int32('hostPort'),
  3: int32('containerPort', REQ),
  4: str('protocol'),
  5: str('hostIP'),
});

const CONFIG_MAP_ENV_SOURCE = message('ConfigMapEnvSource', {
  1: inline(LOCAL_OBJECT_REFERENCE),
  2: bool('optional', PTR),
});

const SECRET_ENV_SOURCE = message('SecretEnvSource', {
  1: inline(LOCAL_OBJECT_REFERENCE),
  2: bool('optional', PTR),
});

const ENV_FROM_SOURCE = message('EnvFromSource', {
  1: str('prefix'),
  2: msg('configMapRef', CONFIG_MAP_ENV_SOURCE),
  3: msg('secretRef', SECRET_ENV_SOURCE),
});

export const OBJECT_FIELD_SELECTOR = message('ObjectFieldSelector', {
  1: str('apiVersion'),
  2: str('fieldPath', REQ),
});

export const RESOURCE_FIELD_SELECTOR = message('ResourceFieldSelector', {
  1: str('containerName'),
  2: str('resource', REQ),
  3: quantity('divisor'),
});

const CONFIG_MAP_KEY_SELECTOR = message('ConfigMapKeySelector', {
  1: inline(LOCAL_OBJECT_REFERENCE),
  2: str('key', REQ),
  3: bool('optional', PTR),
});

const SECRET_KEY_SELECTOR = message('SecretKeySelector', {
  1: inline(LOCAL_OBJECT_REFERENCE),
  2: str('key', REQ),
  3: bool('optional', PTR),
});

const FILE_KEY_SELECTOR = message('FileKeySelector', {
  1: str('volumeName', REQ),
  2: str('path', REQ),
  3: str('key', REQ),
  4: bool('optional', PTR),
});

const ENV_VAR_SOURCE = message('EnvVarSource', {
  1: msg('fieldRef', OBJECT_FIELD_SELECTOR),
  2: msg('resourceFieldRef', RESOURCE_FIELD_SELECTOR),
  3: msg('configMapKeyRef', CONFIG_MAP_KEY_SELECTOR),
  4: msg('secretKeyRef', SECRET_KEY_SELECTOR),
  5: msg('fileKeyRef', FILE_KEY_SELECTOR),
});

const ENV_VAR = message('EnvVar', {
  1: str('name', REQ),
  2: str('value'),
  3: msg('valueFrom', ENV_VAR_SOURCE),
});

const RESOURCE_CLAIM = message('ResourceClaim', {
  1: str('name', REQ),
  2: str('request'),
});

export const RESOURCE_REQUIREMENTS = message('ResourceRequirements', {
  1: quantityMap('limits'),
  2: quantityMap('requests'),
  3: msgs('claims', RESOURCE_CLAIM),
});

const VOLUME_MOUNT = message('VolumeMount', {
  1: str('name', REQ),
  2: bool('readOnly'),
  3: str('mountPath', REQ),
  4: str('subPath'),
  5: str('mountPropagation', PTR),
  6: str('subPathExpr'),
  7: str('recursiveReadOnly', PTR),
  8: strs('bindMountOptions'),
});

const VOLUME_DEVICE = message('VolumeDevice', {
  1: str('name', REQ),
  2: str('devicePath', REQ),
});

const EXEC_ACTION = message('ExecAction', {
  1: strs('command'),
});

const HTTP_HEADER = message('HTTPHeader', {
  1: str('name', REQ),
  2: str('value', REQ),
});

const HTTP_GET_ACTION = message('HTTPGetAction', {
  1: str('path'),
  2: intOrString('port'),
  3: str('host'),
  4: str('scheme'),
  5: msgs('httpHeaders', HTTP_HEADER),
  6: str('protocol', PTR),
});

const TCP_SOCKET_ACTION = message('TCPSocketAction', {
  1: intOrString('port'),
  2: str('host'),
});

const GRPC_ACTION = message('GRPCAction', {
  1: int32('port', REQ),
  2: str('service', PTR),
  3: str('mode', PTR),
});

const PROBE_HANDLER = message('ProbeHandler', {
  1: msg('exec', EXEC_ACTION),
  2: msg('httpGet', HTTP_GET_ACTION),
  3: msg('tcpSocket', TCP_SOCKET_ACTION),
  4: msg('grpc', GRPC_ACTION),
});

const PROBE = message('Probe', {
  1: inline(PROBE_HANDLER),
  2: int32('initialDelaySeconds'),
  3: int32('timeoutSeconds'),
  4: int32('periodSeconds'),
  5: int32('successThreshold'),
  6: int32('failureThreshold'),
  7: int64('terminationGracePeriodSeconds', PTR),
});

const SLEEP_ACTION = message('SleepAction', {
  1: int64('seconds', REQ),
});

const LIFECYCLE_HANDLER = message('LifecycleHandler', {
  1: msg('exec', EXEC_ACTION),
  2: msg('httpGet', HTTP_GET_ACTION),
  3: msg('tcpSocket', TCP_SOCKET_ACTION),
  4: msg('sleep', SLEEP_ACTION),
});

const LIFECYCLE = message('Lifecycle', {
  1: msg('postStart', LIFECYCLE_HANDLER),
  2: msg('preStop', LIFECYCLE_HANDLER),
  3: str('stopSignal', PTR),
});

const CAPABILITIES = message('Capabilities', {
  1: strs('add'),
  2: strs('drop'),
});

export const SE_LINUX_OPTIONS = message('SELinuxOptions', {
  1: str('user'),
  2: str('role'),
  3: str('type'),
  4: str('level'),
});

export const WINDOWS_SECURITY_CONTEXT_OPTIONS = message('WindowsSecurityContextOptions', {
  1: str('gmsaCredentialSpecName', PTR),
  2: str('gmsaCredentialSpec', PTR),
  3: str('runAsUserName', PTR),
  4: bool('hostProcess', PTR),
});

export const SECCOMP_PROFILE = message('SeccompProfile', {
  1: str('type', REQ),
  2: str('localhostProfile', PTR),
});

export const APP_ARMOR_PROFILE = message('AppArmorProfile', {
  1: str('type', REQ),
  2: str('localhostProfile', PTR),
});

const SECURITY_CONTEXT = message('SecurityContext', {
  1: msg('capabilities', CAPABILITIES),
  2: bool('privileged', PTR),
  3: msg('seLinuxOptions', SE_LINUX_OPTIONS),
  4: int64('runAsUser', PTR),
  5: bool('runAsNonRoot', PTR),
  6: bool('readOnlyRootFilesystem', PTR),
  7: bool('allowPrivilegeEscalation', PTR),
  8: int64('runAsGroup', PTR),
  9: str('procMount', PTR),
  10: msg('windowsOptions', WINDOWS_SECURITY_CONTEXT_OPTIONS),
  11: msg('seccompProfile', SECCOMP_PROFILE),
  12: msg('appArmorProfile', APP_ARMOR_PROFILE),
});

const CONTAINER_RESIZE_POLICY = message('ContainerResizePolicy', {
  1: str('resourceName', REQ),
  2: str('restartPolicy', REQ),
});

const CONTAINER_RESTART_RULE_ON_EXIT_CODES = message('ContainerRestartRuleOnExitCodes', {
  1: str('operator'),
  2: int32s('values'),
});

const CONTAINER_RESTART_RULE = message('ContainerRestartRule', {
  1: str('action'),
  2: msg('exitCodes', CONTAINER_RESTART_RULE_ON_EXIT_CODES),
});

export const CONTAINER = message('Container', {
  1: str('name', REQ),
  2: str('image'),
  3: strs('command'),
  4: strs('args'),
  5: str('workingDir'),
  6: msgs('ports', CONTAINER_PORT),
  7: msgs('env', ENV_VAR),
  8: msg('resources', RESOURCE_REQUIREMENTS),
  9: msgs('volumeMounts', VOLUME_MOUNT),
  10: msg('livenessProbe', PROBE),
  11: msg('readinessProbe', PROBE),
  12: msg('lifecycle', LIFECYCLE),
  13: str('terminationMessagePath'),
  14: str('imagePullPolicy'),
  15: msg('securityContext', SECURITY_CONTEXT),
  16: bool('stdin'),
  17: bool('stdinOnce'),
  18: bool('tty'),
  19: msgs('envFrom', ENV_FROM_SOURCE),
  20: str('terminationMessagePolicy'),
  21: msgs('volumeDevices', VOLUME_DEVICE),
  22: msg('startupProbe', PROBE),
  23: msgs('resizePolicy', CONTAINER_RESIZE_POLICY),
  24: str('restartPolicy', PTR),
  25: msgs('restartPolicyRules', CONTAINER_RESTART_RULE),
});
