// core/v1 kinds other than Pod: Namespace, Node, Service, Endpoints, ConfigMap, Secret,
// ServiceAccount, Event, ResourceQuota, and the Binding body of pods/binding.

import { localObjectReference, protocol } from './core-container.js';
import {
  atomicList,
  bool,
  bytes,
  enumOf,
  free,
  int32,
  int64,
  intOrString,
  keyedList,
  map,
  obj,
  quantityMap,
  setList,
  str,
  stringMap,
  time,
} from './dsl.js';
import { kindSchema, metaCondition } from './meta.js';

const CORE = 'io.k8s.api.core.v1';
const v1 = (kind: string) => ({ group: '', version: 'v1', kind });

export const objectReference = obj(
  {
    kind: str(),
    namespace: str(),
    name: str(),
    uid: str(),
    apiVersion: str(),
    resourceVersion: str(),
    fieldPath: str(),
  },
  { name: `${CORE}.ObjectReference`, mapType: 'atomic' },
);

const typeStatusCondition = (name: string, extra: Record<string, ReturnType<typeof time>> = {}) =>
  obj(
    {
      type: str(),
      status: enumOf('True', 'False', 'Unknown'),
      ...extra,
      lastTransitionTime: time(),
      reason: str(),
      message: str(),
    },
    { name: `${CORE}.${name}`, required: ['type', 'status'] },
  );

export const namespace = kindSchema(
  v1('Namespace'),
  `${CORE}.Namespace`,
  {
    spec: obj({ finalizers: atomicList(str()) }, { name: `${CORE}.NamespaceSpec` }),
    status: obj(
      {
        phase: enumOf('Active', 'Terminating'),
        conditions: keyedList(typeStatusCondition('NamespaceCondition'), 'type'),
      },
      { name: `${CORE}.NamespaceStatus` },
    ),
  },
  'A scope for names; deleting it deletes everything inside.',
);

const taint = obj(
  {
    key: str(),
    value: str(),
    effect: enumOf('NoSchedule', 'PreferNoSchedule', 'NoExecute'),
    timeAdded: time(),
  },
  { name: `${CORE}.Taint`, required: ['key', 'effect'] },
);

export const node = kindSchema(
  v1('Node'),
  `${CORE}.Node`,
  {
    spec: obj(
      {
        podCIDR: str(),
        podCIDRs: setList(),
        providerID: str(),
        unschedulable: bool(),
        taints: atomicList(taint),
        configSource: free(),
        externalID: str(),
      },
      { name: `${CORE}.NodeSpec` },
    ),
    status: obj(
      {
        capacity: quantityMap(),
        allocatable: quantityMap(),
        phase: enumOf('Pending', 'Running', 'Terminated'),
        conditions: keyedList(typeStatusCondition('NodeCondition', { lastHeartbeatTime: time() }), 'type'),
        addresses: keyedList(
          obj(
            { type: str(), address: str() },
            { name: `${CORE}.NodeAddress`, required: ['type', 'address'] },
          ),
          'type',
          { listType: 'atomic' },
        ),
        daemonEndpoints: obj(
          {
            kubeletEndpoint: obj({ Port: int32() }, { name: `${CORE}.DaemonEndpoint`, required: ['Port'] }),
          },
          { name: `${CORE}.NodeDaemonEndpoints` },
        ),
        nodeInfo: obj(
          {
            machineID: str(),
            systemUUID: str(),
            bootID: str(),
            kernelVersion: str(),
            osImage: str(),
            containerRuntimeVersion: str(),
            kubeletVersion: str(),
            kubeProxyVersion: str(),
            operatingSystem: str(),
            architecture: str(),
            swap: obj({ capacity: int64() }, { name: `${CORE}.NodeSwapStatus` }),
          },
          { name: `${CORE}.NodeSystemInfo` },
        ),
        images: atomicList(
          obj({ names: atomicList(str()), sizeBytes: int64() }, { name: `${CORE}.ContainerImage` }),
        ),
        volumesInUse: atomicList(str()),
        volumesAttached: atomicList(
          obj(
            { name: str(), devicePath: str() },
            { name: `${CORE}.AttachedVolume`, required: ['name', 'devicePath'] },
          ),
        ),
        config: free(),
        runtimeHandlers: atomicList(free()),
        features: obj({ supplementalGroupsPolicy: bool() }, { name: `${CORE}.NodeFeatures` }),
        declaredFeatures: atomicList(str()),
      },
      { name: `${CORE}.NodeStatus` },
    ),
  },
  'A machine that runs pods; its agent reports capacity and conditions.',
);

const servicePort = obj(
  {
    name: str(),
    protocol: protocol(),
    appProtocol: str(),
    port: int32(),
    targetPort: intOrString(),
    nodePort: int32(),
  },
  { name: `${CORE}.ServicePort`, required: ['port'] },
);

export const service = kindSchema(
  v1('Service'),
  `${CORE}.Service`,
  {
    spec: obj(
      {
        ports: keyedList(servicePort, 'port', { mapKeys: ['port', 'protocol'] }),
        selector: stringMap('atomic'),
        clusterIP: str(),
        clusterIPs: atomicList(str()),
        type: enumOf('ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'),
        externalIPs: atomicList(str()),
        sessionAffinity: enumOf('ClientIP', 'None'),
        loadBalancerIP: str(),
        loadBalancerSourceRanges: atomicList(str()),
        externalName: str(),
        externalTrafficPolicy: enumOf('Cluster', 'Local'),
        healthCheckNodePort: int32(),
        publishNotReadyAddresses: bool(),
        sessionAffinityConfig: obj(
          { clientIP: obj({ timeoutSeconds: int32() }, { name: `${CORE}.ClientIPConfig` }) },
          { name: `${CORE}.SessionAffinityConfig` },
        ),
        ipFamilies: atomicList(enumOf('IPv4', 'IPv6')),
        ipFamilyPolicy: enumOf('SingleStack', 'PreferDualStack', 'RequireDualStack'),
        allocateLoadBalancerNodePorts: bool(),
        loadBalancerClass: str(),
        internalTrafficPolicy: enumOf('Cluster', 'Local'),
        trafficDistribution: str(),
      },
      {
        name: `${CORE}.ServiceSpec`,
        description: 'Which pods a service selects and which ports it exposes.',
      },
    ),
    status: obj(
      {
        loadBalancer: obj(
          {
            ingress: atomicList(
              obj(
                {
                  ip: str(),
                  hostname: str(),
                  ipMode: str(),
                  ports: atomicList(
                    obj(
                      { port: int32(), protocol: protocol(), error: str() },
                      { name: `${CORE}.PortStatus`, required: ['port', 'protocol'] },
                    ),
                  ),
                },
                { name: `${CORE}.LoadBalancerIngress` },
              ),
            ),
          },
          { name: `${CORE}.LoadBalancerStatus` },
        ),
        conditions: keyedList(metaCondition, 'type'),
      },
      { name: `${CORE}.ServiceStatus` },
    ),
  },
  'A stable virtual IP and DNS name in front of the pods its selector matches.',
);

const endpointAddress = obj(
  { ip: str(), hostname: str(), nodeName: str(), targetRef: objectReference },
  { name: `${CORE}.EndpointAddress`, required: ['ip'], mapType: 'atomic' },
);

const endpointSubset = obj(
  {
    addresses: atomicList(endpointAddress),
    notReadyAddresses: atomicList(endpointAddress),
    ports: atomicList(
      obj(
        { name: str(), port: int32(), protocol: protocol(), appProtocol: str() },
        { name: `${CORE}.EndpointPort`, required: ['port'], mapType: 'atomic' },
      ),
    ),
  },
  { name: `${CORE}.EndpointSubset` },
);

export const endpoints = kindSchema(
  v1('Endpoints'),
  `${CORE}.Endpoints`,
  { subsets: atomicList(endpointSubset) },
  'The addresses and ports of the ready and not-ready pods behind a service.',
);

export const configMap = kindSchema(
  v1('ConfigMap'),
  `${CORE}.ConfigMap`,
  { immutable: bool(), data: stringMap(), binaryData: map(bytes()) },
  'Non-secret configuration data as key-value pairs.',
);

export const secret = kindSchema(
  v1('Secret'),
  `${CORE}.Secret`,
  { immutable: bool(), data: map(bytes()), stringData: stringMap(), type: str() },
  'Sensitive data (base64 in `data`, plain text in the write-only `stringData`).',
);

export const serviceAccount = kindSchema(
  v1('ServiceAccount'),
  `${CORE}.ServiceAccount`,
  {
    secrets: keyedList(objectReference, 'name', { listType: 'atomic' }),
    imagePullSecrets: atomicList(localObjectReference),
    automountServiceAccountToken: bool(),
  },
  'An identity for processes running in pods.',
);

export const event = kindSchema(
  v1('Event'),
  `${CORE}.Event`,
  {
    involvedObject: objectReference,
    reason: str(),
    message: str(),
    source: obj({ component: str(), host: str() }, { name: `${CORE}.EventSource` }),
    firstTimestamp: time(),
    lastTimestamp: time(),
    count: int32(),
    type: str(),
    eventTime: time(),
    series: obj({ count: int32(), lastObservedTime: time() }, { name: `${CORE}.EventSeries` }),
    action: str(),
    related: objectReference,
    reportingComponent: str(),
    reportingInstance: str(),
  },
  'A report of something that happened to an object.',
  ['metadata', 'involvedObject'],
);

export const resourceQuota = kindSchema(
  v1('ResourceQuota'),
  `${CORE}.ResourceQuota`,
  {
    spec: obj(
      {
        hard: quantityMap(),
        scopes: atomicList(str()),
        scopeSelector: obj(
          {
            matchExpressions: atomicList(
              obj(
                {
                  scopeName: str(),
                  operator: enumOf('In', 'NotIn', 'Exists', 'DoesNotExist'),
                  values: atomicList(str()),
                },
                { name: `${CORE}.ScopedResourceSelectorRequirement`, required: ['scopeName', 'operator'] },
              ),
            ),
          },
          { name: `${CORE}.ScopeSelector`, mapType: 'atomic' },
        ),
      },
      { name: `${CORE}.ResourceQuotaSpec` },
    ),
    status: obj({ hard: quantityMap(), used: quantityMap() }, { name: `${CORE}.ResourceQuotaStatus` }),
  },
  'Limits on the total resources a namespace may consume.',
);

export const binding = kindSchema(
  v1('Binding'),
  `${CORE}.Binding`,
  { target: objectReference },
  'Binds a pod to a node (the pods/binding subresource).',
  ['target'],
);
