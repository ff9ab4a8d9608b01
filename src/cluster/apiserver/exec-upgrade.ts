// `kubectl exec` on the API server: the HTTP upgrade of GET/POST
// /api/v1/namespaces/{ns}/pods/{name}/exec?command=…&container=…&stdin&stdout&stderr&tty.
// Authenticates and authorizes as every request (create on pods/exec) and checks the pod and
// container; refusals so far are ordinary Status responses. Then it completes the client's
// WebSocket handshake, holds the client's messages (with a tty, until the first resize, whose size
// the process starts with), opens the stream on the pod's node agent (PodExecSource) and relays
// messages both ways, one to one, with backpressure. A failure on the node (container not running
// there, agent unreachable or gone mid-session) goes on the error stream as a Failure Status, so
// kubectl shows it and does not retry over SPDY. SPDY itself is not served: a SPDY upgrade that
// passes the checks gets a 400 naming the WebSocket subprotocols.
import type http from 'node:http';
import { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { ApiError, errors } from '../../api/errors.js';
import { resourceByPlural } from '../../api/resources.js';
import type { Pod } from '../../api/types.js';
import type { Registry } from '../registry/index.js';
import { authorize, type UserInfo } from './authz.js';
import {
  channelMessage,
  EXEC_PROTOCOLS,
  type ExecProtocol,
  type ExecRequest,
  failureStatus,
  parseClientMessage,
  parseExecQuery,
  pickExecProtocol,
  STREAM,
  type TerminalSize,
} from './exec-channel.js';
import {
  acceptWebSocket,
  isWebSocketUpgrade,
  offeredProtocols,
  type WsConnection,
} from './exec-ws-connection.js';
import { sendError } from './http-util.js';
import { parsePath } from './routes.js';

const PODS = resourceByPlural('', 'pods')!;

/** Opens an exec stream (v5.channel.k8s.io messages) on the node running the pod. */
export interface PodExecSource {
  /** Rejects with an ApiError when the node cannot run it (e.g. the container is not running there). */
  open(pod: Pod, container: string, request: ExecRequest, signal: AbortSignal): Promise<WsConnection>;
}

export interface ExecUpgradeContext {
  readonly registry: Registry;
  readonly authenticate: (bearerToken: string) => UserInfo | undefined;
  readonly exec?: PodExecSource;
  readonly logger?: Logger;
}

/** Namespace and pod name when the path is a pod's exec subresource. */
export function execTarget(rawUrl: string | undefined): { namespace: string; name: string } | undefined {
  let path: string;
  try {
    path = new URL(rawUrl ?? '/', 'http://gantry.invalid').pathname;
  } catch {
    return undefined;
  }
  const route = parsePath(path);
  if (
    route.kind === 'resource' &&
    route.info === PODS &&
    route.subresource === 'exec' &&
    route.namespace !== undefined &&
    route.name !== undefined
  ) {
    return { namespace: route.namespace, name: route.name };
  }
  return undefined;
}

/** A response written straight to an upgrade request's socket, which ends with it. */
function responseOnSocket(req: http.IncomingMessage, socket: Duplex): ServerResponse {
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Socket);
  res.on('finish', () => {
    res.detachSocket(socket as Socket);
    socket.end();
  });
  return res;
}

/** Answers an upgrade request with an ordinary HTTP response (a Status error) and closes. */
function refuseUpgrade(req: http.IncomingMessage, socket: Duplex, e: unknown): void {
  sendError(responseOnSocket(req, socket), e);
}

function chooseContainer(pod: Pod, requested: string | undefined): string {
  const name = pod.metadata.name ?? '';
  const names = (pod.spec.containers ?? []).map((c) => c.name);
  const initNames = (pod.spec.initContainers ?? []).map((c) => c.name);
  if (requested === undefined) {
    if (names.length === 1) {
      return names[0] as string;
    }
    throw errors.badRequest(
      `a container name must be specified for pod ${name}, choose one of: [${names.join(' ')}]`,
    );
  }
  if (!names.includes(requested) && !initNames.includes(requested)) {
    throw errors.badRequest(`container ${requested} is not valid for pod ${name}`);
  }
  return requested;
}

/** Everything that can be refused with a plain Status before any stream is opened. */
async function admit(
  ctx: ExecUpgradeContext,
  req: http.IncomingMessage,
  target: { namespace: string; name: string },
): Promise<{ pod: Pod; container: string; request: ExecRequest }> {
  const auth = req.headers.authorization;
  const user = auth?.startsWith('Bearer ') ? ctx.authenticate(auth.slice(7).trim()) : undefined;
  if (!user) {
    throw errors.unauthorized();
  }
  if (!authorize(user, 'create', PODS, 'exec')) {
    throw errors.forbidden(
      `User "${user.user}" cannot create resource "pods/exec" in API group "" in the namespace "${target.namespace}"`,
    );
  }
  if (req.method !== 'GET' && req.method !== 'POST') {
    throw errors.methodNotAllowed('exec accepts GET or POST (with an HTTP upgrade)');
  }
  const request = parseExecQuery(new URL(req.url ?? '/', 'http://gantry.invalid').searchParams);
  const pod = (await ctx.registry.get(PODS, target.namespace, target.name)) as Pod;
  const container = chooseContainer(pod, request.container);
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') {
    throw errors.badRequest(`cannot exec into a container in a completed pod; current phase is ${phase}`);
  }
  if (!pod.spec.nodeName) {
    throw errors.badRequest(
      `pod ${target.name} does not have a host assigned, so it has no running containers`,
    );
  }
  if (!ctx.exec) {
    throw errors.badRequest(`no node agent serves exec for node "${pod.spec.nodeName}"`);
  }
  return { pod, container, request };
}

/** Sends m to `to`; when `to` buffers, stops reading `from` until `to` drains. */
function forward(from: WsConnection, to: WsConnection, m: Buffer, paused: { value: boolean }): void {
  if (!to.send(m) && !paused.value) {
    paused.value = true;
    from.pause();
    to.once('drain', () => {
      paused.value = false;
      from.resume();
    });
  }
}

function relay(client: WsConnection, upstream: WsConnection, protocol: ExecProtocol): void {
  let statusSeen = false;
  const upPaused = { value: false };
  const clientPaused = { value: false };
  upstream.on('message', (m) => {
    if (m[0] === STREAM.error) {
      statusSeen = true;
    }
    forward(upstream, client, m, upPaused);
  });
  client.on('message', (m) => {
    if (protocol !== 'v5.channel.k8s.io' && m[0] === STREAM.close) {
      return;
    }
    forward(client, upstream, m, clientPaused);
  });
  upstream.on('close', () => {
    if (!statusSeen) {
      // the agent went away mid-session: say so rather than end as if the command succeeded
      const status = failureStatus('the node agent closed the exec stream before the command ended');
      client.send(channelMessage(STREAM.error, JSON.stringify(status)));
    }
    client.close();
  });
  client.on('close', () => upstream.close());
}

/** Handles an upgrade request for pods/{name}/exec (see execTarget). */
export async function handleExecUpgrade(
  ctx: ExecUpgradeContext,
  req: http.IncomingMessage,
  socket: Duplex,
  head: Buffer,
  target: { namespace: string; name: string },
): Promise<void> {
  socket.on('error', () => socket.destroy());
  let admitted: Awaited<ReturnType<typeof admit>>;
  let protocol: ExecProtocol | undefined;
  try {
    admitted = await admit(ctx, req, target);
    if (!isWebSocketUpgrade(req)) {
      throw errors.badRequest(
        `exec is served over WebSocket only (subprotocols ${EXEC_PROTOCOLS.join(', ')}); ` +
          `"${req.headers.upgrade}" (SPDY) is not supported: use kubectl 1.30 or newer`,
      );
    }
    protocol = pickExecProtocol(offeredProtocols(req));
    if (!protocol) {
      throw errors.badRequest(
        `no supported exec subprotocol offered (Sec-WebSocket-Protocol: ${EXEC_PROTOCOLS.join(' or ')})`,
      );
    }
  } catch (e) {
    refuseUpgrade(req, socket, e);
    return;
  }
  let client: WsConnection;
  try {
    client = acceptWebSocket(req, socket, head, protocol);
  } catch (e) {
    refuseUpgrade(req, socket, errors.badRequest((e as Error).message));
    return;
  }
  // hold what the client sends until the node's stream is open; with a tty, its first resize
  // gives the size the process starts with
  const pending: Buffer[] = [];
  const hold = (m: Buffer) => pending.push(m);
  client.on('message', hold);
  const abort = new AbortController();
  client.once('close', () => abort.abort());
  let request = admitted.request;
  if (request.tty) {
    const size = await firstResize(client, protocol, pending);
    request = size ? { ...request, size } : request;
  }
  let upstream: WsConnection;
  try {
    upstream = await ctx.exec!.open(admitted.pod, admitted.container, request, abort.signal);
  } catch (e) {
    const failure =
      e instanceof ApiError
        ? e.message
        : `exec on node ${admitted.pod.spec.nodeName}: ${(e as Error).message}`;
    ctx.logger?.debug({ pod: target, err: failure }, 'exec refused by the node');
    client.send(channelMessage(STREAM.error, JSON.stringify(failureStatus(failure))));
    client.close();
    return;
  }
  if (abort.signal.aborted) {
    upstream.destroy();
    return;
  }
  client.off('message', hold);
  for (const m of pending) {
    upstream.send(m);
  }
  relay(client, upstream, protocol);
}

const FIRST_RESIZE_WAIT_MS = 1000;

/** The size in the client's first resize message (kubectl sends one at once), if one comes soon. */
function firstResize(
  client: WsConnection,
  protocol: ExecProtocol,
  pending: readonly Buffer[],
): Promise<TerminalSize | undefined> {
  const find = (): TerminalSize | undefined => {
    for (const m of pending) {
      try {
        const msg = parseClientMessage(m, protocol);
        if (msg.kind === 'resize' && msg.width > 0 && msg.height > 0) {
          return { width: msg.width, height: msg.height };
        }
      } catch {
        // a malformed resize: the agent ignores it too
      }
    }
    return undefined;
  };
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('message', check);
      client.off('close', done);
      resolve(find());
    };
    const check = () => {
      if (find()) {
        done();
      }
    };
    const timer = setTimeout(done, FIRST_RESIZE_WAIT_MS);
    client.on('message', check);
    client.on('close', done);
    check();
  });
}

/**
 * Serves an Upgrade request that is not an exec (e.g. `Upgrade: h2c`) as the plain HTTP request
 * it also is: Node hands every Upgrade request to the 'upgrade' listener once there is one.
 */
export function serveUpgradeAsRequest(
  req: http.IncomingMessage,
  socket: Duplex,
  head: Buffer,
  handler: (req: http.IncomingMessage, res: ServerResponse) => void,
): void {
  if (head.length > 0) {
    socket.unshift(head);
  }
  handler(req, responseOnSocket(req, socket));
}
