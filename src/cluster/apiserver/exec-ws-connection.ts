// A WebSocket connection on a socket (the framing is exec-websocket.ts): the server side of an
// HTTP upgrade (`acceptWebSocket`) and the client side (`connectWebSocket`), both giving a
// WsConnection that emits 'message' (Buffer), 'drain' and 'close' (code, reason), answers pings
// and performs the closing handshake.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import {
  acceptKey,
  CLOSE,
  closePayload,
  encodeFrame,
  FrameDecoder,
  isValidKey,
  OPCODE,
} from './exec-websocket.js';

export interface WsConnectionEvents {
  message: [data: Buffer];
  drain: [];
  close: [code: number, reason: string];
}

export class WsConnection extends EventEmitter<WsConnectionEvents> {
  private readonly decoder: FrameDecoder;
  private closeSent = false;
  private closed = false;
  /** The owner's pause() (backpressure); the socket also stays paused while `head` waits. */
  private paused = false;
  private holdingHead = false;

  constructor(
    private readonly socket: Duplex,
    private readonly role: 'server' | 'client',
    head?: Buffer,
  ) {
    super();
    this.decoder = new FrameDecoder({ expectMasked: role === 'server' });
    (socket as Partial<import('node:net').Socket>).setNoDelay?.(true);
    socket.on('data', (b: Buffer) => this.onData(b));
    socket.on('drain', () => this.emit('drain'));
    socket.on('error', () => this.finish(CLOSE.goingAway, 'connection error'));
    socket.on('close', () => this.finish(1006, 'connection lost'));
    socket.on('end', () => this.finish(1006, 'connection ended'));
    if (head && head.length > 0) {
      // Bytes that came with the handshake (a peer may send at once) are decoded only once the
      // owner has its listeners on: connectWebSocket hands the connection over through a promise,
      // after any microtask. Later bytes wait in the paused socket, so the order holds.
      this.holdingHead = true;
      socket.pause();
      setImmediate(() => {
        this.holdingHead = false;
        this.onData(head);
        if (!this.paused) {
          socket.resume();
        }
      });
    }
  }

  get isOpen(): boolean {
    return !this.closeSent && !this.closed;
  }

  /** Sends one binary message; false when the socket buffers (wait for 'drain'). */
  send(data: Buffer): boolean {
    if (!this.isOpen) {
      return true;
    }
    return this.socket.write(this.frame(OPCODE.binary, data));
  }

  /** Starts the closing handshake; the socket ends when the peer answers (or after 2 s). */
  close(code: number = CLOSE.normal, reason = ''): void {
    if (this.closeSent || this.closed) {
      return;
    }
    this.closeSent = true;
    this.socket.write(this.frame(OPCODE.close, closePayload(code, reason)));
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  /** Stops reading from the peer (backpressure), until resume(). */
  pause(): void {
    this.paused = true;
    this.socket.pause();
  }

  resume(): void {
    this.paused = false;
    if (!this.holdingHead) {
      this.socket.resume();
    }
  }

  /** Drops the connection without a closing handshake. */
  destroy(): void {
    this.socket.destroy();
  }

  private frame(opcode: number, payload: Buffer): Buffer {
    return encodeFrame(opcode, payload, this.role === 'client' ? randomBytes(4) : undefined);
  }

  private onData(b: Buffer): void {
    if (this.closed) {
      return;
    }
    for (const ev of this.decoder.push(b)) {
      switch (ev.kind) {
        case 'error':
          // a peer that breaks the framing gets the close frame and no wait for its answer
          this.close(ev.code, ev.message);
          this.socket.end();
          this.finish(ev.code, ev.message);
          return;
        case 'message':
          this.emit('message', ev.data);
          break;
        case 'ping':
          if (this.isOpen) {
            this.socket.write(this.frame(OPCODE.pong, ev.data));
          }
          break;
        case 'pong':
          break;
        case 'close':
          if (!this.closeSent) {
            this.closeSent = true;
            this.socket.write(
              this.frame(OPCODE.close, closePayload(ev.code === 1005 ? CLOSE.normal : ev.code)),
            );
          }
          this.socket.end();
          this.finish(ev.code, ev.reason);
          return;
      }
    }
  }

  private finish(code: number, reason: string): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.emit('close', code, reason);
  }
}

/** The subprotocols a client offers (Sec-WebSocket-Protocol, comma-separated, possibly repeated). */
export function offeredProtocols(req: http.IncomingMessage): string[] {
  const raw = req.headers['sec-websocket-protocol'];
  const list = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
  return list
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/** Whether an upgrade request asks for a WebSocket (not SPDY or h2c). */
export function isWebSocketUpgrade(req: http.IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/**
 * Completes a server-side handshake with `protocol` chosen; throws (writing nothing) on a
 * request that is not a valid WebSocket upgrade.
 */
export function acceptWebSocket(
  req: http.IncomingMessage,
  socket: Duplex,
  head: Buffer,
  protocol: string,
): WsConnection {
  const key = req.headers['sec-websocket-key'];
  if (!isWebSocketUpgrade(req) || !isValidKey(key)) {
    throw new Error('not a WebSocket upgrade (Upgrade: websocket and a Sec-WebSocket-Key are required)');
  }
  if (req.headers['sec-websocket-version'] !== '13') {
    throw new Error('unsupported Sec-WebSocket-Version (13 is)');
  }
  socket.write(
    [
      'HTTP/1.1 101 Switching Protocols',
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Accept: ${acceptKey(key)}`,
      `Sec-WebSocket-Protocol: ${protocol}`,
      '',
      '',
    ].join('\r\n'),
  );
  return new WsConnection(socket, 'server', head);
}

/** A refused client handshake: the peer's HTTP status and body. */
export class WsHandshakeError extends Error {
  constructor(
    readonly statusCode: number,
    readonly body: string,
  ) {
    super(`WebSocket handshake refused with HTTP ${statusCode}: ${body.slice(0, 500)}`);
    this.name = 'WsHandshakeError';
  }
}

export interface WsConnectOptions {
  readonly host: string;
  readonly port: number;
  readonly path: string;
  readonly protocols: readonly string[];
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
}

/** Client side: opens a WebSocket over plain HTTP; resolves with the connection and chosen protocol. */
export function connectWebSocket(opts: WsConnectOptions): Promise<{ conn: WsConnection; protocol: string }> {
  const key = randomBytes(16).toString('base64');
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: opts.host,
      port: opts.port,
      path: opts.path,
      method: 'GET',
      signal: opts.signal,
      headers: {
        ...opts.headers,
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': key,
        'Sec-WebSocket-Protocol': opts.protocols.join(', '),
      },
    });
    req.on('upgrade', (res, socket, head) => {
      const protocol = String(res.headers['sec-websocket-protocol'] ?? '');
      if (res.headers['sec-websocket-accept'] !== acceptKey(key) || !opts.protocols.includes(protocol)) {
        socket.destroy();
        reject(new Error('invalid WebSocket handshake answer (accept key or subprotocol)'));
        return;
      }
      resolve({ conn: new WsConnection(socket, 'client', head), protocol });
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        reject(new WsHandshakeError(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
