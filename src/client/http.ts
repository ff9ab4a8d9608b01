// Client over the API server's HTTP(S) interface, as kubectl and remote agents talk to it.
// Errors come back as ApiError rebuilt from the server's Status.
import http from 'node:http';
import https from 'node:https';
import { ApiError } from '../api/errors.js';
import type { ResourceInfo } from '../api/resources.js';
import type { KList, KObject, Status, WatchEvent } from '../api/types.js';
import {
  type Client,
  type DeleteOpts,
  type ListOpts,
  PATCH_CONTENT_TYPES,
  type PatchType,
  type WatchHandle,
  type WatchOpts,
  type WriteOpts,
} from './types.js';

export interface HttpClientOptions {
  /** One or more API server URLs; on a connection error the next one is tried. */
  readonly server: string | readonly string[];
  readonly token: string;
  readonly caPem?: string;
  readonly userAgent?: string;
  readonly timeoutMs?: number;
}

interface RawResponse {
  status: number;
  body: Buffer;
}

export function resourcePath(
  res: Pick<ResourceInfo, 'group' | 'version' | 'namespaced' | 'plural'>,
  namespace?: string,
  name?: string,
  sub?: string,
): string {
  let p = res.group === '' ? `/api/${res.version}` : `/apis/${res.group}/${res.version}`;
  if (res.namespaced && namespace !== undefined) {
    p += `/namespaces/${encodeURIComponent(namespace)}`;
  }
  p += `/${res.plural}`;
  if (name !== undefined) {
    p += `/${encodeURIComponent(name)}`;
  }
  if (sub !== undefined) {
    p += `/${sub}`;
  }
  return p;
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== '' && v !== false) {
      q.set(k, String(v));
    }
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

function toApiError(status: number, body: Buffer): ApiError {
  try {
    const s = JSON.parse(body.toString('utf8')) as Status;
    if (s.kind === 'Status') {
      return new ApiError(s.code || status, s.reason || 'InternalError', s.message, s.details);
    }
  } catch {
    // not a Status
  }
  return new ApiError(
    status,
    status >= 500 ? 'InternalError' : 'BadRequest',
    body.toString('utf8').slice(0, 500),
  );
}

export class HttpClient implements Client {
  private readonly servers: string[];
  private current = 0;
  private readonly agentHttp = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly agentHttps: https.Agent;

  constructor(private readonly opts: HttpClientOptions) {
    this.servers = (typeof opts.server === 'string' ? [opts.server] : [...opts.server]).map((s) =>
      s.replace(/\/$/, ''),
    );
    if (this.servers.length === 0) {
      throw new Error('HttpClient needs at least one server URL');
    }
    this.agentHttps = new https.Agent({ keepAlive: true, maxSockets: 64, ca: opts.caPem });
  }

  close(): void {
    this.agentHttp.destroy();
    this.agentHttps.destroy();
  }

  private requestOnce(
    base: string,
    method: string,
    path: string,
    body: string | undefined,
    contentType: string,
    stream?: (res: http.IncomingMessage) => void,
    accept = 'application/json',
  ): Promise<RawResponse> {
    const url = new URL(base + path);
    const isHttps = url.protocol === 'https:';
    const mod = isHttps ? https : http;
    return new Promise((resolve, reject) => {
      const req = mod.request(
        url,
        {
          method,
          agent: isHttps ? this.agentHttps : this.agentHttp,
          headers: {
            Authorization: `Bearer ${this.opts.token}`,
            Accept: accept,
            'User-Agent': this.opts.userAgent ?? 'gantry',
            ...(body !== undefined
              ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) }
              : {}),
          },
          timeout: stream ? 0 : (this.opts.timeoutMs ?? 30_000),
        },
        (res) => {
          if (stream && res.statusCode === 200) {
            stream(res);
            resolve({ status: 200, body: Buffer.alloc(0) });
            return;
          }
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`request to ${url.host} timed out`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Sends a request, failing over to the next server on a connection-level error. */
  private async request(
    method: string,
    path: string,
    body?: string,
    contentType = 'application/json',
    stream?: (res: http.IncomingMessage) => void,
    accept?: string,
  ): Promise<RawResponse> {
    let lastErr: unknown;
    for (let i = 0; i < this.servers.length; i++) {
      const idx = (this.current + i) % this.servers.length;
      try {
        const r = await this.requestOnce(this.servers[idx]!, method, path, body, contentType, stream, accept);
        this.current = idx;
        return r;
      } catch (e) {
        lastErr = e;
      }
    }
    throw new Error(`API server unreachable (${this.servers.join(', ')})`, { cause: lastErr });
  }

  private async json<T>(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<T> {
    const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const r = await this.request(method, path, text, contentType);
    if (r.status < 200 || r.status >= 300) {
      throw toApiError(r.status, r.body);
    }
    return JSON.parse(r.body.toString('utf8')) as T;
  }

  /**
   * A GET of any path with the Accept header given (server-side Tables, discovery, pod logs): the
   * body as it came. A non-2xx answer throws the ApiError its Status describes.
   */
  async getRaw(path: string, accept = 'application/json'): Promise<Buffer> {
    const r = await this.request('GET', path, undefined, 'application/json', undefined, accept);
    if (r.status < 200 || r.status >= 300) {
      throw toApiError(r.status, r.body);
    }
    return r.body;
  }

  /**
   * A streamed GET (pod logs with follow=true): `onData` gets each chunk until the server ends the
   * body or `stop()` is called. A non-2xx answer throws its ApiError.
   */
  getStream(path: string, onData: (chunk: Buffer) => void, accept = '*/*'): Promise<WatchHandle> {
    return this.openStream(path, accept, (msg) => {
      msg.on('data', (c: Buffer) => onData(c));
    });
  }

  /**
   * A GET whose body is read as it comes (watches, followed logs). `onOpen` attaches the body's
   * readers; `fail` ends the handle with an error. `done` settles when the body ends, errors
   * (not after `stop()`) or `stop()` is called.
   */
  private async openStream(
    path: string,
    accept: string,
    onOpen: (msg: http.IncomingMessage, fail: (e: Error) => void) => void,
  ): Promise<WatchHandle> {
    let resolveDone!: (v: Error | undefined) => void;
    const done = new Promise<Error | undefined>((r) => {
      resolveDone = r;
    });
    let incoming: http.IncomingMessage | undefined;
    let stopped = false;
    const r = await this.request(
      'GET',
      path,
      undefined,
      'application/json',
      (msg) => {
        incoming = msg;
        onOpen(msg, resolveDone);
        msg.on('end', () => resolveDone(undefined));
        msg.on('error', (e) => resolveDone(stopped ? undefined : e));
        msg.on('close', () => resolveDone(undefined));
      },
      accept,
    );
    if (r.status !== 200) {
      throw toApiError(r.status, r.body);
    }
    return {
      stop() {
        stopped = true;
        incoming?.destroy();
        resolveDone(undefined);
      },
      done,
    };
  }

  get(res: ResourceInfo, namespace: string | undefined, name: string): Promise<KObject> {
    return this.json('GET', resourcePath(res, namespace, name));
  }

  list(res: ResourceInfo, opts: ListOpts = {}): Promise<KList> {
    return this.json(
      'GET',
      resourcePath(res, opts.namespace) +
        query({
          labelSelector: opts.labelSelector,
          fieldSelector: opts.fieldSelector,
          limit: opts.limit,
          continue: opts.continue,
        }),
    );
  }

  watch(res: ResourceInfo, opts: WatchOpts, onEvent: (e: WatchEvent) => void): Promise<WatchHandle> {
    const path =
      resourcePath(res, opts.namespace) +
      query({
        watch: 1,
        labelSelector: opts.labelSelector,
        fieldSelector: opts.fieldSelector,
        resourceVersion: opts.resourceVersion,
        allowWatchBookmarks: opts.allowBookmarks,
      });
    return this.openStream(path, 'application/json', (msg, fail) => {
      let buf = '';
      msg.setEncoding('utf8');
      msg.on('data', (chunk: string) => {
        buf += chunk;
        let nl = buf.indexOf('\n');
        while (nl >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          nl = buf.indexOf('\n');
          if (line.trim() === '') {
            continue;
          }
          const ev = JSON.parse(line) as WatchEvent;
          if (ev.type === 'ERROR') {
            const s = ev.object as unknown as Status;
            fail(new ApiError(s.code, (s.reason || 'InternalError') as never, s.message, s.details));
            msg.destroy();
            return;
          }
          onEvent(ev);
        }
      });
    });
  }

  create(res: ResourceInfo, obj: KObject, opts: WriteOpts = {}): Promise<KObject> {
    return this.json('POST', resourcePath(res, obj.metadata.namespace) + writeQuery(opts), obj);
  }

  update(
    res: ResourceInfo,
    obj: KObject,
    opts: WriteOpts & { subresource?: 'status' | 'finalize' } = {},
  ): Promise<KObject> {
    return this.json(
      'PUT',
      resourcePath(res, obj.metadata.namespace, obj.metadata.name, opts.subresource) + writeQuery(opts),
      obj,
    );
  }

  patch(
    res: ResourceInfo,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    body: unknown,
    opts: WriteOpts & { subresource?: 'status' | 'scale'; force?: boolean } = {},
  ): Promise<KObject> {
    return this.json(
      'PATCH',
      resourcePath(res, namespace, name, opts.subresource) +
        writeQuery(
          { ...opts, fieldManager: opts.fieldManager ?? (type === 'apply' ? 'gantry' : undefined) },
          opts.force,
        ),
      body,
      PATCH_CONTENT_TYPES[type],
    );
  }

  delete(
    res: ResourceInfo,
    namespace: string | undefined,
    name: string,
    opts: DeleteOpts = {},
  ): Promise<KObject> {
    return this.json('DELETE', resourcePath(res, namespace, name), {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
      ...opts,
    });
  }

  async bind(namespace: string, pod: string, node: string): Promise<void> {
    await this.json(
      'POST',
      `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/binding`,
      {
        apiVersion: 'v1',
        kind: 'Binding',
        metadata: { name: pod, namespace },
        target: { apiVersion: 'v1', kind: 'Node', name: node },
      },
    );
  }
}

function writeQuery(opts: WriteOpts, force?: boolean): string {
  return query({
    dryRun: opts.dryRun ? 'All' : undefined,
    fieldManager: opts.fieldManager,
    fieldValidation: opts.fieldValidation,
    force,
  });
}
