// Owner references as controllers use them: the reference a controller stamps on what it
// creates, an informer index from a controller's uid to the objects it controls, and the
// mapping of a child's event to its owner's work-queue key (sample-controller's handleObject).
import { controllerRef } from '../../api/pod-helpers.js';
import type { KObject, OwnerReference } from '../../api/types.js';
import type { Informer } from '../../client/informer.js';

/** Informer index: the uid of an object's controller (ownerReference with controller: true). */
export const CONTROLLER_UID_INDEX = 'gantry.dev/controller-uid';
/** Informer index: the object's namespace ('' for cluster-scoped objects). */
export const NAMESPACE_INDEX = 'gantry.dev/namespace';

/** The reference a controller puts on the objects it creates (controller + blockOwnerDeletion). */
export function controllerRefTo(owner: Pick<KObject, 'apiVersion' | 'kind' | 'metadata'>): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function isControlledBy(obj: Pick<KObject, 'metadata'>, owner: Pick<KObject, 'metadata'>): boolean {
  const ref = controllerRef(obj);
  return ref !== undefined && ref.uid === owner.metadata.uid;
}

/** Adds the controller-uid index to an informer (idempotent: the same function every time). */
export function indexByControllerUid(inf: Informer): void {
  inf.addIndex(CONTROLLER_UID_INDEX, (o) => {
    const ref = controllerRef(o);
    return ref ? [ref.uid] : [];
  });
}

export function indexByNamespace(inf: Informer): void {
  inf.addIndex(NAMESPACE_INDEX, (o) => [o.metadata.namespace ?? '']);
}

/** The objects in the informer whose controller is `owner` (same uid and namespace). */
export function controlledBy(inf: Informer, owner: Pick<KObject, 'metadata'>): KObject[] {
  const uid = owner.metadata.uid;
  if (!uid) {
    return [];
  }
  return inf
    .byIndex(CONTROLLER_UID_INDEX, uid)
    .filter((o) => o.metadata.namespace === owner.metadata.namespace);
}

/**
 * The work-queue key (`ns/name`) of the controller of `child` when that controller is of the
 * given group and kind, else undefined.
 */
export function ownerKeyOf(
  child: Pick<KObject, 'metadata'>,
  group: string,
  kind: string,
): string | undefined {
  const ref = controllerRef(child);
  if (!ref || ref.kind !== kind) {
    return undefined;
  }
  const slash = ref.apiVersion.indexOf('/');
  const refGroup = slash < 0 ? '' : ref.apiVersion.slice(0, slash);
  if (refGroup !== group) {
    return undefined;
  }
  const ns = child.metadata.namespace;
  return ns ? `${ns}/${ref.name}` : ref.name;
}
