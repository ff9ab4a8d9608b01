// What a sync of an Application would change, recomputed outside the reconciler with its own steps
// (git → ManifestCache: render, validate, tracking labels, hooks split off → diffResources) against
// the live objects read through the Client; nothing stored is needed. Shared by `gantry app diff`
// and the dashboard's diff endpoint, so both show the same text.
import { isApiError } from '../api/errors.js';
import { keyOf, keyString } from '../api/keys.js';
import { apiVersionOf, type ResourceInfo, resourceFor } from '../api/resources.js';
import type { KObject } from '../api/types.js';
import type { Client } from '../client/types.js';
import { type DiffResult, diffResources, diffTitle, HOOK_ANNOTATION, TRACKING_LABEL } from '../diff/index.js';
import { trackedBy } from './apply.js';
import { GitSource } from './git-source.js';
import { ManifestCache } from './manifests.js';
import { repoCredentialsFor } from './repo-credentials.js';
import { formatManifestError, type ResourceStatus } from './types.js';

export interface AppDiffOptions {
  /** Compare against this revision instead of the Application's targetRevision. */
  readonly revision?: string;
  /** Where fetched repositories are cached. */
  readonly cacheDir: string;
  readonly color?: boolean;
  /** A long-lived caller's git cache (its per-repository locks serialize concurrent requests). */
  readonly git?: GitSource;
}

/** The revision compared has manifests that do not render or validate (nothing can be diffed). */
export class InvalidManifestsError extends Error {
  constructor(
    readonly revision: string,
    message: string,
  ) {
    super(message);
    this.name = 'InvalidManifestsError';
  }
}

export interface AppDiff {
  /** The commit the desired state was rendered from. */
  readonly revision: string;
  readonly results: DiffResult[];
  /** The unified diff of every resource that differs ('' when in sync). */
  readonly text: string;
}

function isHook(o: KObject): boolean {
  return typeof o.metadata?.annotations?.[HOOK_ANNOTATION] === 'string';
}

async function getLive(client: Client, info: ResourceInfo, obj: KObject): Promise<KObject | undefined> {
  try {
    return await client.get(
      info,
      info.namespaced ? obj.metadata.namespace : undefined,
      obj.metadata.name ?? '',
    );
  } catch (e) {
    if (isApiError(e, 404)) {
      return undefined;
    }
    throw new Error(`read ${obj.kind} ${obj.metadata.namespace ?? ''}/${obj.metadata.name}`, { cause: e });
  }
}

/** The desired objects of the Application at `revision` (or its target), as the reconciler applies them. */
export async function desiredObjects(
  client: Client,
  app: KObject,
  opts: AppDiffOptions,
): Promise<{ revision: string; objects: KObject[] }> {
  const name = app.metadata.name ?? '';
  const src = app.spec?.source;
  if (!src?.repoURL) {
    throw new Error(`application '${name}' has no spec.source.repoURL`);
  }
  const creds = await repoCredentialsFor(client, app, src.repoURL);
  const git = opts.git ?? new GitSource({ dataDir: opts.cacheDir });
  const resolved = await git.resolve(src.repoURL, opts.revision || src.targetRevision || 'HEAD', creds);
  // The reconciler's own pipeline (checkout → render → validate → tracking, hooks split off).
  const manifests = await new ManifestCache({ git }).get(
    name,
    src,
    app.spec?.destination?.namespace,
    resolved.sha,
  );
  if (manifests.errors.length > 0) {
    const lines = manifests.errors.map((e) => `  ${formatManifestError(e)}`).join('\n');
    throw new InvalidManifestsError(
      resolved.sha,
      `revision ${resolved.sha.slice(0, 7)} has invalid manifests:\n${lines}`,
    );
  }
  return { revision: resolved.sha, objects: manifests.desired };
}

/**
 * The live objects the Application tracks: each desired object as it is now, plus every object
 * whose tracking id names this Application (what a prune would delete).
 */
export async function liveObjects(
  client: Client,
  app: KObject,
  desired: readonly KObject[],
): Promise<KObject[]> {
  const name = app.metadata.name ?? '';
  const byKey = new Map<string, KObject>();
  const kinds = new Map<string, ResourceInfo>();
  for (const o of desired) {
    const info = resourceFor(o.apiVersion, o.kind);
    if (!info) {
      continue;
    }
    kinds.set(`${info.group}/${info.kind}`, info);
    const live = await getLive(client, info, o);
    if (live) {
      byKey.set(keyString(keyOf(live)), live);
    }
  }
  const tracked: ResourceStatus[] = Array.isArray(app.status?.resources) ? app.status.resources : [];
  for (const r of tracked) {
    const info = resourceFor(apiVersionOf({ group: r.group ?? '', version: r.version ?? 'v1' }), r.kind);
    if (info) {
      kinds.set(`${info.group}/${info.kind}`, info);
    }
  }
  for (const info of kinds.values()) {
    const list = await client.list(info, { labelSelector: `${TRACKING_LABEL}=${name}` });
    for (const item of list.items) {
      const obj = {
        ...item,
        apiVersion: item.apiVersion || apiVersionOf(info),
        kind: item.kind || info.kind,
      };
      if (trackedBy(obj) === name && !isHook(obj)) {
        byKey.set(keyString(keyOf(obj)), obj);
      }
    }
  }
  return [...byKey.values()];
}

/** What one resource's sync would change ('' when Synced): its unified diff, else its title and error. */
export function resourceDiffText(r: DiffResult): string {
  return r.status === 'Synced' ? '' : r.diff || `${diffTitle(r.key)}\n${r.error ?? r.status}\n`;
}

/** What syncing the Application would change, resource by resource. */
export async function diffApplication(client: Client, app: KObject, opts: AppDiffOptions): Promise<AppDiff> {
  const { revision, objects } = await desiredObjects(client, app, opts);
  const live = await liveObjects(client, app, objects);
  const results = diffResources(objects, live, {
    namespace: app.spec?.destination?.namespace,
    ignoreDifferences: Array.isArray(app.spec?.ignoreDifferences) ? app.spec.ignoreDifferences : undefined,
    color: opts.color === true,
  });
  const text = results
    .filter((r) => r.status !== 'Synced')
    .map(resourceDiffText)
    .join('\n');
  return { revision, results, text };
}
