// The executors of a sync, through the Client only: apply one manifest (server-side apply as field
// manager `gantry`, with the tracking label/annotation and the last-applied configuration the
// diff's three-way rule reads), prune one object, create a namespace, run a hook. Each returns a
// per-resource outcome instead of throwing (CONVENTIONS.md #11).
import { isApiError } from '../api/errors.js';
import { keyOf, type ResourceKey } from '../api/keys.js';
import { resourceFor } from '../api/resources.js';
import type { KObject } from '../api/types.js';
import { R } from '../client/resources.js';
import type { Client } from '../client/types.js';
import { LAST_APPLIED_GANTRY, TRACKING_ANNOTATION, TRACKING_LABEL } from '../diff/index.js';
import { FIELD_MANAGER, HOOK_DELETE_POLICY_ANNOTATION, HOOK_OPERATION_ANNOTATION } from './types.js';

export interface Outcome {
  readonly ok: boolean;
  readonly message: string;
  readonly live?: KObject;
}

/** `<app>:<group>/<kind>:<namespace>/<name>`: names the app and the object itself. */
export function trackingId(appName: string, key: ResourceKey): string {
  return `${appName}:${key.group}/${key.kind}:${key.namespace}/${key.name}`;
}

/** The app a live object's tracking id names, when the id also names that very object. */
export function trackedBy(live: KObject): string | undefined {
  const id = live.metadata.annotations?.[TRACKING_ANNOTATION];
  if (typeof id !== 'string') {
    return undefined;
  }
  const i = id.indexOf(':');
  if (i <= 0) {
    return undefined;
  }
  const app = id.slice(0, i);
  return trackingId(app, keyOf(live)) === id ? app : undefined;
}

/** The manifest as Gantry applies it: tracking label and annotation, no last-applied yet. */
export function withTracking(obj: KObject, appName: string): KObject {
  const o = structuredClone(obj);
  o.metadata.labels = { ...(o.metadata.labels ?? {}), [TRACKING_LABEL]: appName };
  o.metadata.annotations = {
    ...(o.metadata.annotations ?? {}),
    [TRACKING_ANNOTATION]: trackingId(appName, keyOf(o)),
  };
  return o;
}

/** The applied configuration: `obj` plus its own JSON in the last-applied annotation. */
export function withLastApplied(obj: KObject): KObject {
  const o = structuredClone(obj);
  const annotations = { ...(o.metadata.annotations ?? {}) };
  delete annotations[LAST_APPLIED_GANTRY];
  o.metadata.annotations = annotations;
  const text = JSON.stringify(o);
  o.metadata.annotations = { ...annotations, [LAST_APPLIED_GANTRY]: text };
  return o;
}

function describeError(e: unknown): string {
  if (isApiError(e)) {
    const causes = e.details?.causes ?? [];
    const detail = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join('; ');
    return detail && !e.message.includes(detail) ? `${e.message}: ${detail}` : e.message;
  }
  return (e as Error)?.message ?? String(e);
}

/** Server-side applies a tracked manifest (creating it when absent). */
export async function applyResource(client: Client, obj: KObject): Promise<Outcome> {
  const res = resourceFor(obj.apiVersion, obj.kind);
  if (!res) {
    return { ok: false, message: `unknown kind ${obj.apiVersion}/${obj.kind}` };
  }
  const body = withLastApplied(obj);
  try {
    const live = await client.patch(res, obj.metadata.namespace, obj.metadata.name ?? '', 'apply', body, {
      fieldManager: FIELD_MANAGER,
      force: true,
    });
    return { ok: true, message: `${obj.kind.toLowerCase()}/${obj.metadata.name} configured`, live };
  } catch (e) {
    return { ok: false, message: describeError(e) };
  }
}

/** Deletes a live object (foreground is not needed: the GC removes dependents). */
export async function pruneResource(client: Client, live: KObject): Promise<Outcome> {
  const res = resourceFor(live.apiVersion, live.kind);
  if (!res) {
    return { ok: false, message: `unknown kind ${live.apiVersion}/${live.kind}` };
  }
  try {
    await client.delete(res, live.metadata.namespace, live.metadata.name ?? '', {
      propagationPolicy: 'Background',
      ...(live.metadata.uid ? { preconditions: { uid: live.metadata.uid } } : {}),
    });
    return { ok: true, message: 'pruned' };
  } catch (e) {
    if (isApiError(e, 404)) {
      return { ok: true, message: 'pruned (already gone)' };
    }
    return { ok: false, message: describeError(e) };
  }
}

/** Creates the namespace when missing (CreateNamespace=true). */
export async function ensureNamespace(client: Client, name: string, appName: string): Promise<Outcome> {
  try {
    await client.get(R.namespaces, undefined, name);
    return { ok: true, message: 'exists' };
  } catch (e) {
    if (!isApiError(e, 404)) {
      return { ok: false, message: describeError(e) };
    }
  }
  try {
    await client.create(R.namespaces, {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: { 'gantry.dev/created-by': appName } },
    });
    return { ok: true, message: `namespace ${name} created` };
  } catch (e) {
    if (isApiError(e, 409)) {
      return { ok: true, message: 'exists' };
    }
    return { ok: false, message: describeError(e) };
  }
}

/** The hook delete policies of a hook (Argo's default: BeforeHookCreation). */
export function hookDeletePolicies(obj: KObject): Set<string> {
  const v = obj.metadata.annotations?.[HOOK_DELETE_POLICY_ANNOTATION];
  const set = new Set((typeof v === 'string' ? v.split(',') : []).map((s) => s.trim()).filter(Boolean));
  if (set.size === 0) {
    set.add('BeforeHookCreation');
  }
  return set;
}

/** Creates a hook for operation `opId`, replacing one left by an earlier operation. */
export async function createHook(
  client: Client,
  obj: KObject,
  appName: string,
  opId: string,
): Promise<Outcome> {
  const res = resourceFor(obj.apiVersion, obj.kind);
  if (!res) {
    return { ok: false, message: `unknown kind ${obj.apiVersion}/${obj.kind}` };
  }
  const o = structuredClone(obj);
  o.metadata.labels = { ...(o.metadata.labels ?? {}), [TRACKING_LABEL]: appName };
  o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [HOOK_OPERATION_ANNOTATION]: opId };
  const name = o.metadata.name;
  try {
    if (name) {
      const existing = await client.get(res, o.metadata.namespace, name).catch((e) => {
        if (isApiError(e, 404)) {
          return undefined;
        }
        throw e;
      });
      if (existing?.metadata.annotations?.[HOOK_OPERATION_ANNOTATION] === opId) {
        return { ok: true, message: 'hook already created', live: existing };
      }
      if (existing) {
        await client.delete(res, o.metadata.namespace, name, { propagationPolicy: 'Background' });
        await waitGone(client, res, o.metadata.namespace, name);
      }
    }
    const live = await client.create(res, o);
    return { ok: true, message: 'hook created', live };
  } catch (e) {
    return { ok: false, message: describeError(e) };
  }
}

async function waitGone(
  client: Client,
  res: NonNullable<ReturnType<typeof resourceFor>>,
  ns: string | undefined,
  name: string,
): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await client.get(res, ns, name);
    } catch (e) {
      if (isApiError(e, 404)) {
        return;
      }
      throw e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${res.kind} ${ns ? `${ns}/` : ''}${name} still exists after deletion`);
}

/** Where a hook stands: Jobs by their conditions, Pods by their phase. */
export function hookPhaseOf(live: KObject | undefined): {
  phase: 'Running' | 'Succeeded' | 'Failed';
  message: string;
} {
  if (!live) {
    return { phase: 'Running', message: 'waiting for the hook to appear' };
  }
  if (live.kind === 'Job') {
    const conds: { type?: string; status?: string; message?: string }[] = live.status?.conditions ?? [];
    const failed = conds.find((c) => c.type === 'Failed' && c.status === 'True');
    if (failed) {
      return { phase: 'Failed', message: failed.message || 'job failed' };
    }
    if (conds.some((c) => c.type === 'Complete' && c.status === 'True')) {
      return { phase: 'Succeeded', message: 'job completed' };
    }
    return { phase: 'Running', message: 'job running' };
  }
  if (live.kind === 'Pod') {
    const phase = live.status?.phase;
    if (phase === 'Succeeded') {
      return { phase: 'Succeeded', message: 'pod succeeded' };
    }
    if (phase === 'Failed') {
      return { phase: 'Failed', message: live.status?.message || 'pod failed' };
    }
    return { phase: 'Running', message: `pod ${phase ?? 'Pending'}` };
  }
  // Other kinds have nothing to wait for: created is done.
  return { phase: 'Succeeded', message: `${live.kind.toLowerCase()} created` };
}
