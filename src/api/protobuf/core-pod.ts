// Descriptors for core/v1 Pod, PodSpec and PodTemplateSpec (which every workload embeds), with
// scheduling (affinity, tolerations, topology spread), DNS and the pod security context.
// Ephemeral containers (34) are left out: they are added through their own subresource.
import {
  APP_ARMOR_PROFILE,
  CONTAINER,
  LOCAL_OBJECT_REFERENCE,
  RESOURCE_REQUIREMENTS,
  SE_LINUX_OPTIONS,
  SECCOMP_PROFILE,
  WINDOWS_SECURITY_CONTEXT_OPTIONS,
} from './core-container.js';
import { VOLUME } from './core-volume.js';
import {
  bool,
  int32,
  int64,
  int64s,
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
import { EMPTY_STATUS, LABEL_SELECTOR, OBJECT_META, withMeta } from './meta.js';

const SYSCTL = message('Sysctl', {
  1: str('name', REQ),
  2: str('value', REQ),
});

const POD_SECURITY_CONTEXT = message('PodSecurityContext', {
  1: msg('seLinuxOptions', SE_LINUX_OPTIONS),
  2: int64('runAsUser', PTR),
  3: bool('runAsNonRoot', PTR),
  4: int64s('supplementalGroups'),
  5: int64('fsGroup', PTR),
  6: int64('runAsGroup', PTR),
  7: msgs('sysctls', SYSCTL),
  8: msg('windowsOptions', WINDOWS_SECURITY_CONTEXT_OPTIONS),
  9: str('fsGroupChangePolicy', PTR),
  10: msg('seccompProfile', SECCOMP_PROFILE),
  11: msg('appArmorProfile', APP_ARMOR_PROFILE),
  12: str('supplementalGroupsPolicy', PTR),
  13: str('seLinuxChangePolicy', PTR),
});

const NODE_SELECTOR_REQUIREMENT = message('NodeSelectorRequirement', {
  1: str('key', REQ),
  2: str('operator', REQ),
  3: strs('values'),
});

const NODE_SELECTOR_TERM = message('NodeSelectorTerm', {
  1: msgs('matchExpressions', NODE_SELECTOR_REQUIREMENT),
  2: msgs('matchFields', NODE_SELECTOR_REQUIREMENT),
});

const NODE_SELECTOR = message('NodeSelector', {
  1: msgs('nodeSelectorTerms', NODE_SELECTOR_TERM),
});

const PREFERRED_SCHEDULING_TERM = message('PreferredSchedulingTerm', {
  1: int32('weight', REQ),
  2: msg('preference', NODE_SELECTOR_TERM),
});

const NODE_AFFINITY = message('NodeAffinity', {
  1: msg('requiredDuringSchedulingIgnoredDuringExecution', NODE_SELECTOR),
  2: msgs('preferredDuringSchedulingIgnoredDuringExecution', PREFERRED_SCHEDULING_TERM),
});

const POD_AFFINITY_TERM = message('PodAffinityTerm', {
  1: msg('labelSelector', LABEL_SELECTOR),
  2: strs('namespaces'),
  3: str('topologyKey', REQ),
  4: msg('namespaceSelector', LABEL_SELECTOR),
  5: strs('matchLabelKeys'),
  6: strs('mismatchLabelKeys'),
});

const WEIGHTED_POD_AFFINITY_TERM = message('WeightedPodAffinityTerm', {
  1: int32('weight', REQ),
  2: msg('podAffinityTerm', POD_AFFINITY_TERM),
});

const POD_AFFINITY = message('PodAffinity', {
  1: msgs('requiredDuringSchedulingIgnoredDuringExecution', POD_AFFINITY_TERM),
  2: msgs('preferredDuringSchedulingIgnoredDuringExecution', WEIGHTED_POD_AFFINITY_TERM),
});

const POD_ANTI_AFFINITY = message('PodAntiAffinity', {
  1: msgs('requiredDuringSchedulingIgnoredDuringExecution', POD_AFFINITY_TERM),
  2: msgs('preferredDuringSchedulingIgnoredDuringExecution', WEIGHTED_POD_AFFINITY_TERM),
});

const AFFINITY = message('Affinity', {
  1: msg('nodeAffinity', NODE_AFFINITY),
  2: msg('podAffinity', POD_AFFINITY),
  3: msg('podAntiAffinity', POD_ANTI_AFFINITY),
});

const TOLERATION = message('Toleration', {
  1: str('key'),
  2: str('operator'),
  3: str('value'),
  4: str('effect'),
  5: int64('tolerationSeconds', PTR),
});

const HOST_ALIAS = message('HostAlias', {
  1: str('ip', REQ),
  2: strs('hostnames'),
});

const POD_DNS_CONFIG_OPTION = message('PodDNSConfigOption', {
  1: str('name'),
  2: str('value', PTR),
});

const POD_DNS_CONFIG = message('PodDNSConfig', {
  1: strs('nameservers'),
  2: strs('searches'),
  3: msgs('options', POD_DNS_CONFIG_OPTION),
});

const POD_READINESS_GATE = message('PodReadinessGate', {
  1: str('conditionType', REQ),
});

const TOPOLOGY_SPREAD_CONSTRAINT = message('TopologySpreadConstraint', {
  1: int32('maxSkew', REQ),
  2: str('topologyKey', REQ),
  3: str('whenUnsatisfiable', REQ),
  4: msg('labelSelector', LABEL_SELECTOR),
  5: int32('minDomains', PTR),
  6: str('nodeAffinityPolicy', PTR),
  7: str('nodeTaintsPolicy', PTR),
  8: strs('matchLabelKeys'),
});

const POD_OS = message('PodOS', {
  1: str('name', REQ),
});

const POD_SCHEDULING_GATE = message('PodSchedulingGate', {
  1: str('name', REQ),
});

const POD_RESOURCE_CLAIM = message('PodResourceClaim', {
  1: str('name', REQ),
  3: str('resourceClaimName', PTR),
  4: str('resourceClaimTemplateName', PTR),
});

export const POD_SPEC = message('PodSpec', {
  1: msgs('volumes', VOLUME),
  2: msgs('containers', CONTAINER),
  3: str('restartPolicy'),
  4: int64('terminationGracePeriodSeconds', PTR),
  5: int64('activeDeadlineSeconds', PTR),
  6: str('dnsPolicy'),
  7: stringMap('nodeSelector'),
  8: str('serviceAccountName'),
  9: str('serviceAccount'),
  10: str('nodeName'),
  11: bool('hostNetwork'),
  12: bool('hostPID'),
  13: bool('hostIPC'),
  14: msg('securityContext', POD_SECURITY_CONTEXT),
  15: msgs('imagePullSecrets', LOCAL_OBJECT_REFERENCE),
  16: str('hostname'),
  17: str('subdomain'),
  18: msg('affinity', AFFINITY),
  19: str('schedulerName'),
  20: msgs('initContainers', CONTAINER),
  21: bool('automountServiceAccountToken', PTR),
  22: msgs('tolerations', TOLERATION),
  23: msgs('hostAliases', HOST_ALIAS),
  24: str('priorityClassName'),
  25: int32('priority', PTR),
  26: msg('dnsConfig', POD_DNS_CONFIG),
  27: bool('shareProcessNamespace', PTR),
  28: msgs('readinessGates', POD_READINESS_GATE),
  29: str('runtimeClassName', PTR),
  30: bool('enableServiceLinks', PTR),
  31: str('preemptionPolicy', PTR),
  32: quantityMap('overhead'),
  33: msgs('topologySpreadConstraints', TOPOLOGY_SPREAD_CONSTRAINT),
  35: bool('setHostnameAsFQDN', PTR),
  36: msg('os', POD_OS),
  37: bool('hostUsers', PTR),
  38: msgs('schedulingGates', POD_SCHEDULING_GATE),
  39: msgs('resourceClaims', POD_RESOURCE_CLAIM),
  40: msg('resources', RESOURCE_REQUIREMENTS),
  41: str('hostnameOverride', PTR),
});

export const POD_TEMPLATE_SPEC = message('PodTemplateSpec', {
  1: msg('metadata', OBJECT_META),
  2: msg('spec', POD_SPEC),
});

export const POD = withMeta('Pod', {
  2: msg('spec', POD_SPEC),
  3: msg('status', EMPTY_STATUS),
});
