// WebSocket framing (RFC 6455) for the exec streams: the handshake key, encoding one frame and an
// incremental decoder that turns bytes into whole messages and control frames. Pure: no sockets
// here (exec-ws-connection.ts puts this on a socket).
//
// Written in-house rather than with the `ws` package: exec needs binary messages, close and
// ping/pong on both ends of two hops (kubectl → API server → agent), which is ~200 lines with no
// extensions (no permessage-deflate), and the decoder stays a pure, unit-tested function.
import { createHash } from 'node:crypto';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export const OPCODE = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;

/** Close codes used here (RFC 6455 §7.4.1). */
export const CLOSE = {
  normal: 1000,
  goingAway: 1001,
  protocolError: 1002,
  tooBig: 1009,
  internalError: 1011,
} as const;

/** The Sec-WebSocket-Accept value for a client's Sec-WebSocket-Key. */
export function acceptKey(key: string): string {
  return createHash('sha1').update(`${key}${GUID}`).digest('base64');
}

/** A well-formed Sec-WebSocket-Key: base64 of 16 bytes. */
export function isValidKey(key: string | undefined): key is string {
  return !!key && /^[A-Za-z0-9+/]{22}==$/.test(key);
}

/** One frame, FIN set; masked with `mask` (4 bytes) when given (a client must mask, a server must not). */
export function encodeFrame(opcode: number, payload: Buffer, mask?: Buffer): Buffer {
  const len = payload.length;
  const ext = len < 126 ? 0 : len < 0x10000 ? 2 : 8;
  const head = Buffer.alloc(2 + ext + (mask ? 4 : 0));
  head[0] = 0x80 | (opcode & 0x0f);
  head[1] = (mask ? 0x80 : 0) | (ext === 0 ? len : ext === 2 ? 126 : 127);
  if (ext === 2) {
    head.writeUInt16BE(len, 2);
  } else if (ext === 8) {
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  if (!mask) {
    return Buffer.concat([head, payload]);
  }
  mask.copy(head, 2 + ext);
  const body = Buffer.allocUnsafe(len);
  for (let i = 0; i < len; i++) {
    body[i] = (payload[i] as number) ^ (mask[i & 3] as number);
  }
  return Buffer.concat([head, body]);
}

/** A close frame's payload: code (2 bytes) and a UTF-8 reason of at most 123 bytes. */
export function closePayload(code: number, reason = ''): Buffer {
  const r = Buffer.from(reason, 'utf8').subarray(0, 123);
  const b = Buffer.alloc(2 + r.length);
  b.writeUInt16BE(code, 0);
  r.copy(b, 2);
  return b;
}

export type WsEvent =
  | { readonly kind: 'message'; readonly binary: boolean; readonly data: Buffer }
  | { readonly kind: 'ping'; readonly data: Buffer }
  | { readonly kind: 'pong'; readonly data: Buffer }
  | { readonly kind: 'close'; readonly code: number; readonly reason: string }
  /** A violation of the framing rules (always the last event): close the connection with `code`. */
  | { readonly kind: 'error'; readonly code: number; readonly message: string };

class WsProtocolError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = 'WsProtocolError';
  }
}

export interface DecoderOptions {
  /** Frames from the peer must be masked (true on a server) or must not be (false on a client). */
  readonly expectMasked: boolean;
  /** Largest message (after reassembly of fragments); default 16 MiB. */
  readonly maxMessageBytes?: number;
}

/**
 * Incremental decoder: push bytes as they arrive, get back every event they complete; after a
 * framing violation (an 'error' event) it decodes nothing more.
 */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentBytes = 0;
  private fragmentBinary = false;
  private readonly max: number;
  private failed = false;

  constructor(private readonly opts: DecoderOptions) {
    this.max = opts.maxMessageBytes ?? 16 * 1024 * 1024;
  }

  push(chunk: Buffer): WsEvent[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const events: WsEvent[] = [];
    if (this.failed) {
      return events;
    }
    for (;;) {
      let ev: WsEvent | null | undefined;
      try {
        ev = this.next();
      } catch (e) {
        if (!(e instanceof WsProtocolError)) {
          throw e;
        }
        this.failed = true;
        events.push({ kind: 'error', code: e.code, message: e.message });
        return events;
      }
      if (ev === undefined) {
        return events;
      }
      if (ev !== null) {
        events.push(ev);
      }
    }
  }

  /** One frame off the buffer: undefined when incomplete, null for a non-final fragment. */
  private next(): WsEvent | null | undefined {
    const b = this.buf;
    if (b.length < 2) {
      return undefined;
    }
    const b0 = b[0] as number;
    const b1 = b[1] as number;
    const fin = (b0 & 0x80) !== 0;
    if ((b0 & 0x70) !== 0) {
      throw new WsProtocolError(CLOSE.protocolError, 'reserved bits set (no extension was negotiated)');
    }
    const opcode = b0 & 0x0f;
    const masked = (b1 & 0x80) !== 0;
    if (masked !== this.opts.expectMasked) {
      throw new WsProtocolError(
        CLOSE.protocolError,
        this.opts.expectMasked ? 'client frames must be masked' : 'server frames must not be masked',
      );
    }
    let len = b1 & 0x7f;
    let off = 2;
    if (len === 126) {
      if (b.length < 4) {
        return undefined;
      }
      len = b.readUInt16BE(2);
      off = 4;
    } else if (len === 127) {
      if (b.length < 10) {
        return undefined;
      }
      const big = b.readBigUInt64BE(2);
      if (big > BigInt(this.max)) {
        throw new WsProtocolError(CLOSE.tooBig, `frame of ${big} bytes exceeds ${this.max}`);
      }
      len = Number(big);
      off = 10;
    }
    const isControl = (opcode & 0x08) !== 0;
    if (isControl && (len > 125 || !fin)) {
      throw new WsProtocolError(CLOSE.protocolError, 'control frames must be final and at most 125 bytes');
    }
    if (len > this.max) {
      throw new WsProtocolError(CLOSE.tooBig, `frame of ${len} bytes exceeds ${this.max}`);
    }
    const maskAt = off;
    if (masked) {
      off += 4;
    }
    if (b.length < off + len) {
      return undefined;
    }
    const payload = Buffer.from(b.subarray(off, off + len));
    if (masked) {
      for (let i = 0; i < len; i++) {
        payload[i] = (payload[i] as number) ^ (b[maskAt + (i & 3)] as number);
      }
    }
    this.buf = b.subarray(off + len);
    switch (opcode) {
      case OPCODE.ping:
        return { kind: 'ping', data: payload };
      case OPCODE.pong:
        return { kind: 'pong', data: payload };
      case OPCODE.close: {
        if (len === 1) {
          throw new WsProtocolError(CLOSE.protocolError, 'close frame with a 1-byte payload');
        }
        const code = len >= 2 ? payload.readUInt16BE(0) : 1005;
        return { kind: 'close', code, reason: payload.subarray(2).toString('utf8') };
      }
      case OPCODE.text:
      case OPCODE.binary:
        if (this.fragments.length > 0) {
          throw new WsProtocolError(CLOSE.protocolError, 'new message before the previous one ended');
        }
        if (fin) {
          return { kind: 'message', binary: opcode === OPCODE.binary, data: payload };
        }
        this.fragmentBinary = opcode === OPCODE.binary;
        this.fragments = [payload];
        this.fragmentBytes = len;
        return null;
      case OPCODE.continuation: {
        if (this.fragments.length === 0) {
          throw new WsProtocolError(CLOSE.protocolError, 'continuation frame without a message');
        }
        this.fragmentBytes += len;
        if (this.fragmentBytes > this.max) {
          throw new WsProtocolError(CLOSE.tooBig, `message exceeds ${this.max} bytes`);
        }
        this.fragments.push(payload);
        if (!fin) {
          return null;
        }
        const data = Buffer.concat(this.fragments);
        this.fragments = [];
        this.fragmentBytes = 0;
        return { kind: 'message', binary: this.fragmentBinary, data };
      }
      default:
        throw new WsProtocolError(CLOSE.protocolError, `unknown opcode ${opcode}`);
    }
  }
}
