// WsConnection on real loopback sockets: both handshakes, messages both ways, ping → pong, the
// closing handshake, a protocol violation, and a refused handshake.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import {
  encodeFrame,
  FrameDecoder,
  OPCODE,
  type WsEvent,
} from '../../../src/cluster/apiserver/exec-websocket.js';
import {
  acceptWebSocket,
  connectWebSocket,
  type WsConnection,
  WsHandshakeError,
} from '../../../src/cluster/apiserver/exec-ws-connection.js';

let server: http.Server | undefined;

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** A server whose upgrades are accepted with v5 and handed to onConn (or refused with 403). */
async function listen(onConn: (c: WsConnection) => void, refuse = false): Promise<number> {
  server = http.createServer((_req, res) => res.end());
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if (refuse) {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 15\r\nConnection: close\r\n\r\n{"message":"x"}');
      return;
    }
    onConn(acceptWebSocket(req, socket, head, 'v5.channel.k8s.io'));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return (server.address() as AddressInfo).port;
}

const connect = (port: number) =>
  connectWebSocket({ host: '127.0.0.1', port, path: '/x', protocols: ['v5.channel.k8s.io'] });

describe('WsConnection', () => {
  it('carries binary messages both ways and closes with a handshake on both sides', async () => {
    let serverClose!: (code: number) => void;
    const serverClosed = new Promise<number>((r) => {
      serverClose = r;
    });
    const port = await listen((c) => {
      c.on('message', (m) => c.send(Buffer.concat([Buffer.from('echo:'), m])));
      c.on('close', (code) => serverClose(code));
    });
    const { conn, protocol } = await connect(port);
    expect(protocol).toBe('v5.channel.k8s.io');
    const got = new Promise<Buffer>((r) => conn.once('message', r));
    const big = Buffer.alloc(70_000, 7);
    conn.send(big);
    expect((await got).equals(Buffer.concat([Buffer.from('echo:'), big]))).toBe(true);
    const clientClosed = new Promise<number>((r) => conn.on('close', (code) => r(code)));
    conn.close(1000, 'done');
    expect(await serverClosed).toBe(1000);
    expect(await clientClosed).toBe(1000);
    expect(conn.isOpen).toBe(false);
  });

  it('answers a ping with a pong carrying the same data, and a bad frame with close 1002', async () => {
    const port = await listen(() => {});
    const socket = net.connect(port, '127.0.0.1');
    const events: WsEvent[] = [];
    const decoder = new FrameDecoder({ expectMasked: false });
    let headerDone = false;
    let buf = Buffer.alloc(0);
    socket.on('data', (b: Buffer) => {
      if (!headerDone) {
        buf = Buffer.concat([buf, b]);
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) {
          return;
        }
        expect(buf.subarray(0, end).toString()).toMatch(/^HTTP\/1\.1 101/);
        headerDone = true;
        b = buf.subarray(end + 4);
      }
      events.push(...decoder.push(b));
    });
    socket.write(
      'GET /x HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n',
    );
    socket.write(encodeFrame(OPCODE.ping, Buffer.from('are you there'), Buffer.from([1, 2, 3, 4])));
    socket.write(encodeFrame(OPCODE.binary, Buffer.from('unmasked from a client')));
    await new Promise<void>((r) => socket.on('close', () => r()));
    expect(events[0]).toEqual({ kind: 'pong', data: Buffer.from('are you there') });
    expect(events[1]).toMatchObject({ kind: 'close', code: 1002, reason: 'client frames must be masked' });
  });

  it('delivers what the server sent with its handshake answer to listeners added after connect', async () => {
    const port = await listen((c) => {
      // in the same write burst as the 101: the client reads both at once (the upgrade's head)
      c.send(Buffer.from('at once'));
      c.close(1000, 'done');
    });
    const { conn } = await connect(port);
    await Promise.resolve(); // as a caller that hands the connection on through another promise
    const got: string[] = [];
    conn.on('message', (m) => got.push(m.toString('utf8')));
    const code = await new Promise<number>((r) => conn.on('close', (c) => r(c)));
    expect(got).toEqual(['at once']);
    expect(code).toBe(1000);
  });

  it('rejects with the status and body of a refused handshake', async () => {
    const port = await listen(() => {}, true);
    const err = await connect(port).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WsHandshakeError);
    expect(err).toMatchObject({ statusCode: 403 });
    expect((err as WsHandshakeError).body).toContain('"message"');
  });
});
