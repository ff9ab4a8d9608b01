// Where an app's environments live in a checkout, and reading them: one folder per environment
// (`<root>/<env>/<app>`, `<root>/<env>` shared by several apps, `<root>/<app>/<env>`) or kustomize
// overlays (`<root>/overlays/<env>`, `<root>/<app>/overlays/<env>`). An Application's
// spec.source.path names the folder directly. Reads files only; never writes.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { PromoteError } from './errors.js';
import { EMPTY_CONFIG, PROMOTE_CONFIG_FILE, type PromoteConfig, parsePromoteConfig } from './ignore.js';
import type { EnvironmentManifests, ManifestFile } from './plan.js';

export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const MANIFEST = /\.(ya?ml|json)$/i;

export interface EnvLocation {
  readonly env: string;
  /** Repository-relative folder (posix, no leading or trailing slash; '' for the root). */
  readonly dir: string;
  /** The folder holds several apps' manifests: only the app's objects are compared. */
  readonly shared: boolean;
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

export function cleanPath(p: string | undefined): string {
  return posix
    .normalize((p ?? '').replace(/\\/g, '/'))
    .replace(/^(\.\/)+|^\.$/, '')
    .replace(/^\/+|\/+$/g, '');
}

/** Folders tried for (app, env) under root, most specific first. */
export function candidateDirs(root: string, app: string, env: string): { dir: string; shared: boolean }[] {
  const r = cleanPath(root);
  const j = (...p: string[]) => cleanPath(posix.join(r, ...p));
  return [
    { dir: j(env, app), shared: false },
    { dir: j(app, 'overlays', env), shared: false },
    { dir: j(app, env), shared: false },
    { dir: j('overlays', env), shared: false },
    { dir: j(env), shared: true },
  ];
}

/** Finds an environment's folder; an explicit `path` (from the Application) wins. */
export async function locateEnvironment(
  repoDir: string,
  o: { app: string; env: string; root?: string; path?: string },
): Promise<EnvLocation> {
  if (o.path !== undefined) {
    const dir = cleanPath(o.path);
    if (!(await isDir(join(repoDir, dir)))) {
      throw new PromoteError(
        'UnknownEnvironment',
        `environment '${o.env}': folder '${dir}' (the Application's spec.source.path) does not exist in the repository`,
      );
    }
    return { env: o.env, dir, shared: false };
  }
  for (const c of candidateDirs(o.root ?? '', o.app, o.env)) {
    if (await isDir(join(repoDir, c.dir))) {
      return { env: o.env, ...c };
    }
  }
  const known = await knownEnvironments(repoDir, o.root ?? '', o.app);
  throw new PromoteError(
    'UnknownEnvironment',
    `environment '${o.env}' of app '${o.app}' not found under '${cleanPath(o.root) || '.'}': looked for ` +
      `${candidateDirs(o.root ?? '', o.app, o.env)
        .map((c) => c.dir)
        .join(', ')}` +
      (known.length > 0 ? `; environments found: ${known.join(', ')}` : ''),
  );
}

async function subdirs(p: string): Promise<string[]> {
  try {
    return (await readdir(p, { withFileTypes: true }))
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
  } catch {
    return [];
  }
}

async function knownEnvironments(repoDir: string, root: string, app: string): Promise<string[]> {
  const r = join(repoDir, cleanPath(root));
  const found = new Set<string>();
  for (const d of [join(r, 'overlays'), join(r, app, 'overlays'), join(r, app)]) {
    for (const s of await subdirs(d)) {
      found.add(s);
    }
  }
  for (const s of await subdirs(r)) {
    if (s !== 'overlays' && s !== 'base' && s !== app) {
      found.add(s);
    }
  }
  return [...found].sort();
}

async function listManifests(repoDir: string, dir: string, top: boolean): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(join(repoDir, dir), { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const rel = dir === '' ? e.name : `${dir}/${e.name}`;
    if (e.name.startsWith('.')) {
      continue;
    }
    if (e.isDirectory()) {
      out.push(...(await listManifests(repoDir, rel, false)));
    } else if (e.isFile() && (MANIFEST.test(e.name) || KUSTOMIZATION_FILES.includes(e.name))) {
      if (!top && KUSTOMIZATION_FILES.includes(e.name)) {
        continue; // a nested kustomization belongs to another build
      }
      out.push(rel);
    }
  }
  return out;
}

/** Reads an environment's manifests (and its kustomization, when the folder is an overlay). */
export async function readEnvironment(repoDir: string, loc: EnvLocation): Promise<EnvironmentManifests> {
  const files = new Map<string, string>();
  for (const file of await listManifests(repoDir, loc.dir, true)) {
    files.set(file, await readFile(join(repoDir, file), 'utf8'));
  }
  return environmentFromFiles(loc, files);
}

/** An environment from its files (repository-relative path → text, all under loc.dir). Pure. */
export function environmentFromFiles(
  loc: EnvLocation,
  all: ReadonlyMap<string, string>,
): EnvironmentManifests {
  const files: ManifestFile[] = [];
  let kustomization: ManifestFile | undefined;
  const prefix = loc.dir === '' ? '' : `${loc.dir}/`;
  for (const [file, text] of [...all].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!file.startsWith(prefix) || file.split('/').some((seg) => seg.startsWith('.'))) {
      continue;
    }
    const base = posix.basename(file);
    const top = posix.dirname(file) === (loc.dir || '.');
    if (KUSTOMIZATION_FILES.includes(base)) {
      if (top) {
        kustomization ??= { file, text };
      }
    } else if (MANIFEST.test(base)) {
      files.push({ file, text });
    }
  }
  return { env: loc.env, dir: loc.dir, files, ...(kustomization ? { kustomization } : {}) };
}

/** `.gantry/promote.yaml` at the repository root (or under root), if any. */
export async function readPromoteConfig(repoDir: string, root = ''): Promise<PromoteConfig> {
  for (const rel of [posix.join(cleanPath(root), PROMOTE_CONFIG_FILE), PROMOTE_CONFIG_FILE]) {
    try {
      const text = await readFile(join(repoDir, rel), 'utf8');
      return parsePromoteConfig(text, cleanPath(rel));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw e;
      }
    }
  }
  return EMPTY_CONFIG;
}
