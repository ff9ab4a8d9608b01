// core/v1 Pod: PodSpec (scheduling, affinity, tolerations, security), PodTemplateSpec and PodStatus.

import {
  appArmorProfile,
  container,
  ephemeralContainer,
  localObjectReference,
  resourceRequirements,
  seccompProfile,
  seLinuxOptions,
  windowsOptions,
} from './core-container.js';
import { volume } from './core-volume.js';
import {
  atomicList,
  bool,
  enumOf,
  int32,
  int64,
  keyedList,
  obj,
  quantityMap,
  str,
  stringMap,
  time,
} from './dsl.js';
import { kindSchema, labelSelector, objectMeta } from './meta.js';

const CORE = 'io.k8s.api.core.v1';

const nodeSelectorRequirement = obj(
  {
    key: str(),
    operator: enumOf('In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt'),
    values: atomicList(str()),
  },
  { name: `${CORE}.NodeSelectorRequirement`, required: ['key', 'operator'] },
);

const nodeSelectorTerm = obj(
  { matchExpressions: atomicList(nodeSelectorRequirement), matchFields: atomicList(nodeSelectorRequirement) },
  { name: `${CORE}.NodeSelectorTerm`, mapType: 'atomic' },
);

const nodeAffinity = obj(
  {
    requiredDuringSchedulingIgnoredDuringExecution: obj(
      { nodeSelectorTerms: atomicList(nodeSelectorTerm) },
      { name: `${CORE}.NodeSelector`, required: ['nodeSelectorTerms'], mapType: 'atomic' },
    ),
    preferredDuringSchedulingIgnoredDuringExecution: atomicList(
      obj(
        { weight: int32(), preference: nodeSelectorTerm },
        { name: `${CORE}.PreferredSchedulingTerm`, required: ['weight', 'preference'] },
      ),
    ),
  },
  { name: `${CORE}.NodeAffinity` },
);

const podAffinityTerm = obj(
  {
    labelSelector,
    namespaces: atomicList(str()),
    topologyKey: str(),
    namespaceSelector: labelSelector,
    matchLabelKeys: atomicList(str()),
    mismatchLabelKeys: atomicList(str()),
  },
  { name: `${CORE}.PodAffinityTerm`, required: ['topologyKey'] },
);

const weightedPodAffinityTerm = obj(
  { weight: int32(), podAffinityTerm },
  { name: `${CORE}.WeightedPodAffinityTerm`, required: ['weight', 'podAffinityTerm'] },
);

const podAffinityFields = {
  requiredDuringSchedulingIgnoredDuringExecution: atomicList(podAffinityTerm),
  preferredDuringSchedulingIgnoredDuringExecution: atomicList(weightedPodAffinityTerm),
};

const affinity = obj(
  {
    nodeAffinity,
    podAffinity: obj(podAffinityFields, { name: `${CORE}.PodAffinity` }),
    podAntiAffinity: obj(podAffinityFields, { name: `${CORE}.PodAntiAffinity` }),
  },
  {
    name: `${CORE}.Affinity`,
    description: 'Scheduling constraints: node affinity, pod affinity and anti-affinity.',
  },
);

export const toleration = obj(
  {
    key: str(),
    operator: enumOf('Exists', 'Equal'),
    value: str(),
    effect: enumOf('NoSchedule', 'PreferNoSchedule', 'NoExecute'),
    tolerationSeconds: int64(),
  },
  { name: `${CORE}.Toleration` },
);

const podSecurityContext = obj(
  {
    seLinuxOptions,
    windowsOptions,
    runAsUser: int64(),
    runAsGroup: int64(),
    runAsNonRoot: bool(),
    supplementalGroups: atomicList(int64()),
    supplementalGroupsPolicy: enumOf('Merge', 'Strict'),
    fsGroup: int64(),
    sysctls: atomicList(
      obj({ name: str(), value: str() }, { name: `${CORE}.Sysctl`, required: ['name', 'value'] }),
    ),
    fsGroupChangePolicy: enumOf('OnRootMismatch', 'Always'),
    seccompProfile,
    appArmorProfile,
    seLinuxChangePolicy: str(),
  },
  { name: `${CORE}.PodSecurityContext` },
);

const topologySpreadConstraint = obj(
  {
    maxSkew: int32(),
    topologyKey: str(),
    whenUnsatisfiable: enumOf('DoNotSchedule', 'ScheduleAnyway'),
    labelSelector,
    minDomains: int32(),
    nodeAffinityPolicy: enumOf('Honor', 'Ignore'),
    nodeTaintsPolicy: enumOf('Honor', 'Ignore'),
    matchLabelKeys: atomicList(str()),
  },
  { name: `${CORE}.TopologySpreadConstraint`, required: ['maxSkew', 'topologyKey', 'whenUnsatisfiable'] },
);

export const podSpec = obj(
  {
    volumes: keyedList(volume, 'name', { retainKeys: true }),
    initContainers: keyedList(container, 'name'),
    containers: keyedList(container, 'name'),
    ephemeralContainers: keyedList(ephemeralContainer, 'name'),
    restartPolicy: enumOf('Always', 'OnFailure', 'Never'),
    terminationGracePeriodSeconds: int64(),
    activeDeadlineSeconds: int64(),
    dnsPolicy: enumOf('ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'),
    nodeSelector: stringMap('atomic'),
    serviceAccountName: str(),
    serviceAccount: str(),
    automountServiceAccountToken: bool(),
    nodeName: str(),
    hostNetwork: bool(),
    hostPID: bool(),
    hostIPC: bool(),
    shareProcessNamespace: bool(),
    securityContext: podSecurityContext,
    imagePullSecrets: keyedList(localObjectReference, 'name'),
    hostname: str(),
    hostnameOverride: str(),
    subdomain: str(),
    affinity,
    schedulerName: str(),
    tolerations: atomicList(toleration),
    hostAliases: keyedList(
      obj({ ip: str(), hostnames: atomicList(str()) }, { name: `${CORE}.HostAlias`, required: ['ip'] }),
      'ip',
    ),
    priorityClassName: str(),
    priority: int32(),
    dnsConfig: obj(
      {
        nameservers: atomicList(str()),
        searches: atomicList(str()),
        options: atomicList(obj({ name: str(), value: str() }, { name: `${CORE}.PodDNSConfigOption` })),
      },
      { name: `${CORE}.PodDNSConfig` },
    ),
    readinessGates: atomicList(
      obj({ conditionType: str() }, { name: `${CORE}.PodReadinessGate`, required: ['conditionType'] }),
    ),
    runtimeClassName: str(),
    enableServiceLinks: bool(),
    preemptionPolicy: enumOf('PreemptLowerPriority', 'Never'),
    overhead: quantityMap(),
    topologySpreadConstraints: keyedList(topologySpreadConstraint, 'topologyKey', {
      mapKeys: ['topologyKey', 'whenUnsatisfiable'],
    }),
    setHostnameAsFQDN: bool(),
    os: obj({ name: enumOf('linux', 'windows') }, { name: `${CORE}.PodOS`, required: ['name'] }),
    hostUsers: bool(),
    schedulingGates: keyedList(
      obj({ name: str() }, { name: `${CORE}.PodSchedulingGate`, required: ['name'] }),
      'name',
    ),
    resourceClaims: keyedList(
      obj(
        { name: str(), resourceClaimName: str(), resourceClaimTemplateName: str() },
        { name: `${CORE}.PodResourceClaim`, required: ['name'] },
      ),
      'name',
      { retainKeys: true },
    ),
    resources: resourceRequirements,
  },
  {
    name: `${CORE}.PodSpec`,
    required: ['containers'],
    description: 'The desired behaviour of a pod: its containers, volumes and scheduling constraints.',
  },
);

export const podTemplateSpec = obj(
  { metadata: objectMeta, spec: podSpec },
  { name: `${CORE}.PodTemplateSpec`, description: 'The pods a workload controller creates.' },
);

const podCondition = obj(
  {
    type: str(),
    observedGeneration: int64(),
    status: enumOf('True', 'False', 'Unknown'),
    lastProbeTime: time(),
    lastTransitionTime: time(),
    reason: str(),
    message: str(),
  },
  { name: `${CORE}.PodCondition`, required: ['type', 'status'] },
);

const containerState = obj(
  {
    waiting: obj({ reason: str(), message: str() }, { name: `${CORE}.ContainerStateWaiting` }),
    running: obj({ startedAt: time() }, { name: `${CORE}.ContainerStateRunning` }),
    terminated: obj(
      {
        exitCode: int32(),
        signal: int32(),
        reason: str(),
        message: str(),
        startedAt: time(),
        finishedAt: time(),
        containerID: str(),
      },
      { name: `${CORE}.ContainerStateTerminated`, required: ['exitCode'] },
    ),
  },
  { name: `${CORE}.ContainerState` },
);

const containerStatus = obj(
  {
    name: str(),
    state: containerState,
    lastState: containerState,
    ready: bool(),
    restartCount: int32(),
    image: str(),
    imageID: str(),
    containerID: str(),
    started: bool(),
    allocatedResources: quantityMap(),
    resources: resourceRequirements,
    volumeMounts: atomicList(
      obj(
        { name: str(), mountPath: str(), readOnly: bool(), recursiveReadOnly: str() },
        { name: `${CORE}.VolumeMountStatus`, required: ['name', 'mountPath'] },
      ),
    ),
    stopSignal: str(),
  },
  { name: `${CORE}.ContainerStatus`, required: ['name', 'ready', 'restartCount', 'image', 'imageID'] },
);

const podIP = obj({ ip: str() }, { name: `${CORE}.PodIP`, required: ['ip'] });

export const podStatus = obj(
  {
    observedGeneration: int64(),
    phase: enumOf('Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'),
    conditions: keyedList(podCondition, 'type'),
    message: str(),
    reason: str(),
    nominatedNodeName: str(),
    hostIP: str(),
    hostIPs: keyedList(obj({ ip: str() }, { name: `${CORE}.HostIP`, required: ['ip'] }), 'ip', {
      listType: 'atomic',
    }),
    podIP: str(),
    podIPs: keyedList(podIP, 'ip'),
    startTime: time(),
    initContainerStatuses: atomicList(containerStatus),
    containerStatuses: atomicList(containerStatus),
    ephemeralContainerStatuses: atomicList(containerStatus),
    qosClass: enumOf('Guaranteed', 'Burstable', 'BestEffort'),
    resize: str(),
  },
  { name: `${CORE}.PodStatus`, description: 'The observed state of a pod.' },
);

export const pod = kindSchema(
  { group: '', version: 'v1', kind: 'Pod' },
  `${CORE}.Pod`,
  { spec: podSpec, status: podStatus },
  'A group of containers scheduled together on one node, sharing network and volumes.',
);
