// One revision's desired state for one Application: checkout → render → validate → split into
// resources (with the tracking label/annotation) and hooks. Cached per commit and source options,
// so a poll that finds nothing new costs an ls-remote and a map lookup.
import type { KObject } from '../api/types.js';
import { HOOK_ANNOTATION } from '../diff/index.js';
import { withTracking } from './apply.js';
import type { GitSource } from './git-source.js';
import { renderManifests } from './render.js';
import type { ManifestError, Source, SourceType } from './types.js';
import { validateRevision } from './validate.js';

export interface RevisionManifests {
  readonly sha: string;
  readonly sourceType: SourceType;
  /** Resources to apply, tracking label/annotation added; empty when errors is not. */
  readonly desired: KObject[];
  /** PreSync / Sync / PostSync hooks (created per operation, never tracked). */
  readonly hooks: KObject[];
  /** Why the revision cannot be applied (render and validation problems, file:line:field). */
  readonly errors: ManifestError[];
}

/** Whether a manifest is a hook, and whether it is to be skipped (`hook: Skip`). */
export function hookKind(obj: KObject): 'resource' | 'hook' | 'skip' {
  const v = obj.metadata.annotations?.[HOOK_ANNOTATION];
  if (typeof v !== 'string' || v.trim() === '') {
    return 'resource';
  }
  const parts = v.split(',').map((p) => p.trim());
  if (parts.includes('Skip')) {
    return 'skip';
  }
  return parts.some((p) => ['PreSync', 'Sync', 'PostSync', 'SyncFail'].includes(p)) ? 'hook' : 'resource';
}

export interface ManifestCacheOptions {
  readonly git: GitSource;
  readonly kubectl?: string;
  /** Entries kept. Default 64. */
  readonly size?: number;
}

export class ManifestCache {
  private readonly entries = new Map<string, Promise<RevisionManifests>>();

  constructor(private readonly opts: ManifestCacheOptions) {}

  get(
    appName: string,
    source: Source,
    destinationNamespace: string | undefined,
    sha: string,
  ): Promise<RevisionManifests> {
    const key = JSON.stringify([
      appName,
      source.repoURL,
      sha,
      source.path ?? '',
      source.directory ?? {},
      destinationNamespace ?? '',
    ]);
    let p = this.entries.get(key);
    if (p) {
      this.entries.delete(key);
      this.entries.set(key, p); // most recently used last
      return p;
    }
    p = this.build(appName, source, destinationNamespace, sha);
    this.entries.set(key, p);
    p.catch(() => this.entries.delete(key));
    const limit = this.opts.size ?? 64;
    while (this.entries.size > limit) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) {
        break;
      }
      this.entries.delete(oldest);
    }
    return p;
  }

  private async build(
    appName: string,
    source: Source,
    destinationNamespace: string | undefined,
    sha: string,
  ): Promise<RevisionManifests> {
    const dir = await this.opts.git.checkout(source.repoURL, sha);
    const rendered = await renderManifests(dir, {
      path: source.path,
      recurse: source.directory?.recurse,
      include: source.directory?.include,
      exclude: source.directory?.exclude,
      kubectl: this.opts.kubectl,
    });
    const validated = validateRevision(rendered.objects, { namespace: destinationNamespace });
    const errors = [...rendered.errors, ...validated.errors];
    if (errors.length > 0) {
      return { sha, sourceType: rendered.sourceType, desired: [], hooks: [], errors };
    }
    const desired: KObject[] = [];
    const hooks: KObject[] = [];
    for (const s of validated.objects) {
      const kind = hookKind(s.obj);
      if (kind === 'resource') {
        desired.push(withTracking(s.obj, appName));
      } else if (kind === 'hook') {
        hooks.push(s.obj);
      }
    }
    return { sha, sourceType: rendered.sourceType, desired, hooks, errors: [] };
  }
}
