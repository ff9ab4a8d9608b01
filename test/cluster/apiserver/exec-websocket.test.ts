import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  acceptKey,
  CLOSE,
  closePayload,
  encodeFrame,
  FrameDecoder,
  isValidKey,
  OPCODE,
  type WsEvent,
} from '../../../src/cluster/apiserver/exec-websocket.js';

const MASK = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);

function decodeAll(bytes: Buffer, expectMasked: boolean, chunk = bytes.length): WsEvent[] {
  const d = new FrameDecoder({ expectMasked });
  const out: WsEvent[] = [];
  for (let i = 0; i < bytes.length; i += chunk) {
    out.push(...d.push(bytes.subarray(i, i + chunk)));
  }
  return out;
}

/** The framing error the events end with (and that nothing else was decoded after it). */
function protocolError(fn: () => WsEvent[]): { code: number; message: string } {
  const events = fn();
  const last = events[events.length - 1];
  expect(last?.kind).toBe('error');
  return last as { code: number; message: string };
}

describe('WebSocket handshake key', () => {
  it('computes the accept value of RFC 6455 §1.3', () => {
    expect(acceptKey('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('accepts only base64 of 16 bytes as a key', () => {
    expect(isValidKey(randomBytes(16).toString('base64'))).toBe(true);
    expect(isValidKey(randomBytes(15).toString('base64'))).toBe(false);
    expect(isValidKey(undefined)).toBe(false);
    expect(isValidKey('not a key')).toBe(false);
  });
});

describe('encodeFrame', () => {
  it('writes the RFC 6455 §5.7 examples byte for byte', () => {
    // a single-frame unmasked text message "Hello"
    expect(encodeFrame(OPCODE.text, Buffer.from('Hello')).toString('hex')).toBe('810548656c6c6f');
    // the same, masked with 37 fa 21 3d
    expect(encodeFrame(OPCODE.text, Buffer.from('Hello'), MASK).toString('hex')).toBe(
      '818537fa213d7f9f4d5158',
    );
  });

  it('uses the 16-bit length from 126 bytes and the 64-bit length from 65536', () => {
    expect(encodeFrame(OPCODE.binary, Buffer.alloc(125)).subarray(0, 2).toString('hex')).toBe('827d');
    expect(encodeFrame(OPCODE.binary, Buffer.alloc(126)).subarray(0, 4).toString('hex')).toBe('827e007e');
    expect(encodeFrame(OPCODE.binary, Buffer.alloc(65535)).subarray(0, 4).toString('hex')).toBe('827effff');
    expect(encodeFrame(OPCODE.binary, Buffer.alloc(65536)).subarray(0, 10).toString('hex')).toBe(
      '827f0000000000010000',
    );
  });
});

describe('FrameDecoder', () => {
  it('round-trips every length class, masked and not, fed whole or byte by byte', () => {
    for (const len of [0, 1, 125, 126, 127, 65535, 65536, 200_000]) {
      const payload = randomBytes(len);
      for (const [mask, expectMasked] of [
        [MASK, true],
        [undefined, false],
      ] as const) {
        const frame = encodeFrame(OPCODE.binary, payload, mask);
        for (const chunk of len < 1000 ? [frame.length, 1, 3] : [frame.length, 4096]) {
          const events = decodeAll(frame, expectMasked, chunk);
          expect(events).toHaveLength(1);
          expect(events[0]).toMatchObject({ kind: 'message', binary: true });
          expect((events[0] as { data: Buffer }).data.equals(payload)).toBe(true);
        }
      }
    }
  });

  it('returns several messages from one chunk, in order', () => {
    const bytes = Buffer.concat([
      encodeFrame(OPCODE.binary, Buffer.from([1, 104, 105]), MASK),
      encodeFrame(OPCODE.text, Buffer.from('two'), MASK),
    ]);
    const events = decodeAll(bytes, true);
    expect(events.map((e) => e.kind)).toEqual(['message', 'message']);
    expect(events[1]).toMatchObject({ binary: false });
    expect((events[1] as { data: Buffer }).data.toString()).toBe('two');
  });

  it('reassembles a fragmented message with a ping between its fragments (RFC 6455 §5.4)', () => {
    const first = Buffer.from([0x02, 0x03, 0x61, 0x62, 0x63]); // binary, not FIN, "abc"
    const ping = encodeFrame(OPCODE.ping, Buffer.from('p'));
    const last = Buffer.from([0x80, 0x02, 0x64, 0x65]); // continuation, FIN, "de"
    const events = decodeAll(Buffer.concat([first, ping, last]), false, 2);
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ kind: 'ping' });
    expect(events[1]).toMatchObject({ kind: 'message', binary: true });
    expect((events[1] as { data: Buffer }).data.toString()).toBe('abcde');
  });

  it('returns the events decoded before a violation, then the error', () => {
    const bytes = Buffer.concat([
      encodeFrame(OPCODE.ping, Buffer.from('p'), MASK),
      encodeFrame(OPCODE.binary, Buffer.from('unmasked')),
    ]);
    expect(decodeAll(bytes, true).map((e) => e.kind)).toEqual(['ping', 'error']);
  });

  it('decodes close frames with and without a code', () => {
    expect(decodeAll(encodeFrame(OPCODE.close, closePayload(1000, 'bye'), MASK), true)).toEqual([
      { kind: 'close', code: 1000, reason: 'bye' },
    ]);
    expect(decodeAll(encodeFrame(OPCODE.close, Buffer.alloc(0)), false)).toEqual([
      { kind: 'close', code: 1005, reason: '' },
    ]);
  });

  it('rejects an unmasked frame from a client and a masked one from a server', () => {
    expect(protocolError(() => decodeAll(encodeFrame(OPCODE.binary, Buffer.from('x')), true)).code).toBe(
      CLOSE.protocolError,
    );
    expect(
      protocolError(() => decodeAll(encodeFrame(OPCODE.binary, Buffer.from('x'), MASK), false)).message,
    ).toMatch(/must not be masked/);
  });

  it('rejects reserved bits, unknown opcodes, long or fragmented control frames, stray continuations', () => {
    expect(protocolError(() => decodeAll(Buffer.from([0xc2, 0x00]), false)).message).toMatch(/reserved bits/);
    expect(protocolError(() => decodeAll(Buffer.from([0x83, 0x00]), false)).message).toMatch(
      /unknown opcode 3/,
    );
    expect(
      protocolError(() => decodeAll(encodeFrame(OPCODE.ping, Buffer.alloc(126)), false)).message,
    ).toMatch(/control frames/);
    expect(protocolError(() => decodeAll(Buffer.from([0x09, 0x00]), false)).message).toMatch(
      /control frames/,
    );
    expect(protocolError(() => decodeAll(Buffer.from([0x80, 0x00]), false)).message).toMatch(/continuation/);
    expect(
      protocolError(() => decodeAll(Buffer.from([0x02, 0x01, 0x61, 0x82, 0x01, 0x62]), false)).message,
    ).toMatch(/before the previous one ended/);
  });

  it('refuses frames and reassembled messages above the limit with 1009', () => {
    const d = new FrameDecoder({ expectMasked: false, maxMessageBytes: 100 });
    expect(protocolError(() => d.push(encodeFrame(OPCODE.binary, Buffer.alloc(101)))).code).toBe(
      CLOSE.tooBig,
    );
    expect(d.push(encodeFrame(OPCODE.binary, Buffer.alloc(1)))).toEqual([]);
    const d2 = new FrameDecoder({ expectMasked: false, maxMessageBytes: 100 });
    const frag = (fin: boolean, op: number, n: number) =>
      Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | op, n]), Buffer.alloc(n)]);
    d2.push(frag(false, OPCODE.binary, 60));
    expect(protocolError(() => d2.push(frag(true, OPCODE.continuation, 60))).code).toBe(CLOSE.tooBig);
    // a 64-bit length beyond the limit is refused from the header alone
    const huge = Buffer.from([0x82, 0x7f, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(protocolError(() => new FrameDecoder({ expectMasked: false }).push(huge)).code).toBe(CLOSE.tooBig);
  });
});
