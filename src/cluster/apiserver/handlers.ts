// Resource endpoints: CRUD, patch, watch streaming, subresources, Table output.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors, isApiError } from '../../api/errors.js';
import { type ResourceInfo, resourceByPlural } from '../../api/resources.js';
import type { KObject, Pod, WatchEvent } from '../../api/types.js';
import {
  bindPod,
  type DeleteOptions,
  getScale,
  type Propagation,
  parseFieldValidation,
  patchScale,
  type Registry,
  type Subresource,
  updateScale,
  type WriteOptions,
  watchResource,
} from '../registry/index.js';
import { parseResourceVersion } from '../registry/selection.js';
import { authorize, type UserInfo, type Verb } from './authz.js';
import { checkJsonText, parseJsonBody, queryFlag, readBody, sendJson } from './http-util.js';
import { toTable } from './tables.js';

export interface PodLogOptions {
  readonly container?: string;
  readonly follow: boolean;
  readonly previous: boolean;
  readonly tailLines?: number;
  readonly timestamps: boolean;
  readonly sinceSeconds?: number;
  readonly limitBytes?: number;
}

/** Where `kubectl logs` reads from: the node agent running the pod (src/agent provides it). */
export interface PodLogSource {
  stream(pod: Pod, opts: PodLogOptions, out: ServerResponse, signal: AbortSignal): Promise<void>;
}

export interface HandlerContext {
  readonly registry: Registry;
  readonly logs?: PodLogSource;
  readonly bookmarkIntervalMs?: number;
}

type ResourceRoute = { info: ResourceInfo; namespace?: string; name?: string; subresource?: string };

const TABLE_CT = 'application/json;as=Table;v=v1;g=meta.k8s.io';
const PODS = resourceByPlural('', 'pods')!;

function wantsTable(accept: string | undefined): boolean {
  return !!accept && accept.split(',').some((p) => p.replace(/\s+/g, '').includes('as=Table'));
}

function includeObject(q: URLSearchParams): 'Object' | 'Metadata' | 'None' {
  const v = q.get('includeObject');
  if (v === null || v === '') {
    return 'Metadata';
  }
  if (v === 'Object' || v === 'Metadata' || v === 'None') {
    return v;
  }
  throw errors.badRequest(`includeObject "${v}" is not supported: use Object, Metadata or None`);
}

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') {
    return undefined;
  }
  if (!/^-?\d+$/.test(v)) {
    throw errors.badRequest(`invalid value for ${name}: "${v}" is not an integer`);
  }
  return Number(v);
}

function writeOptions(q: URLSearchParams, warnings: string[]): WriteOptions {
  const dryRun = dryRunOf(q.getAll('dryRun'));
  const fieldManager = q.get('fieldManager') ?? undefined;
  if (fieldManager !== undefined && (fieldManager.length > 128 || /[^\x20-\x7e]/.test(fieldManager))) {
    throw errors.badRequest('fieldManager must be printable ASCII of at most 128 characters');
  }
  return {
    fieldValidation: parseFieldValidation(q.get('fieldValidation') ?? undefined),
    fieldManager,
    force: queryFlag(q.get('force')),
    dryRun,
    warnings,
  };
}

function isStrict(q: URLSearchParams): boolean {
  return q.get('fieldValidation') === 'Strict';
}

function writeSubresource(sub: string | undefined): Subresource {
  return sub === 'status' || sub === 'finalize' ? sub : undefined;
}

function dryRunOf(values: readonly string[]): boolean {
  if (values.some((d) => d !== 'All')) {
    throw errors.badRequest('dryRun must be "All"');
  }
  return values.length > 0;
}

function verbOf(method: string, route: ResourceRoute, q: URLSearchParams): Verb {
  if ((method === 'PUT' || method === 'PATCH') && route.name === undefined) {
    throw errors.methodNotAllowed(
      `the server does not allow this method on the requested resource (${method} on a collection)`,
    );
  }
  switch (method) {
    case 'GET':
      return route.name === undefined ? (queryFlag(q.get('watch')) ? 'watch' : 'list') : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return route.name === undefined ? 'deletecollection' : 'delete';
    default:
      throw errors.methodNotAllowed(`the server does not allow this method on the requested resource`);
  }
}

export async function handleResource(
  ctx: HandlerContext,
  route: ResourceRoute,
  user: UserInfo,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): Promise<void> {
  const q = url.searchParams;
  const method = req.method ?? 'GET';
  const verb = verbOf(method, route, q);
  const { info, namespace, name, subresource } = route;
  if (!authorize(user, verb, info, subresource)) {
    throw errors.forbidden(
      `User "${user.user}" cannot ${verb} resource "${info.plural}${subresource ? `/${subresource}` : ''}" in API group "${info.group}"${namespace ? ` in the namespace "${namespace}"` : ''}`,
    );
  }
  if (subresource !== undefined && !(info.subresources as readonly string[]).includes(subresource)) {
    throw errors.notFound({ group: info.group, kind: `${info.plural}/${subresource}`, name });
  }
  if (name !== undefined && info.namespaced && namespace === undefined) {
    throw errors.notFound({ group: info.group, kind: info.plural, name });
  }
  const reg = ctx.registry;
  const warnings: string[] = [];
  const reply = (code: number, obj: KObject) => {
    if (warnings.length > 0) {
      res.setHeader(
        'Warning',
        warnings.map((w) => `299 - ${JSON.stringify(w)}`),
      );
    }
    if (wantsTable(req.headers.accept) && method === 'GET' && obj.kind === info.kind) {
      sendJson(
        res,
        code,
        toTable(info, [obj], { includeObject: includeObject(q), now: reg.clock.now() }),
        TABLE_CT,
      );
    } else {
      sendJson(res, code, obj);
    }
  };

  switch (verb) {
    case 'list': {
      parseResourceVersion(q.get('resourceVersion') ?? undefined);
      const list = await reg.list(info, {
        namespace,
        labelSelector: q.get('labelSelector') ?? undefined,
        fieldSelector: q.get('fieldSelector') ?? undefined,
        limit: q.get('limit') ?? undefined,
        continue: q.get('continue') ?? undefined,
      });
      if (wantsTable(req.headers.accept)) {
        sendJson(
          res,
          200,
          toTable(info, list.items, {
            includeObject: includeObject(q),
            now: reg.clock.now(),
            listResourceVersion: list.metadata.resourceVersion,
            continueToken: list.metadata.continue,
          }),
          TABLE_CT,
        );
      } else {
        sendJson(res, 200, list);
      }
      return;
    }
    case 'watch':
      return streamWatch(ctx, info, namespace, req, res, q);
    case 'get':
      if (subresource === 'scale') {
        return sendJson(res, 200, await getScale(reg, info, namespace, name!));
      }
      if (subresource === 'log') {
        return streamLogs(ctx, namespace!, name!, req, res, q);
      }
      return reply(200, await reg.get(info, namespace, name!));
    case 'create': {
      if (subresource === 'binding' && name !== undefined) {
        const body = await parseJsonBody(await readBody(req), req.headers['content-type']);
        await bindPod(reg, PODS, namespace!, name, body);
        return sendJson(res, 201, {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          code: 201,
        });
      }
      if (name !== undefined) {
        throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
      }
      if (info.namespaced && namespace === undefined) {
        throw errors.methodNotAllowed(
          `create ${info.plural} needs a namespace in the path (/namespaces/NS/${info.plural})`,
        );
      }
      const body = await parseJsonBody(await readBody(req), req.headers['content-type'], isStrict(q));
      return reply(201, await reg.create(info, namespace, body, writeOptions(q, warnings)));
    }
    case 'update': {
      const body = await parseJsonBody(await readBody(req), req.headers['content-type'], isStrict(q));
      if (subresource === 'scale') {
        return sendJson(
          res,
          200,
          await updateScale(reg, info, namespace, name!, body, writeOptions(q, warnings)),
        );
      }
      return reply(
        200,
        await reg.update(
          info,
          namespace,
          name!,
          body,
          writeOptions(q, warnings),
          writeSubresource(subresource),
        ),
      );
    }
    case 'patch': {
      const ct = req.headers['content-type'] ?? '';
      const body = await readBody(req);
      if (body.length === 0) {
        throw errors.badRequest('the patch body is empty');
      }
      if (!ct.startsWith('application/apply-patch')) {
        checkJsonText(body.toString('utf8'), isStrict(q));
      }
      if (subresource === 'scale') {
        return sendJson(
          res,
          200,
          await patchScale(reg, info, namespace, name!, ct, body, writeOptions(q, warnings)),
        );
      }
      const opts = writeOptions(q, warnings);
      if (ct.startsWith('application/apply-patch') && !opts.fieldManager) {
        throw errors.badRequest('fieldManager is required for apply requests');
      }
      return reply(
        200,
        await reg.patch(info, namespace, name!, ct, body, opts, writeSubresource(subresource)),
      );
    }
    case 'delete': {
      const opts = await deleteOptions(req, q);
      return reply(200, await reg.delete(info, namespace, name!, opts));
    }
    case 'deletecollection': {
      const opts = await deleteOptions(req, q);
      const list = await reg.list(info, {
        namespace,
        labelSelector: q.get('labelSelector') ?? undefined,
        fieldSelector: q.get('fieldSelector') ?? undefined,
      });
      const deleted: KObject[] = [];
      for (const o of list.items) {
        deleted.push(await reg.delete(info, o.metadata.namespace, o.metadata.name!, opts));
      }
      return sendJson(res, 200, { ...list, items: deleted });
    }
  }
}

async function deleteOptions(req: IncomingMessage, q: URLSearchParams): Promise<DeleteOptions> {
  const raw = await readBody(req);
  let body: Record<string, any> = {};
  if (raw.length > 0) {
    const parsed = await parseJsonBody(raw, req.headers['content-type']);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw errors.badRequest('DeleteOptions must be a JSON object');
    }
    body = parsed as Record<string, any>;
  }
  const policy = (q.get('propagationPolicy') ?? body.propagationPolicy) as string | undefined;
  if (policy !== undefined && !['Orphan', 'Background', 'Foreground'].includes(policy)) {
    throw errors.invalid({ kind: 'DeleteOptions' }, [
      {
        field: 'propagationPolicy',
        message: `Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`,
        reason: 'FieldValueNotSupported',
      },
    ]);
  }
  const orphan =
    body.orphanDependents ?? (q.has('orphanDependents') ? queryFlag(q.get('orphanDependents')) : undefined);
  const grace = intParam(q, 'gracePeriodSeconds') ?? body.gracePeriodSeconds;
  if (grace !== undefined && (!Number.isInteger(grace) || grace < 0)) {
    throw errors.badRequest(`gracePeriodSeconds must be a non-negative integer`);
  }
  if (body.dryRun !== undefined && !Array.isArray(body.dryRun)) {
    throw errors.badRequest('DeleteOptions.dryRun must be a list');
  }
  const dryRun = dryRunOf([...q.getAll('dryRun'), ...(body.dryRun ?? [])]);
  return {
    propagationPolicy: (policy as Propagation | undefined) ?? (orphan === true ? 'Orphan' : undefined),
    gracePeriodSeconds: grace,
    preconditions: body.preconditions,
    dryRun,
  };
}

async function streamWatch(
  ctx: HandlerContext,
  info: ResourceInfo,
  namespace: string | undefined,
  req: IncomingMessage,
  res: ServerResponse,
  q: URLSearchParams,
): Promise<void> {
  const table = wantsTable(req.headers.accept);
  const incl = includeObject(q);
  const timeout = intParam(q, 'timeoutSeconds');
  let first = true;
  let headers = false;
  let handle: { stop(): void } | undefined;
  const stop = () => {
    handle?.stop();
    handle = undefined;
  };
  const head = () => {
    if (!headers) {
      headers = true;
      res.writeHead(200, {
        'Content-Type': table ? TABLE_CT : 'application/json',
        'Transfer-Encoding': 'chunked',
        'Cache-Control': 'no-cache, private',
      });
    }
  };
  const write = (e: WatchEvent) => {
    head();
    let object: unknown = e.object;
    if (table && e.type !== 'BOOKMARK' && e.type !== 'ERROR') {
      const t = toTable(info, [e.object], { includeObject: incl, now: ctx.registry.clock.now() }) as Record<
        string,
        any
      >;
      if (!first) {
        t.columnDefinitions = [];
      }
      first = false;
      object = t;
    }
    res.write(`${JSON.stringify({ type: e.type, object })}\n`);
    if (e.type === 'ERROR') {
      stop();
      res.end();
    }
  };
  try {
    handle = await watchResource(
      ctx.registry.store,
      info,
      {
        namespace,
        labelSelector: q.get('labelSelector') ?? undefined,
        fieldSelector: q.get('fieldSelector') ?? undefined,
        resourceVersion: q.get('resourceVersion') ?? undefined,
        allowBookmarks: queryFlag(q.get('allowWatchBookmarks')),
        sendInitialEvents: queryFlag(q.get('sendInitialEvents')),
        bookmarkIntervalMs: ctx.bookmarkIntervalMs,
      },
      write,
    );
  } catch (e) {
    if (!isApiError(e, 410)) {
      throw e; // bad selectors / resourceVersion: a plain 4xx Status, nothing streamed yet
    }
    // too old a resourceVersion: as Kubernetes, a 200 stream carrying one ERROR event
    head();
    res.end(`${JSON.stringify({ type: 'ERROR', object: e.toStatus() })}\n`);
    return;
  }
  head();
  res.flushHeaders();
  res.on('close', stop);
  req.on('close', stop);
  if (timeout !== undefined && timeout > 0) {
    setTimeout(() => {
      stop();
      res.end();
    }, timeout * 1000).unref();
  }
}

async function streamLogs(
  ctx: HandlerContext,
  namespace: string,
  name: string,
  req: IncomingMessage,
  res: ServerResponse,
  q: URLSearchParams,
): Promise<void> {
  const pod = (await ctx.registry.get(PODS, namespace, name)) as Pod;
  const container = q.get('container') ?? undefined;
  const names = (pod.spec.containers ?? []).map((c) => c.name);
  const initNames = (pod.spec.initContainers ?? []).map((c) => c.name);
  if (container === undefined && names.length > 1) {
    throw errors.badRequest(
      `a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]${initNames.length ? ` or one of the init containers: [${initNames.join(' ')}]` : ''}`,
    );
  }
  if (container !== undefined && !names.includes(container) && !initNames.includes(container)) {
    throw errors.badRequest(`container ${container} is not valid for pod ${name}`);
  }
  if (!ctx.logs || !pod.spec.nodeName) {
    throw errors.badRequest(
      pod.spec.nodeName
        ? `no node agent serves logs for node "${pod.spec.nodeName}"`
        : `pod ${name} is not yet scheduled to a node, so it has no logs`,
    );
  }
  const abort = new AbortController();
  req.on('close', () => abort.abort());
  await ctx.logs.stream(
    pod,
    {
      container: container ?? names[0],
      follow: queryFlag(q.get('follow')),
      previous: queryFlag(q.get('previous')),
      tailLines: intParam(q, 'tailLines'),
      timestamps: queryFlag(q.get('timestamps')),
      sinceSeconds: intParam(q, 'sinceSeconds'),
      limitBytes: intParam(q, 'limitBytes'),
    },
    res,
    abort.signal,
  );
}
