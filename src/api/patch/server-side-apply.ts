// Server-side apply (`application/apply-patch+yaml`, `kubectl apply --server-side`), simplified.
//
// What it does, as Kubernetes does:
// - The applied configuration is the manager's whole intent. It is merged into the live object
//   (objects merge, lists with a merge key merge element-wise, primitive merge lists are sets,
//   other lists are atomic and replaced).
// - The fields the configuration sets become the manager's field set, recorded in
//   `metadata.managedFields` as a `FieldsV1` entry with operation `Apply`.
// - Fields the manager owned before and no longer applies are removed from the object unless
//   another manager also owns them; objects and lists left empty by that removal go too.
// - Setting a field to a value different from the live one when another `Apply` manager owns it
//   is a conflict: the apply is refused (the caller answers 409) unless `force`, which moves
//   ownership to this manager. Setting it to the same value shares ownership.
// - `status` is neither applied nor owned (apply to the main resource resets status), and
//   identity/bookkeeping metadata (name, namespace, uid, resourceVersion, …) is not owned.
//
// What is simplified:
// - Conflicts are reported only against `Apply` managers. Kubernetes also reports them against
//   `Update` managers (e.g. after `kubectl scale`); here such a manager silently loses a field
//   whose value the apply changes.
// - No schema: list semantics come from the `ListStrategyLookup`, objects are never "atomic",
//   and a non-empty object is never owned as a whole (only its fields are), so `.` marks appear
//   on keyed list elements only.
// - `null` in the applied configuration is dropped (neither set nor owned).
// - No `before-first-apply` manager is invented for objects created without managedFields, and
//   no element reordering: new list elements are appended after the live ones.
// - A keyed element this manager stops applying is removed only when no other manager owns
//   anything inside it; otherwise only this manager's fields in it are removed.
import { type Clock, rfc3339, systemClock } from '../clock.js';
import type { KObject } from '../types.js';
import {
  type FieldPath,
  type FieldSet,
  fieldSetFromPaths,
  fieldSetOf,
  isEmptyContainer,
  isKeyField,
  memberPaths,
  pathKey,
  removeAt,
  renderPath,
  touches,
  valueAt,
} from './field-set.js';
import { cloneJson, isJsonObject, type JsonObject, jsonEqual } from './json-values.js';
import type { ListStrategyLookup } from './list-strategy.js';
import { malformedPatch } from './patch-errors.js';
import { applyStrategicMergePatch, isDirectiveKey } from './strategic-merge.js';

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: FieldSet;
  subresource?: string;
}

export interface ApplyConflict {
  /** The manager that owns the field. */
  readonly manager: string;
  /** The API version that manager used, when recorded. */
  readonly apiVersion?: string;
  /** The field, as Kubernetes prints it: `.spec.replicas`, `.spec.containers[name="web"].image`. */
  readonly field: string;
}

export interface ApplyResult {
  /** The merged object; when `conflicts` is not empty this is an unchanged copy of `live`. */
  readonly object: KObject;
  /** Non-empty only when the apply was refused (never with `force`). */
  readonly conflicts: readonly ApplyConflict[];
}

export interface ApplyOptions {
  /** Time for the managedFields entry (default: the system clock). */
  readonly clock?: Clock;
}

/** One managedFields entry of the live object with its owned paths; `raw` is kept when untouched. */
interface Owner {
  readonly raw: unknown;
  readonly manager?: string;
  readonly operation?: string;
  readonly apiVersion?: string;
  readonly set: FieldSet;
  /** Owned paths, by `pathKey`; shrinks when another manager takes a field over. */
  readonly owned: Map<string, FieldPath>;
  changed: boolean;
}

function readOwners(managedFields: unknown): Owner[] {
  if (!Array.isArray(managedFields)) {
    return [];
  }
  return managedFields.map((raw): Owner => {
    const e = isJsonObject(raw) ? raw : {};
    const set = isJsonObject(e.fieldsV1) ? (e.fieldsV1 as FieldSet) : {};
    return {
      raw,
      manager: typeof e.manager === 'string' ? e.manager : undefined,
      operation: typeof e.operation === 'string' ? e.operation : undefined,
      apiVersion: typeof e.apiVersion === 'string' ? e.apiVersion : undefined,
      set,
      owned: new Map(memberPaths(set).map((p) => [pathKey(p), p])),
      changed: false,
    };
  });
}

function isMine(o: Owner, fieldManager: string): boolean {
  return o.manager === fieldManager && o.operation === 'Apply' && !(isJsonObject(o.raw) && o.raw.subresource);
}

/** Reject what an apply configuration may not hold; drop nulls. Returns a cleaned copy. */
function cleanConfig(value: unknown, path: readonly string[]): unknown {
  if (Array.isArray(value)) {
    return value.filter((v) => v !== null).map((v) => cleanConfig(v, path));
  }
  if (!isJsonObject(value)) {
    return value;
  }
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === '__proto__') {
      throw malformedPatch(`apply configuration: the key "__proto__" is not allowed in ${path.join('.')}`);
    }
    if (isDirectiveKey(key)) {
      throw malformedPatch(
        `apply configuration: patch directive "${key}" is not allowed in ${path.join('.')}`,
      );
    }
    if (v !== null) {
      out[key] = cleanConfig(v, [...path, key]);
    }
  }
  return out;
}

function validateConfig(applied: KObject, fieldManager: string): JsonObject {
  if (fieldManager === '') {
    throw malformedPatch('fieldManager is required for apply requests');
  }
  if (!isJsonObject(applied) || typeof applied.apiVersion !== 'string' || typeof applied.kind !== 'string') {
    throw malformedPatch('apply configuration must be an object with apiVersion and kind');
  }
  if (applied.metadata?.managedFields != null) {
    throw malformedPatch('apply configuration: metadata.managedFields must not be set');
  }
  const config = cleanConfig(applied, []) as JsonObject;
  delete config.status;
  return config;
}

function isLeaf(set: FieldSet, path: FieldPath): boolean {
  let node: FieldSet | undefined = set;
  for (const element of path) {
    node = node?.[element];
  }
  return node !== undefined && Object.keys(node).length === 0;
}

function withoutManagedFields(obj: unknown): unknown {
  if (!isJsonObject(obj) || !isJsonObject(obj.metadata)) {
    return obj;
  }
  const { managedFields: _ignored, ...metadata } = obj.metadata;
  return { ...obj, metadata };
}

/**
 * Merge the applied configuration into `live` (undefined: the object is being created) on behalf
 * of `fieldManager`. Pure; neither input is modified and the result shares nothing with them.
 */
export function applyServerSideApply(
  live: KObject | undefined,
  applied: KObject,
  fieldManager: string,
  force: boolean,
  lookup: ListStrategyLookup,
  options: ApplyOptions = {},
): ApplyResult {
  const config = validateConfig(applied, fieldManager);
  const newSet = fieldSetOf(config, lookup);
  const newPaths = memberPaths(newSet);
  const owners = readOwners(live?.metadata?.managedFields);
  const mine = owners.find((o) => isMine(o, fieldManager));
  const others = owners.filter((o) => o !== mine);

  // Conflicts: a leaf this config sets to a new value that another manager owns.
  const conflicts: ApplyConflict[] = [];
  for (const path of newPaths) {
    const wanted = valueAt(config, path);
    const current = valueAt(live, path);
    // Only values are compared: keyed elements and objects merge, their fields are checked one by one.
    if (
      !isLeaf(newSet, path) ||
      isJsonObject(wanted) ||
      current === undefined ||
      jsonEqual(current, wanted)
    ) {
      continue;
    }
    const key = pathKey(path);
    for (const other of others) {
      if (!other.owned.has(key)) {
        continue;
      }
      if (other.operation === 'Apply' && !force) {
        conflicts.push({
          manager: other.manager ?? '',
          apiVersion: other.apiVersion,
          field: renderPath(path),
        });
      } else {
        other.owned.delete(key);
        other.changed = true;
      }
    }
  }
  if (conflicts.length > 0 && live !== undefined) {
    return { object: cloneJson(live), conflicts };
  }

  // Merge the configuration (no directives, no nulls: a plain strategic merge).
  const base = cloneJson(withoutManagedFields(live ?? {})) as JsonObject;
  const merged = applyStrategicMergePatch(base, config, lookup) as JsonObject;

  // Remove what this manager stopped applying, unless someone still owns it.
  const stillOwned = (path: FieldPath) => touches(newSet, path) || others.some((o) => touches(o.set, path));
  // Shallow paths first: a keyed element goes as a whole before its key field could be removed;
  // key fields of elements that stay are never removed (they are the element's identity).
  const released = [...(mine?.owned.values() ?? [])].filter((p) => !stillOwned(p) && !isKeyField(p));
  for (const path of released.sort((a, b) => a.length - b.length)) {
    removeAt(merged, path);
    for (let depth = path.length - 1; depth > 0; depth--) {
      const parent = path.slice(0, depth);
      if (!isEmptyContainer(valueAt(merged, parent)) || stillOwned(parent)) {
        break;
      }
      removeAt(merged, parent);
    }
  }

  const unchanged =
    mine !== undefined &&
    jsonEqual(mine.set, newSet) &&
    jsonEqual(withoutManagedFields(merged), withoutManagedFields(live));
  const mineEntry: ManagedFieldsEntry = {
    manager: fieldManager,
    operation: 'Apply',
    apiVersion: applied.apiVersion,
    time:
      unchanged && isJsonObject(mine.raw) && typeof mine.raw.time === 'string'
        ? mine.raw.time
        : rfc3339((options.clock ?? systemClock).now()),
    fieldsType: 'FieldsV1',
    fieldsV1: newSet,
  };
  const entries: unknown[] = [];
  for (const owner of owners) {
    if (owner === mine) {
      entries.push(mineEntry);
    } else if (!owner.changed) {
      entries.push(cloneJson(owner.raw));
    } else if (owner.owned.size > 0) {
      entries.push({
        ...cloneJson(owner.raw as JsonObject),
        fieldsV1: fieldSetFromPaths([...owner.owned.values()]),
      });
    }
  }
  if (mine === undefined) {
    entries.push(mineEntry);
  }
  const metadata = isJsonObject(merged.metadata) ? merged.metadata : {};
  metadata.managedFields = entries;
  merged.metadata = metadata;
  return { object: merged as KObject, conflicts: [] };
}
