// ControllerRevisions for DaemonSets and StatefulSets (apps/v1): one per distinct pod template,
// named `<owner>-<hash>`, numbered, holding the template as a patch (`kubectl rollout history`
// and `rollout undo` read them). Planning is pure; ensureRevision does get-or-create through a Client.
import { isApiError } from '../../api/errors.js';
import type { KObject, PodTemplateSpec } from '../../api/types.js';
import { R } from '../../client/resources.js';
import type { Client } from '../../client/types.js';
import { controllerRefTo, isControlledBy } from './owner-refs.js';
import { stableJson, templateHash } from './pod-template.js';

/** The revision's data: a strategic-merge patch replacing spec.template, as Kubernetes stores it. */
export function revisionData(template: PodTemplateSpec | undefined): Record<string, unknown> {
  return { spec: { template: { ...(structuredClone(template) ?? {}), $patch: 'replace' } } };
}

/** The pod template a revision holds. */
export function templateOfRevision(rev: KObject | undefined): PodTemplateSpec | undefined {
  const t = rev?.data?.spec?.template;
  if (!t || typeof t !== 'object') {
    return undefined;
  }
  const { $patch: _p, ...rest } = t as Record<string, unknown>;
  return rest as unknown as PodTemplateSpec;
}

export function revisionNumber(rev: KObject): number {
  return typeof rev.revision === 'number' ? rev.revision : 0;
}

export type RevisionStep =
  | { readonly kind: 'use'; readonly revision: KObject }
  | { readonly kind: 'renumber'; readonly revision: KObject; readonly number: number }
  | { readonly kind: 'create'; readonly body: KObject }
  | { readonly kind: 'collision' };

export interface RevisionTarget {
  readonly owner: KObject;
  readonly template: PodTemplateSpec | undefined;
  readonly collisionCount: number;
  /** Labels for the revision (the owner's selector labels). */
  readonly labels: Readonly<Record<string, string>>;
}

export function revisionNameFor(owner: KObject, hash: string): string {
  return `${(owner.metadata.name ?? '').slice(0, 52)}-${hash}`;
}

/**
 * Pure: which revision holds the owner's current template. An existing revision with the same
 * template is reused (renumbered to the newest when it is an older one coming back, as on a
 * rollback); otherwise a new one is created, unless its name is taken by a different revision.
 */
export function planRevision(t: RevisionTarget, revisions: readonly KObject[]): RevisionStep {
  const data = revisionData(t.template);
  const key = stableJson(data);
  const owned = revisions.filter((r) => isControlledBy(r, t.owner));
  const max = owned.reduce((m, r) => Math.max(m, revisionNumber(r)), 0);
  const equal = owned
    .filter((r) => stableJson(r.data) === key)
    .sort((a, b) => revisionNumber(b) - revisionNumber(a));
  const same = equal[0];
  if (same) {
    return revisionNumber(same) < max
      ? { kind: 'renumber', revision: same, number: max + 1 }
      : { kind: 'use', revision: same };
  }
  const hash = templateHash(t.template, t.collisionCount);
  const name = revisionNameFor(t.owner, hash);
  if (revisions.some((r) => r.metadata.name === name)) {
    return { kind: 'collision' };
  }
  return {
    kind: 'create',
    body: {
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: {
        name,
        namespace: t.owner.metadata.namespace,
        labels: { ...t.labels, 'controller-revision-hash': hash },
        ownerReferences: [controllerRefTo(t.owner)],
      },
      data,
      revision: max + 1,
    },
  };
}

/** Pure: the owned revisions to delete so at most `limit` unused ones remain (oldest go first). */
export function revisionsToPrune(
  owner: KObject,
  revisions: readonly KObject[],
  inUse: ReadonlySet<string>,
  limit: number,
): KObject[] {
  const unused = revisions
    .filter((r) => isControlledBy(r, owner) && !inUse.has(r.metadata.name ?? ''))
    .sort((a, b) => revisionNumber(a) - revisionNumber(b));
  return unused.slice(0, Math.max(0, unused.length - Math.max(0, limit)));
}

/** The hash part of a revision name (`web-5c7d9` → `5c7d9`), as DaemonSet pods are labelled. */
export function hashOfRevision(rev: KObject): string {
  return (
    rev.metadata.labels?.['controller-revision-hash'] ?? (rev.metadata.name ?? '').split('-').pop() ?? ''
  );
}

/**
 * Get-or-create the revision of the owner's template. Returns undefined on a hash collision:
 * the caller bumps status.collisionCount and tries again.
 */
export async function ensureRevision(
  client: Client,
  t: RevisionTarget,
  cached: readonly KObject[],
): Promise<KObject | undefined> {
  const step = planRevision(t, cached);
  switch (step.kind) {
    case 'use':
      return step.revision;
    case 'renumber':
      return client.patch(
        R.controllerrevisions,
        step.revision.metadata.namespace,
        step.revision.metadata.name ?? '',
        'merge',
        {
          revision: step.number,
        },
      );
    case 'collision':
      return undefined;
    case 'create':
      try {
        return await client.create(R.controllerrevisions, step.body);
      } catch (e) {
        if (!isApiError(e, 409)) {
          throw e;
        }
        // Created earlier and not yet in the cache, or truly another revision by that name.
        const live = await client.get(
          R.controllerrevisions,
          step.body.metadata.namespace,
          step.body.metadata.name ?? '',
        );
        return isControlledBy(live, t.owner) && stableJson(live.data) === stableJson(step.body.data)
          ? live
          : undefined;
      }
  }
}
