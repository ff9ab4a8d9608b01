// Which resource types the API server serves (its discovery documents: /api/v1, /apis and each
// group's preferred version), and how a name a user types — plural, singular, kind, short name,
// optionally `.group` or `.version.group` qualified — picks one of them, as kubectl resolves it.
import type { ResourceInfo } from '../api/resources.js';

export interface ApiResource {
  readonly group: string;
  readonly version: string;
  /** The plural, lower case: what goes in the URL. */
  readonly name: string;
  readonly singularName: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly shortNames: readonly string[];
  readonly verbs: readonly string[];
}

/** What the discovery loader needs: a GET of a path that answers JSON. */
export interface DiscoverySource {
  getRaw(path: string, accept?: string): Promise<Buffer>;
}

interface ResourceListDoc {
  groupVersion?: string;
  resources?: {
    name: string;
    singularName?: string;
    kind: string;
    namespaced: boolean;
    shortNames?: string[];
    verbs?: string[];
  }[];
}

function fromList(group: string, version: string, doc: ResourceListDoc): ApiResource[] {
  return (doc.resources ?? [])
    .filter((r) => !r.name.includes('/'))
    .map((r) => ({
      group,
      version,
      name: r.name,
      singularName: r.singularName || r.kind.toLowerCase(),
      kind: r.kind,
      namespaced: r.namespaced,
      shortNames: r.shortNames ?? [],
      verbs: r.verbs ?? [],
    }));
}

/** Every top-level resource the server serves: core first, then the groups in the server's order. */
export async function loadApiResources(src: DiscoverySource): Promise<ApiResource[]> {
  const json = async <T>(path: string): Promise<T> =>
    JSON.parse((await src.getRaw(path)).toString('utf8')) as T;
  const out = fromList('', 'v1', await json<ResourceListDoc>('/api/v1'));
  const groups = await json<{
    groups?: { name: string; preferredVersion?: { version: string }; versions?: { version: string }[] }[];
  }>('/apis');
  const lists = await Promise.all(
    (groups.groups ?? []).map(async (g) => {
      const version = g.preferredVersion?.version ?? g.versions?.[0]?.version ?? 'v1';
      return fromList(g.name, version, await json<ResourceListDoc>(`/apis/${g.name}/${version}`));
    }),
  );
  return [...out, ...lists.flat()];
}

/**
 * The resource `arg` names (`po`, `pod`, `pods`, `Pod`, `deploy.apps`, `rollouts.argoproj.io`,
 * `deployments.v1.apps`), or undefined. A bare name prefers the core group, as kubectl does.
 */
export function resolveResource(arg: string, all: readonly ApiResource[]): ApiResource | undefined {
  const text = arg.trim().toLowerCase();
  const matches = (r: ApiResource, n: string) =>
    r.name === n || r.singularName === n || r.kind.toLowerCase() === n || r.shortNames.includes(n);
  const bare = all.find((r) => matches(r, text));
  if (bare) {
    return bare;
  }
  const dot = text.indexOf('.');
  if (dot < 0) {
    return undefined;
  }
  const name = text.slice(0, dot);
  const rest = text.slice(dot + 1);
  const groupOnly = all.find((r) => r.group === rest && matches(r, name));
  if (groupOnly) {
    return groupOnly;
  }
  const dot2 = rest.indexOf('.');
  if (dot2 > 0) {
    const version = rest.slice(0, dot2);
    const group = rest.slice(dot2 + 1);
    return all.find((r) => r.group === group && r.version === version && matches(r, name));
  }
  // `pods.v1` style (core group with a version)
  return all.find((r) => r.group === '' && r.version === rest && matches(r, name));
}

/** A discovered resource as resourcePath (src/client/http.ts) takes it: its URL name is the plural. */
export function pathInfo(r: ApiResource): Pick<ResourceInfo, 'group' | 'version' | 'namespaced' | 'plural'> {
  return { group: r.group, version: r.version, namespaced: r.namespaced, plural: r.name };
}

/** `deployment.apps` / `pod`: how `-o name` and mixed lists name a resource type. */
export function typePrefix(r: ApiResource): string {
  const kind = r.kind.toLowerCase();
  return r.group === '' ? kind : `${kind}.${r.group}`;
}

/** The names completion offers for resource types: plurals, singulars and short names. */
export function resourceTypeNames(all: readonly ApiResource[]): string[] {
  const names = new Set<string>();
  for (const r of all) {
    names.add(r.name);
    for (const s of r.shortNames) {
      names.add(s);
    }
  }
  return [...names].sort();
}
