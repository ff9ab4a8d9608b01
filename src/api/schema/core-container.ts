// core/v1 Container and everything inside it: ports, env, resources, probes, lifecycle hooks,
// volume mounts and the container security context.
import {
  atomicList,
  bool,
  enumOf,
  int32,
  int64,
  intOrString,
  keyedList,
  obj,
  quantity,
  quantityMap,
  str,
} from './dsl.js';

const CORE = 'io.k8s.api.core.v1';

export const protocol = () => enumOf('TCP', 'UDP', 'SCTP');

export const localObjectReference = obj(
  { name: str() },
  { name: `${CORE}.LocalObjectReference`, mapType: 'atomic' },
);

export const containerPort = obj(
  { name: str(), hostPort: int32(), containerPort: int32(), protocol: protocol(), hostIP: str() },
  { name: `${CORE}.ContainerPort`, required: ['containerPort'] },
);

export const objectFieldSelector = obj(
  { apiVersion: str(), fieldPath: str() },
  { name: `${CORE}.ObjectFieldSelector`, required: ['fieldPath'], mapType: 'atomic' },
);

export const resourceFieldSelector = obj(
  { containerName: str(), resource: str(), divisor: quantity() },
  { name: `${CORE}.ResourceFieldSelector`, required: ['resource'], mapType: 'atomic' },
);

const keySelector = (kind: string) =>
  obj(
    { name: str(), key: str(), optional: bool() },
    { name: `${CORE}.${kind}KeySelector`, required: ['key'], mapType: 'atomic' },
  );

const envVarSource = obj(
  {
    fieldRef: objectFieldSelector,
    resourceFieldRef: resourceFieldSelector,
    configMapKeyRef: keySelector('ConfigMap'),
    secretKeyRef: keySelector('Secret'),
    fileKeyRef: obj(
      { volumeName: str(), path: str(), key: str(), optional: bool() },
      { name: `${CORE}.FileKeySelector`, required: ['volumeName', 'path', 'key'] },
    ),
  },
  { name: `${CORE}.EnvVarSource` },
);

export const envVar = obj(
  { name: str(), value: str(), valueFrom: envVarSource },
  { name: `${CORE}.EnvVar`, required: ['name'] },
);

const envFromSource = obj(
  {
    prefix: str(),
    configMapRef: obj({ name: str(), optional: bool() }, { name: `${CORE}.ConfigMapEnvSource` }),
    secretRef: obj({ name: str(), optional: bool() }, { name: `${CORE}.SecretEnvSource` }),
  },
  { name: `${CORE}.EnvFromSource` },
);

export const resourceRequirements = obj(
  {
    limits: quantityMap(),
    requests: quantityMap(),
    claims: keyedList(
      obj({ name: str(), request: str() }, { name: `${CORE}.ResourceClaim`, required: ['name'] }),
      'name',
      {
        listType: 'map',
      },
    ),
  },
  { name: `${CORE}.ResourceRequirements` },
);

export const volumeMount = obj(
  {
    name: str(),
    readOnly: bool(),
    recursiveReadOnly: str(),
    mountPath: str(),
    subPath: str(),
    mountPropagation: enumOf('None', 'HostToContainer', 'Bidirectional'),
    subPathExpr: str(),
  },
  { name: `${CORE}.VolumeMount`, required: ['name', 'mountPath'] },
);

const volumeDevice = obj(
  { name: str(), devicePath: str() },
  { name: `${CORE}.VolumeDevice`, required: ['name', 'devicePath'] },
);

export const execAction = obj({ command: atomicList(str()) }, { name: `${CORE}.ExecAction` });

const httpGetAction = obj(
  {
    path: str(),
    port: intOrString(),
    host: str(),
    scheme: enumOf('HTTP', 'HTTPS'),
    httpHeaders: atomicList(
      obj({ name: str(), value: str() }, { name: `${CORE}.HTTPHeader`, required: ['name', 'value'] }),
    ),
  },
  { name: `${CORE}.HTTPGetAction`, required: ['port'] },
);

const tcpSocketAction = obj(
  { port: intOrString(), host: str() },
  { name: `${CORE}.TCPSocketAction`, required: ['port'] },
);

const grpcAction = obj({ port: int32(), service: str() }, { name: `${CORE}.GRPCAction`, required: ['port'] });

export const probe = obj(
  {
    exec: execAction,
    httpGet: httpGetAction,
    tcpSocket: tcpSocketAction,
    grpc: grpcAction,
    initialDelaySeconds: int32(),
    timeoutSeconds: int32(),
    periodSeconds: int32(),
    successThreshold: int32(),
    failureThreshold: int32(),
    terminationGracePeriodSeconds: int64(),
  },
  { name: `${CORE}.Probe`, description: 'A health check run against a container.' },
);

const lifecycleHandler = obj(
  {
    exec: execAction,
    httpGet: httpGetAction,
    tcpSocket: tcpSocketAction,
    sleep: obj({ seconds: int64() }, { name: `${CORE}.SleepAction`, required: ['seconds'] }),
  },
  { name: `${CORE}.LifecycleHandler` },
);

const lifecycle = obj(
  { postStart: lifecycleHandler, preStop: lifecycleHandler, stopSignal: str() },
  { name: `${CORE}.Lifecycle` },
);

export const seLinuxOptions = obj(
  { user: str(), role: str(), type: str(), level: str() },
  { name: `${CORE}.SELinuxOptions` },
);

export const windowsOptions = obj(
  { gmsaCredentialSpecName: str(), gmsaCredentialSpec: str(), runAsUserName: str(), hostProcess: bool() },
  { name: `${CORE}.WindowsSecurityContextOptions` },
);

export const seccompProfile = obj(
  { type: enumOf('Localhost', 'RuntimeDefault', 'Unconfined'), localhostProfile: str() },
  { name: `${CORE}.SeccompProfile`, required: ['type'] },
);

export const appArmorProfile = obj(
  { type: enumOf('Localhost', 'RuntimeDefault', 'Unconfined'), localhostProfile: str() },
  { name: `${CORE}.AppArmorProfile`, required: ['type'] },
);

const securityContext = obj(
  {
    capabilities: obj({ add: atomicList(str()), drop: atomicList(str()) }, { name: `${CORE}.Capabilities` }),
    privileged: bool(),
    seLinuxOptions,
    windowsOptions,
    runAsUser: int64(),
    runAsGroup: int64(),
    runAsNonRoot: bool(),
    readOnlyRootFilesystem: bool(),
    allowPrivilegeEscalation: bool(),
    procMount: enumOf('Default', 'Unmasked'),
    seccompProfile,
    appArmorProfile,
  },
  { name: `${CORE}.SecurityContext` },
);

const containerFields = {
  name: str(),
  image: str(),
  command: atomicList(str()),
  args: atomicList(str()),
  workingDir: str(),
  ports: keyedList(containerPort, 'containerPort', { mapKeys: ['containerPort', 'protocol'] }),
  envFrom: atomicList(envFromSource),
  env: keyedList(envVar, 'name'),
  resources: resourceRequirements,
  resizePolicy: atomicList(
    obj(
      { resourceName: str(), restartPolicy: enumOf('NotRequired', 'RestartContainer') },
      { name: `${CORE}.ContainerResizePolicy`, required: ['resourceName', 'restartPolicy'] },
    ),
  ),
  restartPolicy: enumOf('Always'),
  restartPolicyRules: atomicList(
    obj(
      {
        action: str(),
        exitCodes: obj({ operator: enumOf('In', 'NotIn'), values: setList32() }, {}),
      },
      { name: `${CORE}.ContainerRestartRule`, required: ['action'] },
    ),
  ),
  volumeMounts: keyedList(volumeMount, 'mountPath'),
  volumeDevices: keyedList(volumeDevice, 'devicePath'),
  livenessProbe: probe,
  readinessProbe: probe,
  startupProbe: probe,
  lifecycle,
  terminationMessagePath: str(),
  terminationMessagePolicy: enumOf('File', 'FallbackToLogsOnError'),
  imagePullPolicy: enumOf('Always', 'IfNotPresent', 'Never'),
  securityContext,
  stdin: bool(),
  stdinOnce: bool(),
  tty: bool(),
};

function setList32() {
  return { ...atomicList(int32()), listType: 'set' as const };
}

export const container = obj(containerFields, {
  name: `${CORE}.Container`,
  required: ['name'],
  description: 'A single application container run inside a pod.',
});

export const ephemeralContainer = obj(
  { ...containerFields, targetContainerName: str() },
  { name: `${CORE}.EphemeralContainer`, required: ['name'] },
);
