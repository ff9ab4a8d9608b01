// Descriptors for core/v1 volumes (the sources Gantry's agent can serve, plus nfs, ephemeral and
// image, which are cheap to describe) and PersistentVolumeClaim, which StatefulSets embed as
// volumeClaimTemplates. Cloud and legacy volume sources are not listed; VolumeSource is strict, so
// a volume of such a type is refused (send JSON) rather than decoded into a volume with no source.
import { LOCAL_OBJECT_REFERENCE, OBJECT_FIELD_SELECTOR, RESOURCE_FIELD_SELECTOR } from './core-container.js';
import {
  bool,
  inline,
  int32,
  int64,
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
import { EMPTY_STATUS, LABEL_SELECTOR, OBJECT_META, withMeta } from './meta.js';

const KEY_TO_PATH = message('KeyToPath', {
  1: str('key', REQ),
  2: str('path', REQ),
  3: int32('mode', PTR),
  4: int64('user', PTR),
});

const HOST_PATH_VOLUME_SOURCE = message('HostPathVolumeSource', {
  1: str('path', REQ),
  2: str('type', PTR),
});

const EMPTY_DIR_VOLUME_SOURCE = message('EmptyDirVolumeSource', {
  1: str('medium'),
  2: quantity('sizeLimit'),
  3: int32('mode', PTR),
});

const SECRET_VOLUME_SOURCE = message('SecretVolumeSource', {
  1: str('secretName'),
  2: msgs('items', KEY_TO_PATH),
  3: int32('defaultMode', PTR),
  4: bool('optional', PTR),
  5: int64('defaultUser', PTR),
});

const NFS_VOLUME_SOURCE = message('NFSVolumeSource', {
  1: str('server', REQ),
  2: str('path', REQ),
  3: bool('readOnly'),
});

const PERSISTENT_VOLUME_CLAIM_VOLUME_SOURCE = message('PersistentVolumeClaimVolumeSource', {
  1: str('claimName', REQ),
  2: bool('readOnly'),
});

const DOWNWARD_API_VOLUME_FILE = message('DownwardAPIVolumeFile', {
  1: str('path', REQ),
  2: msg('fieldRef', OBJECT_FIELD_SELECTOR),
  3: msg('resourceFieldRef', RESOURCE_FIELD_SELECTOR),
  4: int32('mode', PTR),
  5: int64('user', PTR),
});

const DOWNWARD_API_VOLUME_SOURCE = message('DownwardAPIVolumeSource', {
  1: msgs('items', DOWNWARD_API_VOLUME_FILE),
  2: int32('defaultMode', PTR),
  3: int64('defaultUser', PTR),
});

const CONFIG_MAP_VOLUME_SOURCE = message('ConfigMapVolumeSource', {
  1: inline(LOCAL_OBJECT_REFERENCE),
  2: msgs('items', KEY_TO_PATH),
  3: int32('defaultMode', PTR),
  4: bool('optional', PTR),
  5: int64('defaultUser', PTR),
});

const SECRET_PROJECTION = message('SecretProjection', {
  1: inline(LOCAL_OBJECT_REFERENCE),
  2: msgs('items', KEY_TO_PATH),
  4: bool('optional', PTR),
});

const DOWNWARD_API_PROJECTION = message('DownwardAPIProjection', {
  1: msgs('items', DOWNWARD_API_VOLUME_FILE),
});

const CONFIG_MAP_PROJECTION = message('ConfigMapProjection', {
  1: inline(LOCAL_OBJECT_REFERENCE),
  2: msgs('items', KEY_TO_PATH),
  4: bool('optional', PTR),
});

const SERVICE_ACCOUNT_TOKEN_PROJECTION = message('ServiceAccountTokenProjection', {
  1: str('audience'),
  2: int64('expirationSeconds', PTR),
  3: str('path', REQ),
  4: int64('user', PTR),
});

const VOLUME_PROJECTION = message(
  'VolumeProjection',
  {
    1: msg('secret', SECRET_PROJECTION),
    2: msg('downwardAPI', DOWNWARD_API_PROJECTION),
    3: msg('configMap', CONFIG_MAP_PROJECTION),
    4: msg('serviceAccountToken', SERVICE_ACCOUNT_TOKEN_PROJECTION),
  },
  { strict: true },
);

const PROJECTED_VOLUME_SOURCE = message('ProjectedVolumeSource', {
  // `sources` has no omitempty in Go, but an empty list cannot be told from a missing one here.
  1: msgs('sources', VOLUME_PROJECTION),
  2: int32('defaultMode', PTR),
  3: int64('defaultUser', PTR),
});

const TYPED_LOCAL_OBJECT_REFERENCE = message('TypedLocalObjectReference', {
  1: str('apiGroup', PTR),
  2: str('kind', REQ),
  3: str('name', REQ),
});

const TYPED_OBJECT_REFERENCE = message('TypedObjectReference', {
  1: str('apiGroup', PTR),
  2: str('kind', REQ),
  3: str('name', REQ),
  4: str('namespace', PTR),
});

const VOLUME_RESOURCE_REQUIREMENTS = message('VolumeResourceRequirements', {
  1: quantityMap('limits'),
  2: quantityMap('requests'),
});

const PERSISTENT_VOLUME_CLAIM_SPEC = message('PersistentVolumeClaimSpec', {
  1: strs('accessModes'),
  2: msg('resources', VOLUME_RESOURCE_REQUIREMENTS),
  3: str('volumeName'),
  4: msg('selector', LABEL_SELECTOR),
  5: str('storageClassName', PTR),
  6: str('volumeMode', PTR),
  7: msg('dataSource', TYPED_LOCAL_OBJECT_REFERENCE),
  8: msg('dataSourceRef', TYPED_OBJECT_REFERENCE),
  9: str('volumeAttributesClassName', PTR),
});

export const PERSISTENT_VOLUME_CLAIM = withMeta('PersistentVolumeClaim', {
  2: msg('spec', PERSISTENT_VOLUME_CLAIM_SPEC),
  3: msg('status', EMPTY_STATUS),
});

const PERSISTENT_VOLUME_CLAIM_TEMPLATE = message('PersistentVolumeClaimTemplate', {
  1: msg('metadata', OBJECT_META),
  2: msg('spec', PERSISTENT_VOLUME_CLAIM_SPEC),
});

const EPHEMERAL_VOLUME_SOURCE = message('EphemeralVolumeSource', {
  1: msg('volumeClaimTemplate', PERSISTENT_VOLUME_CLAIM_TEMPLATE),
});

const IMAGE_VOLUME_SOURCE = message('ImageVolumeSource', {
  1: str('reference'),
  2: str('pullPolicy'),
});

const VOLUME_SOURCE = message(
  'VolumeSource',
  {
    1: msg('hostPath', HOST_PATH_VOLUME_SOURCE),
    2: msg('emptyDir', EMPTY_DIR_VOLUME_SOURCE),
    6: msg('secret', SECRET_VOLUME_SOURCE),
    7: msg('nfs', NFS_VOLUME_SOURCE),
    10: msg('persistentVolumeClaim', PERSISTENT_VOLUME_CLAIM_VOLUME_SOURCE),
    16: msg('downwardAPI', DOWNWARD_API_VOLUME_SOURCE),
    19: msg('configMap', CONFIG_MAP_VOLUME_SOURCE),
    26: msg('projected', PROJECTED_VOLUME_SOURCE),
    29: msg('ephemeral', EPHEMERAL_VOLUME_SOURCE),
    30: msg('image', IMAGE_VOLUME_SOURCE),
  },
  { strict: true },
);

export const VOLUME = message('Volume', {
  1: str('name', REQ),
  2: inline(VOLUME_SOURCE),
});
