// apimachinery meta/v1 shapes shared by every kind: ObjectMeta, ListMeta, LabelSelector, Status,
// DeleteOptions, Condition, and autoscaling/v1 Scale (the `scale` subresource body).
import {
  arr,
  atomicList,
  bool,
  enumOf,
  free,
  type Gvk,
  int32,
  int64,
  keyedList,
  type ObjectSchema,
  obj,
  type Schema,
  setList,
  str,
  stringMap,
  time,
} from './dsl.js';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

export const ownerReference = obj(
  {
    apiVersion: str(),
    kind: str(),
    name: str(),
    uid: str(),
    controller: bool(),
    blockOwnerDeletion: bool(),
  },
  { name: `${META}.OwnerReference`, required: ['apiVersion', 'kind', 'name', 'uid'], mapType: 'atomic' },
);

export const managedFieldsEntry = obj(
  {
    manager: str(),
    operation: str(),
    apiVersion: str(),
    time: time(),
    fieldsType: str(),
    fieldsV1: free(),
    subresource: str(),
  },
  { name: `${META}.ManagedFieldsEntry` },
);

export const objectMeta = obj(
  {
    name: str(),
    generateName: str(),
    namespace: str(),
    selfLink: str(),
    uid: str(),
    resourceVersion: str(),
    generation: int64(),
    creationTimestamp: time(),
    deletionTimestamp: time(),
    deletionGracePeriodSeconds: int64(),
    labels: stringMap(),
    annotations: stringMap(),
    ownerReferences: keyedList(ownerReference, 'uid'),
    finalizers: setList(),
    managedFields: atomicList(managedFieldsEntry),
  },
  {
    name: `${META}.ObjectMeta`,
    description: 'Standard object metadata: name, namespace, labels, annotations, owners and bookkeeping.',
  },
);

export const listMeta = obj(
  { selfLink: str(), resourceVersion: str(), continue: str(), remainingItemCount: int64() },
  { name: `${META}.ListMeta` },
);

export const labelSelectorRequirement = obj(
  { key: str(), operator: enumOf('In', 'NotIn', 'Exists', 'DoesNotExist'), values: atomicList(str()) },
  { name: `${META}.LabelSelectorRequirement`, required: ['key', 'operator'] },
);

export const labelSelector = obj(
  { matchLabels: stringMap(), matchExpressions: atomicList(labelSelectorRequirement) },
  { name: `${META}.LabelSelector`, mapType: 'atomic' },
);

/** metav1.Condition, used by newer APIs (Service status). */
export const metaCondition = obj(
  {
    type: str(),
    status: enumOf('True', 'False', 'Unknown'),
    observedGeneration: int64(),
    lastTransitionTime: time(),
    reason: str(),
    message: str(),
  },
  { name: `${META}.Condition`, required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'] },
);

const statusCause = obj({ reason: str(), message: str(), field: str() }, { name: `${META}.StatusCause` });

const statusDetails = obj(
  {
    name: str(),
    group: str(),
    kind: str(),
    uid: str(),
    causes: atomicList(statusCause),
    retryAfterSeconds: int32(),
  },
  { name: `${META}.StatusDetails` },
);

export const status = obj(
  {
    apiVersion: str(),
    kind: str(),
    metadata: listMeta,
    status: str(),
    message: str(),
    reason: str(),
    details: statusDetails,
    code: int32(),
  },
  {
    name: `${META}.Status`,
    description: 'The result of an operation that does not return an object, such as an error.',
    gvk: [{ group: '', version: 'v1', kind: 'Status' }],
  },
);

const preconditions = obj({ uid: str(), resourceVersion: str() }, { name: `${META}.Preconditions` });

/** DeleteOptions is accepted in every group-version; `gvks` lists where it is served. */
export function deleteOptions(gvks: Gvk[]): ObjectSchema {
  return obj(
    {
      apiVersion: str(),
      kind: str(),
      gracePeriodSeconds: int64(),
      preconditions,
      orphanDependents: bool(),
      propagationPolicy: enumOf('Orphan', 'Background', 'Foreground'),
      dryRun: atomicList(str()),
      ignoreStoreReadErrorWithClusterBreakingPotential: bool(),
    },
    { name: `${META}.DeleteOptions`, description: 'Options for a delete request.', gvk: gvks },
  );
}

export const scale = obj(
  {
    apiVersion: str(),
    kind: str(),
    metadata: objectMeta,
    spec: obj({ replicas: int32() }, { name: 'io.k8s.api.autoscaling.v1.ScaleSpec' }),
    status: obj(
      { replicas: int32(), selector: str() },
      { name: 'io.k8s.api.autoscaling.v1.ScaleStatus', required: ['replicas'] },
    ),
  },
  {
    name: 'io.k8s.api.autoscaling.v1.Scale',
    description: 'The desired and observed replica count of a scalable resource (the scale subresource).',
    gvk: [{ group: 'autoscaling', version: 'v1', kind: 'Scale' }],
  },
);

/** A top-level kind: apiVersion, kind, metadata plus the given fields (usually spec and status). */
export function kindSchema(
  gvk: Gvk,
  name: string,
  fields: Record<string, Schema>,
  description: string,
  required: string[] = [],
): ObjectSchema {
  return obj(
    { apiVersion: str(), kind: str(), metadata: objectMeta, ...fields },
    { name, description, gvk: [gvk], ...(required.length > 0 ? { required } : {}) },
  );
}

/** The `<Kind>List` shape for a kind. */
export function listSchema(item: ObjectSchema): ObjectSchema {
  const gvk = item.gvk?.[0];
  if (!gvk || !item.name) {
    throw new Error('listSchema needs a named top-level kind');
  }
  return obj(
    { apiVersion: str(), kind: str(), metadata: listMeta, items: arr(item) },
    {
      name: `${item.name}List`,
      description: `A list of ${gvk.kind} objects.`,
      gvk: [{ ...gvk, kind: `${gvk.kind}List` }],
      required: ['items'],
    },
  );
}
