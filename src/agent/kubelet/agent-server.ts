// The node agent's own HTTP endpoint, which the API server calls for `kubectl logs` (and a
// non-interactive exec): the kubelet's port 10250, reported in the Node's
// status.daemonEndpoints.kubeletEndpoint.Port.
//
// Security choice: plain HTTP on the node's address, every request (but /healthz) carrying a
// bearer token shared between API server and agents through the Secret
// kube-system/gantry-agent-auth, which the API server side creates (agentPodLogSource) and the
// agents read with their node credentials. Agents get no serving certificate from Gantry's CA, so
// the token is what keeps others from reading logs; run agents on a trusted network.
//
//   GET  /containerLogs/{namespace}/{pod}/{container}?follow&previous&tailLines&timestamps&sinceSeconds&limitBytes
//   POST /exec/{namespace}/{pod}/{container}  {"command": [...], "timeoutSeconds": n} → ExecResult JSON
//   GET  /exec/{namespace}/{pod}/{container}?command=…&stdin&stdout&stderr&tty, upgraded to a
//        WebSocket (v5.channel.k8s.io): the streaming `kubectl exec` (exec-endpoint.ts)
//   GET  /metrics   the process's Prometheus metrics (kubelet_*, and in `gantry up` everything else)
//   GET  /healthz
import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { collectProcessMetrics, metricsText } from '../../observe/metrics.js';
import type { ContainerRuntime, ExecResult } from '../types.js';
import { type ExecStreamBackend, handleAgentExecUpgrade } from './exec-endpoint.js';

export const AGENT_AUTH_SECRET = {
  namespace: 'kube-system',
  name: 'gantry-agent-auth',
  key: 'token',
} as const;
export const DEFAULT_AGENT_PORT = 10250;

export interface AgentServerBackend {
  containerLogPath(namespace: string, pod: string, container: string, previous: boolean): string;
  exec(
    namespace: string,
    pod: string,
    container: string,
    args: readonly string[],
    timeoutMs: number,
  ): Promise<ExecResult>;
  /** Streaming exec for `kubectl exec` (WebSocket upgrade of /exec/…); refused when absent. */
  readonly execStream?: ExecStreamBackend['execStream'];
}

export interface AgentServerOptions {
  readonly backend: AgentServerBackend;
  readonly runtime: Pick<ContainerRuntime, 'readLog'>;
  /** The shared token (re-read when a request presents another one, so a rotation is picked up). */
  readonly token: (refresh: boolean) => Promise<string | undefined>;
  readonly logger?: Logger;
}

export interface AgentServer {
  readonly port: number;
  close(): Promise<void>;
}

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function sendJson(res: http.ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  return v !== null && /^\d+$/.test(v) ? Number(v) : undefined;
}

const flag = (q: URLSearchParams, name: string) => ['true', '1'].includes(q.get(name) ?? '');

export async function startAgentServer(
  host: string,
  port: number,
  opts: AgentServerOptions,
): Promise<AgentServer> {
  collectProcessMetrics();
  const sockets = new Set<import('node:net').Socket>();
  const authorized = async (req: http.IncomingMessage): Promise<boolean> => {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m?.[1]) {
      return false;
    }
    for (const refresh of [false, true]) {
      const t = await opts.token(refresh).catch(() => undefined);
      if (t && sameToken(m[1], t)) {
        return true;
      }
    }
    return false;
  };
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://agent.invalid');
    if (url.pathname === '/healthz') {
      res.end('ok');
      return;
    }
    if (!(await authorized(req))) {
      req.resume();
      sendJson(res, 401, { message: 'Unauthorized' });
      return;
    }
    if (url.pathname === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) {
      const m = await metricsText();
      res.writeHead(200, { 'Content-Type': m.contentType, 'Content-Length': Buffer.byteLength(m.body) });
      res.end(req.method === 'HEAD' ? undefined : m.body);
      return;
    }
    const parts = url.pathname.split('/').slice(1).map(decodeURIComponent);
    const [verb, ns, pod, container] = parts;
    if (parts.length !== 4 || !ns || !pod || !container) {
      sendJson(res, 404, { message: `no such endpoint ${url.pathname}` });
      return;
    }
    if (verb === 'containerLogs' && req.method === 'GET') {
      const q = url.searchParams;
      let path: string;
      try {
        path = opts.backend.containerLogPath(ns, pod, container, flag(q, 'previous'));
      } catch (e) {
        sendJson(res, 404, { message: (e as Error).message });
        return;
      }
      const since = intParam(q, 'sinceSeconds');
      const abort = new AbortController();
      res.on('close', () => abort.abort());
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.flushHeaders();
      await opts.runtime.readLog(
        path,
        {
          follow: flag(q, 'follow'),
          tailLines: intParam(q, 'tailLines'),
          timestamps: flag(q, 'timestamps'),
          limitBytes: intParam(q, 'limitBytes'),
          ...(since !== undefined ? { sinceTime: new Date(Date.now() - since * 1000) } : {}),
        },
        res,
        abort.signal,
      );
      res.end();
      return;
    }
    if (verb === 'exec' && req.method === 'POST') {
      const chunks: Buffer[] = [];
      for await (const c of req) {
        chunks.push(c as Buffer);
      }
      let body: { command?: unknown; timeoutSeconds?: unknown };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        sendJson(res, 400, { message: 'body must be JSON {"command": [...]}' });
        return;
      }
      if (
        !Array.isArray(body.command) ||
        body.command.length === 0 ||
        !body.command.every((x) => typeof x === 'string')
      ) {
        sendJson(res, 400, { message: 'command must be a non-empty list of strings' });
        return;
      }
      const timeoutMs = (typeof body.timeoutSeconds === 'number' ? body.timeoutSeconds : 30) * 1000;
      try {
        sendJson(res, 200, await opts.backend.exec(ns, pod, container, body.command as string[], timeoutMs));
      } catch (e) {
        sendJson(res, 404, { message: (e as Error).message });
      }
      return;
    }
    sendJson(res, 405, { message: `${req.method} ${verb} is not supported` });
  };
  const server = http.createServer((req, res) => {
    handle(req, res).catch((e) => {
      opts.logger?.warn({ err: (e as Error).message, path: req.url?.split('?')[0] }, 'agent request failed');
      if (!res.headersSent) {
        sendJson(res, 500, { message: (e as Error).message });
      } else {
        res.destroy();
      }
    });
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
    const backend = opts.backend.execStream ? { execStream: opts.backend.execStream } : undefined;
    handleAgentExecUpgrade(req, socket, head, { authorized, backend, logger: opts.logger }).catch((e) => {
      opts.logger?.warn({ err: (e as Error).message }, 'exec upgrade failed');
      socket.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) {
          s.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
