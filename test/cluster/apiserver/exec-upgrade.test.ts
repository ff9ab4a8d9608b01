// The API server's exec relay on loopback with a fake node (PodExecSource): what kubectl sees when
// the node cannot run the command, when the agent goes away mid-session, and when no subprotocol
// of ours is offered.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { R } from '../../../src/client/resources.js';
import { channelMessage, STREAM } from '../../../src/cluster/apiserver/exec-channel.js';
import { handleExecUpgrade, type PodExecSource } from '../../../src/cluster/apiserver/exec-upgrade.js';
import {
  acceptWebSocket,
  connectWebSocket,
  type WsConnection,
  WsHandshakeError,
} from '../../../src/cluster/apiserver/exec-ws-connection.js';
import { Registry } from '../../../src/cluster/registry/index.js';
import { MemoryStore } from '../../../src/cluster/store/memory.js';

const servers: http.Server[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

let registry: Registry;

beforeEach(async () => {
  registry = new Registry({ store: new MemoryStore() });
  await registry.bootstrap();
  await registry.create(R.pods, 'default', {
    metadata: { name: 'box' },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i:1' }] },
  });
});

async function listen(onUpgrade: (req: http.IncomingMessage, socket: Duplex, head: Buffer) => void) {
  const server = http.createServer((_req, res) => res.end());
  servers.push(server);
  server.on('upgrade', onUpgrade);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
}

/** An API server that relays exec to `exec`; returns its port. */
function apiServer(exec: PodExecSource): Promise<number> {
  const ctx = {
    registry,
    authenticate: () => ({ user: 'admin', groups: ['system:masters'] }),
    exec,
  };
  return listen((req, socket, head) => {
    void handleExecUpgrade(ctx, req, socket, head, { namespace: 'default', name: 'box' });
  });
}

/** A fake node agent: each connection is handed to onConn; open() connects to it. */
async function fakeNode(onConn: (c: WsConnection) => void): Promise<PodExecSource> {
  const port = await listen((req, socket, head) =>
    onConn(acceptWebSocket(req, socket, head, 'v5.channel.k8s.io')),
  );
  return {
    async open(_pod, _container, _request, signal) {
      const { conn } = await connectWebSocket({
        host: '127.0.0.1',
        port,
        path: '/exec',
        protocols: ['v5.channel.k8s.io'],
        signal,
      });
      return conn;
    },
  };
}

/** Runs an exec as kubectl would; resolves with its stdout and the Status of its error stream. */
async function kubectlExec(
  port: number,
  send: (conn: WsConnection) => void = () => {},
): Promise<{ stdout: string; status: Record<string, unknown> | undefined }> {
  const { conn } = await connectWebSocket({
    host: '127.0.0.1',
    port,
    path: '/api/v1/namespaces/default/pods/box/exec?command=sh&stdin=true&stdout=true',
    protocols: ['v5.channel.k8s.io'],
    headers: { Authorization: 'Bearer t' },
  });
  let stdout = '';
  let status: Record<string, unknown> | undefined;
  conn.on('message', (m) => {
    if (m[0] === STREAM.stdout) {
      stdout += m.subarray(1).toString('utf8');
    } else if (m[0] === STREAM.error) {
      status = JSON.parse(m.subarray(1).toString('utf8')) as Record<string, unknown>;
    }
  });
  const closed = new Promise<void>((r) => conn.on('close', () => r()));
  send(conn);
  await closed;
  return { stdout, status };
}

describe('exec relay failures', () => {
  it('puts a node that cannot run the command on the error stream', async () => {
    const port = await apiServer({
      open: () => Promise.reject(new Error('connect ECONNREFUSED')),
    });
    const { status } = await kubectlExec(port);
    expect(status).toMatchObject({
      status: 'Failure',
      message: 'exec on node n1: connect ECONNREFUSED',
    });
  });

  it('says so when the agent goes away before the command ended, after relaying what came', async () => {
    const node = await fakeNode((c) => {
      c.on('message', (m) => {
        // echo stdin, then drop the connection without a Status
        c.send(channelMessage(STREAM.stdout, m.subarray(1)));
        c.destroy();
      });
    });
    const port = await apiServer(node);
    const { stdout, status } = await kubectlExec(port, (conn) =>
      conn.send(channelMessage(STREAM.stdin, 'hello')),
    );
    expect(stdout).toBe('hello');
    expect(status).toMatchObject({
      status: 'Failure',
      message: 'the node agent closed the exec stream before the command ended',
    });
  });

  it('refuses, before any upgrade, a client offering none of the exec subprotocols', async () => {
    const port = await apiServer({ open: () => Promise.reject(new Error('not reached')) });
    const err = await connectWebSocket({
      host: '127.0.0.1',
      port,
      path: '/api/v1/namespaces/default/pods/box/exec?command=sh&stdout=true',
      protocols: ['v3.channel.k8s.io'],
      headers: { Authorization: 'Bearer t' },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WsHandshakeError);
    expect((err as WsHandshakeError).statusCode).toBe(400);
    expect(JSON.parse((err as WsHandshakeError).body).message).toMatch(
      /no supported exec subprotocol offered .*v5\.channel\.k8s\.io or v4\.channel\.k8s\.io/,
    );
  });
});
