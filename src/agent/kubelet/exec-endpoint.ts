// The node agent's streaming exec: `GET /exec/{namespace}/{pod}/{container}?command=…&stdin&stdout
// &stderr&tty` upgraded to a WebSocket speaking `v5.channel.k8s.io` (the API server relays
// kubectl's messages here one to one). Starts the process in the container, sends its output on
// streams 1/2 as it comes (pausing the process's pipes while the socket is full), passes stdin,
// close-stdin and resize on, and ends with the Status on stream 3 that carries the exit code.
// A refusal before the process runs (pod or container not running here) is a plain HTTP error.
import type http from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import type { Logger } from 'pino';
import {
  channelMessage,
  type ExecRequest,
  exitStatus,
  failureStatus,
  parseClientMessage,
  parseExecQuery,
  STREAM,
} from '../../cluster/apiserver/exec-channel.js';
import {
  acceptWebSocket,
  offeredProtocols,
  type WsConnection,
} from '../../cluster/apiserver/exec-ws-connection.js';
import type { ExecProcess, ExecStreamOptions } from '../runtime/exec-process.js';

export const AGENT_EXEC_PROTOCOL = 'v5.channel.k8s.io';

export interface ExecStreamBackend {
  execStream(
    namespace: string,
    pod: string,
    container: string,
    args: readonly string[],
    opts: ExecStreamOptions,
  ): Promise<ExecProcess>;
}

export interface AgentExecDeps {
  readonly authorized: (req: http.IncomingMessage) => Promise<boolean>;
  readonly backend?: ExecStreamBackend;
  readonly logger?: Logger;
}

function refuse(socket: Duplex, code: number, message: string): void {
  const body = JSON.stringify({ message });
  const reason = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 501: 'Not Implemented' }[code];
  socket.end(
    `HTTP/1.1 ${code} ${reason ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** `/exec/{ns}/{pod}/{container}` → its parts; undefined for any other path. */
export function agentExecPath(
  pathname: string,
): { namespace: string; pod: string; container: string } | undefined {
  const parts = pathname.split('/').slice(1);
  if (parts.length !== 4 || parts[0] !== 'exec') {
    return undefined;
  }
  try {
    const [namespace, pod, container] = parts.slice(1).map(decodeURIComponent);
    return namespace && pod && container ? { namespace, pod, container } : undefined;
  } catch {
    return undefined;
  }
}

/** Copies a process pipe to one stream of the connection, pausing the pipe while the socket is full. */
function pump(from: Readable, conn: WsConnection, stream: number): Promise<void> {
  return new Promise((resolve) => {
    from.on('data', (b: Buffer) => {
      if (!conn.send(channelMessage(stream, b))) {
        from.pause();
        conn.once('drain', () => from.resume());
      }
    });
    from.once('end', resolve);
    from.once('close', resolve);
    from.once('error', () => resolve());
  });
}

function runSession(conn: WsConnection, proc: ExecProcess, request: ExecRequest, log?: Logger): void {
  let ended = false;
  let stdinPaused = false;
  conn.on('message', (m) => {
    let msg: ReturnType<typeof parseClientMessage>;
    try {
      msg = parseClientMessage(m, AGENT_EXEC_PROTOCOL);
    } catch (e) {
      log?.debug({ err: (e as Error).message }, 'bad exec message');
      return;
    }
    switch (msg.kind) {
      case 'stdin':
        if (proc.stdin && !proc.stdin.writableEnded && !proc.stdin.write(msg.data) && !stdinPaused) {
          stdinPaused = true;
          conn.pause();
          proc.stdin.once('drain', () => {
            stdinPaused = false;
            conn.resume();
          });
        }
        break;
      case 'closeStdin':
        proc.stdin?.end();
        break;
      case 'resize':
        proc.resize(msg.width, msg.height);
        break;
      case 'ignored':
        break;
    }
  });
  conn.on('close', () => {
    if (!ended) {
      proc.kill(); // the client went away: end the process, as the kubelet does
    }
  });
  const outputs: Promise<void>[] = [];
  if (request.stdout || request.tty) {
    outputs.push(pump(proc.stdout, conn, STREAM.stdout));
  } else {
    proc.stdout.resume();
  }
  if (proc.stderr) {
    if (request.stderr) {
      outputs.push(pump(proc.stderr, conn, STREAM.stderr));
    } else {
      proc.stderr.resume();
    }
  }
  void Promise.all([proc.exited, ...outputs]).then(([exit]) => {
    ended = true;
    const status = exit.error ? failureStatus(exit.error) : exitStatus(request.command, exit.exitCode);
    conn.send(channelMessage(STREAM.error, JSON.stringify(status)));
    conn.close();
  });
}

/** Handles an upgrade request to the agent; anything but an exec WebSocket is refused. */
export async function handleAgentExecUpgrade(
  req: http.IncomingMessage,
  socket: Duplex,
  head: Buffer,
  deps: AgentExecDeps,
): Promise<void> {
  socket.on('error', () => socket.destroy());
  const url = new URL(req.url ?? '/', 'http://agent.invalid');
  const target = agentExecPath(url.pathname);
  if (!target) {
    refuse(socket, 404, `no such endpoint ${url.pathname}`);
    return;
  }
  if (!(await deps.authorized(req))) {
    refuse(socket, 401, 'Unauthorized');
    return;
  }
  if (!offeredProtocols(req).includes(AGENT_EXEC_PROTOCOL)) {
    refuse(socket, 400, `exec needs the WebSocket subprotocol ${AGENT_EXEC_PROTOCOL}`);
    return;
  }
  if (!deps.backend) {
    refuse(socket, 501, 'this agent does not support streaming exec');
    return;
  }
  let request: ExecRequest;
  try {
    request = parseExecQuery(url.searchParams);
  } catch (e) {
    refuse(socket, 400, (e as Error).message);
    return;
  }
  let proc: ExecProcess;
  try {
    proc = await deps.backend.execStream(target.namespace, target.pod, target.container, request.command, {
      tty: request.tty,
      stdin: request.stdin,
      ...(request.size ? { size: request.size } : {}),
    });
  } catch (e) {
    refuse(socket, 404, (e as Error).message);
    return;
  }
  if (socket.destroyed) {
    proc.kill();
    return;
  }
  let conn: WsConnection;
  try {
    conn = acceptWebSocket(req, socket, head, AGENT_EXEC_PROTOCOL);
  } catch (e) {
    proc.kill();
    refuse(socket, 400, (e as Error).message);
    return;
  }
  deps.logger?.debug({ ...target, tty: request.tty }, 'exec session started');
  runSession(conn, proc, request, deps.logger);
}
