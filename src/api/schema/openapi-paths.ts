// OpenAPI v3 `paths` for one resource: the collection, the item, the all-namespaces list and the
// status/scale/binding/log subresources, each operation tagged with its group-version-kind and
// carrying the query parameters kubectl looks for (`fieldValidation` on every write).
import type { ResourceInfo } from '../resources.js';
import { binding } from './core.js';
import type { Gvk } from './dsl.js';
import { scale, status } from './meta.js';
import { type Components, type Json, refTo } from './openapi-schema.js';
import { deleteOptions } from './registry.js';

type Action = 'get' | 'list' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection';

const JSON_TYPE = 'application/json';

function param(
  name: string,
  type: 'string' | 'boolean' | 'integer',
  description: string,
  inPath = false,
): Json {
  return inPath
    ? { name, in: 'path', required: true, description, schema: { type } }
    : { name, in: 'query', description, schema: { type, uniqueItems: true } };
}

const P = {
  name: param('name', 'string', 'name of the object', true),
  namespace: param('namespace', 'string', 'object name and auth scope, such as for teams and projects', true),
  pretty: param('pretty', 'string', "If 'true', then the output is pretty printed."),
  dryRun: param('dryRun', 'string', 'When present (All), the request is checked but nothing is persisted.'),
  fieldManager: param(
    'fieldManager',
    'string',
    'A name for the actor or entity that is making these changes.',
  ),
  fieldValidation: param(
    'fieldValidation',
    'string',
    'How to handle unknown fields in the body: Ignore (drop them), Warn (drop them and return a warning per field) or Strict (fail the request).',
  ),
  force: param('force', 'boolean', 'Force an apply request to take ownership of conflicting fields.'),
  gracePeriodSeconds: param('gracePeriodSeconds', 'integer', 'Seconds before the object should be deleted.'),
  orphanDependents: param('orphanDependents', 'boolean', 'Deprecated: use propagationPolicy.'),
  propagationPolicy: param('propagationPolicy', 'string', 'Orphan, Background or Foreground.'),
  labelSelector: param('labelSelector', 'string', 'Restrict the list to objects whose labels match.'),
  fieldSelector: param('fieldSelector', 'string', 'Restrict the list to objects whose fields match.'),
  limit: param('limit', 'integer', 'The maximum number of items to return.'),
  continue: param('continue', 'string', 'The continue token of a previous chunked list.'),
  resourceVersion: param('resourceVersion', 'string', 'The resource version to list or watch from.'),
  resourceVersionMatch: param('resourceVersionMatch', 'string', 'How resourceVersion applies to list calls.'),
  timeoutSeconds: param('timeoutSeconds', 'integer', 'Timeout for the list or watch call.'),
  watch: param('watch', 'boolean', 'Watch for changes and stream add, update and remove notifications.'),
  allowWatchBookmarks: param('allowWatchBookmarks', 'boolean', 'Ask for BOOKMARK watch events.'),
  sendInitialEvents: param('sendInitialEvents', 'boolean', 'Start a watch with synthetic ADDED events.'),
  container: param('container', 'string', 'The container whose log to stream.'),
  follow: param('follow', 'boolean', 'Follow the log stream.'),
  previous: param('previous', 'boolean', 'Return the log of the previous terminated container.'),
  tailLines: param('tailLines', 'integer', 'Lines from the end of the log to show.'),
  sinceSeconds: param('sinceSeconds', 'integer', 'Show logs newer than this many seconds.'),
  timestamps: param('timestamps', 'boolean', 'Prefix each log line with a timestamp.'),
};

const LIST_PARAMS = [
  P.allowWatchBookmarks,
  P.continue,
  P.fieldSelector,
  P.labelSelector,
  P.limit,
  P.resourceVersion,
  P.resourceVersionMatch,
  P.sendInitialEvents,
  P.timeoutSeconds,
  P.watch,
];
const WRITE_PARAMS = [P.dryRun, P.fieldManager, P.fieldValidation];
const PATCH_PARAMS = [...WRITE_PARAMS, P.force];
const DELETE_PARAMS = [P.dryRun, P.gracePeriodSeconds, P.orphanDependents, P.propagationPolicy];

/** `core` for the legacy group, else `CoordinationV1`-style camel case of the group name. */
function groupId(group: string): string {
  if (group === '') {
    return 'Core';
  }
  return group
    .replace(/\.k8s\.io$/, '')
    .split(/[.-]/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}

const jsonContent = (schema: Json): Json => ({ content: { [JSON_TYPE]: { schema } } });

function responses(codes: number[], schema: Json): Json {
  const out: Json = {};
  for (const code of codes) {
    out[String(code)] = {
      description: code === 201 ? 'Created' : code === 202 ? 'Accepted' : 'OK',
      ...jsonContent(schema),
    };
  }
  out['401'] = { description: 'Unauthorized' };
  return out;
}

interface OpSpec {
  action: Action;
  id: string;
  gvk: Gvk;
  tag: string;
  params: Json[];
  response: Json;
  codes: number[];
  body?: Json;
}

function operation(o: OpSpec): Json {
  const op: Json = {
    tags: [o.tag],
    description: `${o.action} ${o.gvk.kind}`,
    operationId: o.id,
    parameters: o.params,
    responses: responses(o.codes, o.response),
    'x-kubernetes-action': o.action,
    'x-kubernetes-group-version-kind': { group: o.gvk.group, version: o.gvk.version, kind: o.gvk.kind },
  };
  if (o.body) {
    op.requestBody = { required: true, ...o.body };
  }
  return op;
}

function patchContent(group: string): Json {
  // Like Kubernetes, strategic merge patch is offered for built-in kinds only, not custom ones.
  const types = [
    'application/apply-patch+yaml',
    'application/json-patch+json',
    'application/merge-patch+json',
  ];
  if (!group.includes('.') || group.endsWith('.k8s.io')) {
    types.push('application/strategic-merge-patch+json');
  }
  const schema = refTo('io.k8s.apimachinery.pkg.apis.meta.v1.Patch');
  return { content: Object.fromEntries(types.map((t) => [t, { schema }])) };
}

/** The paths of one resource: collection, item, all-namespaces list and subresources. */
export function resourcePaths(
  info: ResourceInfo,
  kindRef: Json,
  listRef: Json,
  c: Components,
): Record<string, Json> {
  const gvk: Gvk = { group: info.group, version: info.version, kind: info.kind };
  const prefix = info.group === '' ? `/api/${info.version}` : `/apis/${info.group}/${info.version}`;
  const base = info.namespaced
    ? `${prefix}/namespaces/{namespace}/${info.plural}`
    : `${prefix}/${info.plural}`;
  const scopeParams = info.namespaced ? [P.namespace, P.pretty] : [P.pretty];
  const ns = info.namespaced ? 'Namespaced' : '';
  const id = (verb: string, suffix = '') =>
    `${verb}${groupId(info.group)}${cap(info.version)}${ns}${info.kind}${suffix}`;
  const tag = `${info.group === '' ? 'core' : info.group}_${info.version}`;
  const statusRef = c.of(status);
  const deleteBody = jsonContent(c.of(deleteOptions));
  const spec = (o: Omit<OpSpec, 'gvk' | 'tag'> & { gvk?: Gvk }) => operation({ gvk, tag, ...o });

  const paths: Record<string, Json> = {
    [base]: {
      parameters: scopeParams,
      get: spec({ action: 'list', id: id('list'), params: LIST_PARAMS, response: listRef, codes: [200] }),
      post: spec({
        action: 'post',
        id: id('create'),
        params: WRITE_PARAMS,
        response: kindRef,
        codes: [200, 201, 202],
        body: jsonContent(kindRef),
      }),
      delete: spec({
        action: 'deletecollection',
        id: id('deleteCollection'),
        params: [...DELETE_PARAMS, ...LIST_PARAMS.filter((p) => p !== P.watch)],
        response: statusRef,
        codes: [200],
        body: deleteBody,
      }),
    },
    [`${base}/{name}`]: {
      parameters: [P.name, ...scopeParams],
      get: spec({ action: 'get', id: id('read'), params: [], response: kindRef, codes: [200] }),
      put: spec({
        action: 'put',
        id: id('replace'),
        params: WRITE_PARAMS,
        response: kindRef,
        codes: [200, 201],
        body: jsonContent(kindRef),
      }),
      patch: spec({
        action: 'patch',
        id: id('patch'),
        params: PATCH_PARAMS,
        response: kindRef,
        codes: [200, 201],
        body: patchContent(info.group),
      }),
      delete: spec({
        action: 'delete',
        id: id('delete'),
        params: DELETE_PARAMS,
        response: kindRef,
        codes: [200, 202],
        body: deleteBody,
      }),
    },
  };
  if (info.namespaced) {
    paths[`${prefix}/${info.plural}`] = {
      parameters: [P.pretty],
      get: operation({
        action: 'list',
        id: `list${groupId(info.group)}${cap(info.version)}${info.kind}ForAllNamespaces`,
        gvk,
        tag,
        params: LIST_PARAMS,
        response: listRef,
        codes: [200],
      }),
    };
  }
  for (const sub of info.subresources) {
    const subPath = `${base}/{name}/${sub}`;
    const parameters = [P.name, ...scopeParams];
    if (sub === 'status' || sub === 'scale') {
      const subGvk: Gvk = sub === 'scale' ? { group: 'autoscaling', version: 'v1', kind: 'Scale' } : gvk;
      const ref = sub === 'scale' ? c.of(scale) : kindRef;
      const suffix = cap(sub);
      paths[subPath] = {
        parameters,
        get: spec({
          action: 'get',
          id: id('read', suffix),
          gvk: subGvk,
          params: [],
          response: ref,
          codes: [200],
        }),
        put: spec({
          action: 'put',
          id: id('replace', suffix),
          gvk: subGvk,
          params: WRITE_PARAMS,
          response: ref,
          codes: [200, 201],
          body: jsonContent(ref),
        }),
        patch: spec({
          action: 'patch',
          id: id('patch', suffix),
          gvk: subGvk,
          params: PATCH_PARAMS,
          response: ref,
          codes: [200, 201],
          body: patchContent(info.group),
        }),
      };
    } else if (sub === 'binding') {
      const ref = c.of(binding);
      paths[subPath] = {
        parameters,
        post: spec({
          action: 'post',
          id: id('create', 'Binding'),
          gvk: { group: '', version: 'v1', kind: 'Binding' },
          params: WRITE_PARAMS,
          response: ref,
          codes: [200, 201, 202],
          body: jsonContent(ref),
        }),
      };
    } else if (sub === 'finalize') {
      paths[subPath] = {
        parameters,
        put: spec({
          action: 'put',
          id: id('replace', 'Finalize'),
          gvk,
          params: WRITE_PARAMS,
          response: kindRef,
          codes: [200, 201],
          body: jsonContent(kindRef),
        }),
      };
    } else if (sub === 'log') {
      const log = operation({
        action: 'get',
        id: id('read', 'Log'),
        gvk,
        tag,
        params: [P.container, P.follow, P.previous, P.sinceSeconds, P.tailLines, P.timestamps],
        response: { type: 'string' },
        codes: [200],
      });
      paths[subPath] = { parameters, get: { ...log, responses: textResponse() } };
    }
  }
  return paths;
}

function textResponse(): Json {
  return { '200': { description: 'OK', content: { 'text/plain': { schema: { type: 'string' } } } } };
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
