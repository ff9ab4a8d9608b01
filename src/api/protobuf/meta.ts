// Descriptors for k8s.io/apimachinery meta/v1 messages that request bodies carry: ObjectMeta and
// LabelSelector. managedFields (17) is left out on purpose: clients do not send it on create.
import {
  bool,
  type FieldDesc,
  int64,
  type MessageDesc,
  message,
  msg,
  msgs,
  PTR,
  REQ,
  str,
  stringMap,
  strs,
  time,
} from './descriptor.js';

export const OWNER_REFERENCE = message('OwnerReference', {
  1: str('kind', REQ),
  3: str('name', REQ),
  4: str('uid', REQ),
  5: str('apiVersion', REQ),
  6: bool('controller', PTR),
  7: bool('blockOwnerDeletion', PTR),
});

export const OBJECT_META = message('ObjectMeta', {
  1: str('name'),
  2: str('generateName'),
  3: str('namespace'),
  4: str('selfLink'),
  5: str('uid'),
  6: str('resourceVersion'),
  7: int64('generation'),
  // A zero time arrives as an empty message and becomes `creationTimestamp: null`, as kubectl's JSON.
  8: time('creationTimestamp'),
  9: time('deletionTimestamp'),
  10: int64('deletionGracePeriodSeconds', PTR),
  11: stringMap('labels'),
  12: stringMap('annotations'),
  13: msgs('ownerReferences', OWNER_REFERENCE),
  14: strs('finalizers'),
});

export const LABEL_SELECTOR_REQUIREMENT = message('LabelSelectorRequirement', {
  1: str('key', REQ),
  2: str('operator', REQ),
  3: strs('values'),
});

export const LABEL_SELECTOR = message('LabelSelector', {
  1: stringMap('matchLabels'),
  2: msgs('matchExpressions', LABEL_SELECTOR_REQUIREMENT),
});

/**
 * A status whose fields a create request never carries: it decodes to `{}`, as kubectl's JSON has
 * it, and whatever a client did put in it is dropped (the API server ignores status on create).
 */
export const EMPTY_STATUS = message('IgnoredStatus', {});

/** A top-level object: ObjectMeta in field 1, then its own fields (status is left out: see index.ts). */
export function withMeta(name: string, fields: Readonly<Record<number, FieldDesc>>): MessageDesc {
  return message(name, { 1: msg('metadata', OBJECT_META), ...fields });
}
