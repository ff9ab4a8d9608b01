// core/v1 Volume and its sources, plus PersistentVolumeClaim (used by StatefulSet templates).
// The common sources are typed field by field; rare cloud/legacy drivers are free-form objects.

import { localObjectReference, objectFieldSelector, resourceFieldSelector } from './core-container.js';
import {
  atomicList,
  bool,
  enumOf,
  free,
  int32,
  int64,
  obj,
  quantity,
  quantityMap,
  type Schema,
  str,
  stringMap,
} from './dsl.js';
import { labelSelector, objectMeta } from './meta.js';

const CORE = 'io.k8s.api.core.v1';

const keyToPath = obj(
  { key: str(), path: str(), mode: int32() },
  { name: `${CORE}.KeyToPath`, required: ['key', 'path'] },
);

const downwardAPIVolumeFile = obj(
  { path: str(), fieldRef: objectFieldSelector, resourceFieldRef: resourceFieldSelector, mode: int32() },
  { name: `${CORE}.DownwardAPIVolumeFile`, required: ['path'] },
);

const volumeProjection = obj(
  {
    secret: obj(
      { name: str(), items: atomicList(keyToPath), optional: bool() },
      { name: `${CORE}.SecretProjection` },
    ),
    configMap: obj(
      { name: str(), items: atomicList(keyToPath), optional: bool() },
      { name: `${CORE}.ConfigMapProjection` },
    ),
    downwardAPI: obj({ items: atomicList(downwardAPIVolumeFile) }, { name: `${CORE}.DownwardAPIProjection` }),
    serviceAccountToken: obj(
      { audience: str(), expirationSeconds: int64(), path: str() },
      { name: `${CORE}.ServiceAccountTokenProjection`, required: ['path'] },
    ),
    clusterTrustBundle: free(),
    podCertificate: free(),
  },
  { name: `${CORE}.VolumeProjection` },
);

const typedLocalObjectReference = obj(
  { apiGroup: str(), kind: str(), name: str() },
  { name: `${CORE}.TypedLocalObjectReference`, required: ['kind', 'name'], mapType: 'atomic' },
);

export const persistentVolumeClaimSpec = obj(
  {
    accessModes: atomicList(str()),
    selector: labelSelector,
    resources: obj(
      { limits: quantityMap(), requests: quantityMap() },
      { name: `${CORE}.VolumeResourceRequirements` },
    ),
    volumeName: str(),
    storageClassName: str(),
    volumeMode: enumOf('Block', 'Filesystem'),
    dataSource: typedLocalObjectReference,
    dataSourceRef: obj(
      { apiGroup: str(), kind: str(), name: str(), namespace: str() },
      { name: `${CORE}.TypedObjectReference`, required: ['kind', 'name'] },
    ),
    volumeAttributesClassName: str(),
  },
  { name: `${CORE}.PersistentVolumeClaimSpec` },
);

export const persistentVolumeClaim = obj(
  { apiVersion: str(), kind: str(), metadata: objectMeta, spec: persistentVolumeClaimSpec, status: free() },
  { name: `${CORE}.PersistentVolumeClaim` },
);

const readOnlyDisk = (idField: string, name: string): Schema =>
  obj(
    { [idField]: str(), fsType: str(), partition: int32(), readOnly: bool() },
    { name: `${CORE}.${name}`, required: [idField] },
  );

const volumeSources: Record<string, Schema> = {
  hostPath: obj(
    {
      path: str(),
      type: enumOf(
        '',
        'DirectoryOrCreate',
        'Directory',
        'FileOrCreate',
        'File',
        'Socket',
        'CharDevice',
        'BlockDevice',
      ),
    },
    { name: `${CORE}.HostPathVolumeSource`, required: ['path'] },
  ),
  emptyDir: obj({ medium: str(), sizeLimit: quantity() }, { name: `${CORE}.EmptyDirVolumeSource` }),
  gcePersistentDisk: readOnlyDisk('pdName', 'GCEPersistentDiskVolumeSource'),
  awsElasticBlockStore: readOnlyDisk('volumeID', 'AWSElasticBlockStoreVolumeSource'),
  gitRepo: obj(
    { repository: str(), revision: str(), directory: str() },
    { name: `${CORE}.GitRepoVolumeSource`, required: ['repository'] },
  ),
  secret: obj(
    { secretName: str(), items: atomicList(keyToPath), defaultMode: int32(), optional: bool() },
    { name: `${CORE}.SecretVolumeSource` },
  ),
  nfs: obj(
    { server: str(), path: str(), readOnly: bool() },
    { name: `${CORE}.NFSVolumeSource`, required: ['server', 'path'] },
  ),
  iscsi: obj(
    {
      targetPortal: str(),
      iqn: str(),
      lun: int32(),
      iscsiInterface: str(),
      fsType: str(),
      readOnly: bool(),
      portals: atomicList(str()),
      chapAuthDiscovery: bool(),
      chapAuthSession: bool(),
      secretRef: localObjectReference,
      initiatorName: str(),
    },
    { name: `${CORE}.ISCSIVolumeSource`, required: ['targetPortal', 'iqn', 'lun'] },
  ),
  glusterfs: obj(
    { endpoints: str(), path: str(), readOnly: bool() },
    { name: `${CORE}.GlusterfsVolumeSource`, required: ['endpoints', 'path'] },
  ),
  persistentVolumeClaim: obj(
    { claimName: str(), readOnly: bool() },
    { name: `${CORE}.PersistentVolumeClaimVolumeSource`, required: ['claimName'] },
  ),
  rbd: free(),
  flexVolume: obj(
    { driver: str(), fsType: str(), secretRef: localObjectReference, readOnly: bool(), options: stringMap() },
    { name: `${CORE}.FlexVolumeSource`, required: ['driver'] },
  ),
  cinder: obj(
    { volumeID: str(), fsType: str(), readOnly: bool(), secretRef: localObjectReference },
    { name: `${CORE}.CinderVolumeSource`, required: ['volumeID'] },
  ),
  cephfs: free(),
  flocker: free(),
  downwardAPI: obj(
    { items: atomicList(downwardAPIVolumeFile), defaultMode: int32() },
    { name: `${CORE}.DownwardAPIVolumeSource` },
  ),
  fc: free(),
  azureFile: obj(
    { secretName: str(), shareName: str(), readOnly: bool() },
    { name: `${CORE}.AzureFileVolumeSource`, required: ['secretName', 'shareName'] },
  ),
  configMap: obj(
    { name: str(), items: atomicList(keyToPath), defaultMode: int32(), optional: bool() },
    { name: `${CORE}.ConfigMapVolumeSource` },
  ),
  vsphereVolume: free(),
  quobyte: free(),
  azureDisk: free(),
  photonPersistentDisk: free(),
  projected: obj(
    { sources: atomicList(volumeProjection), defaultMode: int32() },
    { name: `${CORE}.ProjectedVolumeSource` },
  ),
  portworxVolume: free(),
  scaleIO: free(),
  storageos: free(),
  csi: obj(
    {
      driver: str(),
      readOnly: bool(),
      fsType: str(),
      volumeAttributes: stringMap(),
      nodePublishSecretRef: localObjectReference,
    },
    { name: `${CORE}.CSIVolumeSource`, required: ['driver'] },
  ),
  ephemeral: obj(
    {
      volumeClaimTemplate: obj(
        { metadata: objectMeta, spec: persistentVolumeClaimSpec },
        { name: `${CORE}.PersistentVolumeClaimTemplate`, required: ['spec'] },
      ),
    },
    { name: `${CORE}.EphemeralVolumeSource` },
  ),
  image: obj(
    { reference: str(), pullPolicy: enumOf('Always', 'IfNotPresent', 'Never') },
    { name: `${CORE}.ImageVolumeSource` },
  ),
};

export const volume = obj(
  { name: str(), ...volumeSources },
  {
    name: `${CORE}.Volume`,
    required: ['name'],
    description: 'A named volume in a pod that its containers can mount.',
  },
);
