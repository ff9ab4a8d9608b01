// `gantry get RESOURCE [NAME…]`: kubectl's `get`, over the API server's discovery and its
// server-side Tables, printed exactly as kubectl prints them (kube-table.ts); `-o json|yaml|name`
// print the objects (a `List` for several) with kubectl's key order and indentation.
import { stringify } from 'yaml';
import { apiVersionOf } from '../api/resources.js';
import type { KObject } from '../api/types.js';
import { resourcePath } from '../client/http.js';
import {
  type ApiResource,
  type DiscoverySource,
  loadApiResources,
  pathInfo,
  resolveResource,
  typePrefix,
} from './discovery.js';
import { type KubeTable, tableLines, tabwrite } from './kube-table.js';
import { kubectlErrorLine, type Output, parseOutputFormat } from './output.js';

const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io, application/json';

export interface GetContext {
  readonly client: DiscoverySource;
  readonly out: Output;
  readonly err: Output;
}

export interface GetFlags {
  readonly namespace?: string;
  readonly allNamespaces?: boolean;
  readonly selector?: string;
  readonly fieldSelector?: string;
  readonly output?: string;
  readonly showLabels?: boolean;
  readonly noHeaders?: boolean;
}

interface Request {
  readonly res: ApiResource;
  /** Undefined: list them all. */
  readonly names?: string[];
}

/** Arguments as kubectl reads them: `TYPE[,TYPE…] [NAME…]` or `TYPE/NAME …`. */
export function parseGetArgs(args: readonly string[], resources: readonly ApiResource[]): Request[] {
  const resolve = (t: string): ApiResource => {
    const r = resolveResource(t, resources);
    if (!r) {
      throw new GetError(`the server doesn't have a resource type "${t}"`);
    }
    return r;
  };
  if (args.length === 0) {
    throw new GetError('you must specify the type of resource to get (e.g. pods, deployments, rollouts)');
  }
  if (args.every((a) => a.includes('/'))) {
    const out: { res: ApiResource; names: string[] }[] = [];
    for (const a of args) {
      const slash = a.indexOf('/');
      const res = resolve(a.slice(0, slash));
      const name = a.slice(slash + 1);
      if (name === '') {
        throw new GetError(`arguments in resource/name form must have a single resource and name: "${a}"`);
      }
      const same = out.find((r) => r.res === res);
      if (same) {
        same.names.push(name);
      } else {
        out.push({ res, names: [name] });
      }
    }
    return out;
  }
  if (args.some((a) => a.includes('/'))) {
    throw new GetError(
      'there is no need to specify a resource type as a separate argument when passing arguments in resource/name form',
    );
  }
  const [types = '', ...names] = args;
  const list = types
    .split(',')
    .filter((t) => t !== '')
    .map(resolve);
  if (names.length > 0 && list.length > 1) {
    throw new GetError('names can only be given with one resource type, or in TYPE/NAME form');
  }
  return list.map((res) => (names.length > 0 ? { res, names } : { res }));
}

/** A user error kubectl prints as `error: …`. */
export class GetError extends Error {}

function selectorQuery(f: GetFlags): string {
  const q = new URLSearchParams();
  if (f.selector) {
    q.set('labelSelector', f.selector);
  }
  if (f.fieldSelector) {
    q.set('fieldSelector', f.fieldSelector);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Objects with their keys sorted, as Go's encoders print maps. */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) {
    return v.map(sortKeys);
  }
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
    );
  }
  return v;
}

/** kubectl's -o json: 4-space indent, sorted keys, HTML-safe escapes. */
export function kubectlJson(v: unknown): string {
  return `${JSON.stringify(sortKeys(v), null, 4).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}\n`;
}

/** kubectl's -o yaml: sorted keys, sequences not indented under their key. */
export function kubectlYaml(v: unknown): string {
  return stringify(sortKeys(v), { indentSeq: false, lineWidth: 0, aliasDuplicateObjects: false });
}

function asList(items: readonly KObject[]): KObject {
  return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items } as unknown as KObject;
}

/** `gantry get …`: 0, or 1 when anything asked for could not be shown. */
export async function getResources(
  ctx: GetContext,
  args: readonly string[],
  flags: GetFlags = {},
): Promise<number> {
  let format: ReturnType<typeof parseOutputFormat>;
  let requests: Request[];
  try {
    format = parseOutputFormat(flags.output, ['table', 'wide', 'json', 'yaml', 'name']);
    requests = parseGetArgs(args, await loadApiResources(ctx.client));
  } catch (e) {
    ctx.err.write(kubectlErrorLine(e));
    return 1;
  }
  const all = flags.allNamespaces === true;
  const ns = flags.namespace || 'default';
  let failed = false;
  const wantsObjects = format === 'json' || format === 'yaml' || format === 'name';
  const objects: { res: ApiResource; obj: KObject }[] = [];
  const tables: { res: ApiResource; table: KubeTable }[] = [];
  const readJson = async <T>(p: string, accept?: string): Promise<T> =>
    JSON.parse((await ctx.client.getRaw(p, accept)).toString('utf8')) as T;
  const withKind = (res: ApiResource, o: KObject): KObject => ({
    ...o,
    apiVersion: o.apiVersion || apiVersionOf(res),
    kind: o.kind || res.kind,
  });
  for (const req of requests) {
    // -A lists across namespaces; named objects are still looked up in one namespace (as kubectl)
    const rns = req.res.namespaced ? (all && !req.names ? undefined : ns) : undefined;
    const targets: (string | undefined)[] = req.names ?? [undefined];
    for (const name of targets) {
      const p = resourcePath(pathInfo(req.res), rns, name) + (name ? '' : selectorQuery(flags));
      try {
        if (wantsObjects) {
          const doc = await readJson<KObject & { items?: KObject[] }>(p);
          const items = name ? [doc] : (doc.items ?? []);
          objects.push(...items.map((o) => ({ res: req.res, obj: withKind(req.res, o) })));
        } else {
          tables.push({ res: req.res, table: await readJson<KubeTable>(p, TABLE_ACCEPT) });
        }
      } catch (e) {
        failed = true;
        ctx.err.write(kubectlErrorLine(e));
      }
    }
  }
  if (format === 'name') {
    ctx.out.write(objects.map(({ res, obj }) => `${typePrefix(res)}/${obj.metadata.name}\n`).join(''));
  } else if (format === 'json' || format === 'yaml') {
    const single = requests.length === 1 && requests[0]?.names?.length === 1 && objects.length === 1;
    const doc = single ? objects[0]?.obj : asList(objects.map((o) => o.obj));
    if (!single || objects.length > 0) {
      ctx.out.write(format === 'json' ? kubectlJson(doc) : kubectlYaml(doc));
    }
  } else {
    const types = [...new Set(tables.map((t) => t.res))];
    const blocks: string[] = [];
    for (const res of types) {
      const mine = tables.filter((t) => t.res === res).map((t) => t.table);
      if (mine.every((t) => (t.rows ?? []).length === 0)) {
        continue;
      }
      blocks.push(
        tabwrite(
          tableLines(mine, {
            wide: format === 'wide',
            allNamespaces: all && res.namespaced,
            showLabels: flags.showLabels,
            noHeaders: flags.noHeaders,
            ...(types.length > 1 ? { namePrefix: typePrefix(res) } : {}),
          }),
        ),
      );
    }
    ctx.out.write(blocks.join('\n'));
  }
  const shown = wantsObjects ? objects.length : tables.reduce((n, t) => n + (t.table.rows ?? []).length, 0);
  // kubectl says so for tables only; -o json|yaml print the empty List, -o name nothing
  if (shown === 0 && !failed && requests.every((r) => !r.names) && !wantsObjects) {
    const namespaced = requests.some((r) => r.res.namespaced);
    ctx.err.write(!all && namespaced ? `No resources found in ${ns} namespace.\n` : 'No resources found\n');
  }
  return failed ? 1 : 0;
}
