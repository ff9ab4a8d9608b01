// Descriptors for the core/v1 objects other than Pod: Namespace, ConfigMap, Secret,
// ServiceAccount, Service and ResourceQuota — everything `kubectl create <kind>` sends in the core
// group. Status is described only as far as kubectl's JSON shows it for a new object.
import { LOCAL_OBJECT_REFERENCE } from './core-container.js';
import {
  bool,
  bytesMap,
  int32,
  intOrString,
  message,
  msg,
  msgs,
  PTR,
  quantityMap,
  REQ,
  str,
  stringMap,
  strs,
} from './descriptor.js';
import { EMPTY_STATUS, withMeta } from './meta.js';

const NAMESPACE_SPEC = message('NamespaceSpec', {
  1: strs('finalizers'),
});

const NAMESPACE_STATUS = message('NamespaceStatus', {
  1: str('phase'),
});

export const NAMESPACE = withMeta('Namespace', {
  2: msg('spec', NAMESPACE_SPEC),
  3: msg('status', NAMESPACE_STATUS),
});

export const CONFIG_MAP = withMeta('ConfigMap', {
  2: stringMap('data'),
  3: bytesMap('binaryData'),
  4: bool('immutable', PTR),
});

export const SECRET = withMeta('Secret', {
  2: bytesMap('data'),
  3: str('type'),
  4: stringMap('stringData'),
  5: bool('immutable', PTR),
});

const OBJECT_REFERENCE = message('ObjectReference', {
  1: str('kind'),
  2: str('namespace'),
  3: str('name'),
  4: str('uid'),
  5: str('apiVersion'),
  6: str('resourceVersion'),
  7: str('fieldPath'),
});

export const SERVICE_ACCOUNT = withMeta('ServiceAccount', {
  2: msgs('secrets', OBJECT_REFERENCE),
  3: msgs('imagePullSecrets', LOCAL_OBJECT_REFERENCE),
  4: bool('automountServiceAccountToken', PTR),
});

const SERVICE_PORT = message('ServicePort', {
  1: str('name'),
  2: str('protocol'),
  3: int32('port', REQ),
  4: intOrString('targetPort'),
  5: int32('nodePort'),
  6: str('appProtocol', PTR),
});

const CLIENT_IP_CONFIG = message('ClientIPConfig', {
  1: int32('timeoutSeconds', PTR),
});

const SESSION_AFFINITY_CONFIG = message('SessionAffinityConfig', {
  1: msg('clientIP', CLIENT_IP_CONFIG),
});

const SERVICE_SPEC = message('ServiceSpec', {
  1: msgs('ports', SERVICE_PORT),
  2: stringMap('selector'),
  3: str('clusterIP'),
  4: str('type'),
  5: strs('externalIPs'),
  7: str('sessionAffinity'),
  8: str('loadBalancerIP'),
  9: strs('loadBalancerSourceRanges'),
  10: str('externalName'),
  11: str('externalTrafficPolicy'),
  12: int32('healthCheckNodePort'),
  13: bool('publishNotReadyAddresses'),
  14: msg('sessionAffinityConfig', SESSION_AFFINITY_CONFIG),
  17: str('ipFamilyPolicy', PTR),
  18: strs('clusterIPs'),
  19: strs('ipFamilies'),
  20: bool('allocateLoadBalancerNodePorts', PTR),
  21: str('loadBalancerClass', PTR),
  22: str('internalTrafficPolicy', PTR),
  23: str('trafficDistribution', PTR),
});

const SERVICE_STATUS = message('ServiceStatus', {
  1: msg('loadBalancer', EMPTY_STATUS),
});

export const SERVICE = withMeta('Service', {
  2: msg('spec', SERVICE_SPEC),
  3: msg('status', SERVICE_STATUS),
});

const SCOPED_RESOURCE_SELECTOR_REQUIREMENT = message('ScopedResourceSelectorRequirement', {
  1: str('scopeName', REQ),
  2: str('operator', REQ),
  3: strs('values'),
});

const SCOPE_SELECTOR = message('ScopeSelector', {
  1: msgs('matchExpressions', SCOPED_RESOURCE_SELECTOR_REQUIREMENT),
});

const RESOURCE_QUOTA_SPEC = message('ResourceQuotaSpec', {
  1: quantityMap('hard'),
  2: strs('scopes'),
  3: msg('scopeSelector', SCOPE_SELECTOR),
});

export const RESOURCE_QUOTA = withMeta('ResourceQuota', {
  2: msg('spec', RESOURCE_QUOTA_SPEC),
  3: msg('status', EMPTY_STATUS),
});
