// The node's cluster DNS server (UDP + TCP): answers cluster names from the lookup callback and
// forwards other names to upstream servers (by default the host's /etc/resolv.conf).
import { randomInt } from 'node:crypto';
import { createSocket, type RemoteInfo, type Socket as UdpSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { connect, createServer, isIPv6, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { answerQuery, type ServiceLookup } from './dns-answer.js';
import { type DnsMessage, decodeMessage, encodeMessage, Rcode } from './dns-message.js';
import { parseNameservers } from './resolv-conf.js';

export interface ClusterDnsOptions {
  /** Port 0 picks a free port (the same for UDP and TCP). */
  readonly listen: { readonly address: string; readonly port: number };
  readonly lookup: ServiceLookup;
  readonly domain?: string;
  /** `ip` or `ip:port` (`[v6]:port`); default: the host's /etc/resolv.conf name servers. */
  readonly upstream?: readonly string[];
  /** Time allowed per upstream server. */
  readonly forwardTimeoutMs?: number;
  readonly logger?: Logger;
}

interface Upstream {
  readonly host: string;
  readonly port: number;
}

const UDP_MAX = 512;
const TCP_IDLE_MS = 10_000;

export class ClusterDns {
  readonly domain: string;
  private udp?: UdpSocket;
  private tcp?: Server;
  private readonly conns = new Set<Socket>();
  private upstreams: Upstream[] = [];
  private bound?: { address: string; port: number };

  constructor(private readonly opts: ClusterDnsOptions) {
    this.domain = (opts.domain ?? 'cluster.local').toLowerCase().replace(/\.$/, '');
  }

  /** Where the server listens once started. */
  get address(): { address: string; port: number } | undefined {
    return this.bound;
  }

  async start(): Promise<{ address: string; port: number }> {
    if (this.bound) {
      return this.bound;
    }
    const { address } = this.opts.listen;
    for (let attempt = 0; ; attempt++) {
      const udp = createSocket(isIPv6(address) ? 'udp6' : 'udp4');
      await new Promise<void>((resolve, reject) => {
        udp.once('error', reject);
        udp.bind(this.opts.listen.port, address, () => {
          udp.off('error', reject);
          resolve();
        });
      });
      const port = udp.address().port;
      const tcp = createServer((sock) => this.serveTcp(sock));
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen(port, address, () => {
            tcp.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        udp.close();
        if (
          this.opts.listen.port === 0 &&
          attempt < 10 &&
          (err as NodeJS.ErrnoException).code === 'EADDRINUSE'
        ) {
          continue;
        }
        throw err;
      }
      udp.on('message', (msg, rinfo) => this.serveUdp(udp, msg, rinfo));
      udp.on('error', (err) => this.opts.logger?.warn({ err }, 'cluster DNS UDP socket error'));
      this.udp = udp;
      this.tcp = tcp;
      this.bound = { address, port };
      break;
    }
    this.upstreams = this.resolveUpstreams();
    this.opts.logger?.info({ ...this.bound, upstreams: this.upstreams.length }, 'cluster DNS listening');
    return this.bound;
  }

  async stop(): Promise<void> {
    const { udp, tcp } = this;
    this.udp = undefined;
    this.tcp = undefined;
    this.bound = undefined;
    for (const c of this.conns) {
      c.destroy();
    }
    this.conns.clear();
    await Promise.all([
      udp && new Promise<void>((resolve) => udp.close(() => resolve())),
      tcp && new Promise<void>((resolve) => tcp.close(() => resolve())),
    ]);
  }

  /** Answers one wire-format query (or forwards it); undefined when the query is too broken to answer. */
  async handle(raw: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    let query: DnsMessage;
    try {
      query = decodeMessage(raw);
    } catch {
      if (raw.length < 12) {
        return undefined;
      }
      return headerOnlyReply(raw, Rcode.FORMERR);
    }
    const verdict = answerQuery(query, this.domain, this.opts.lookup, this.upstreams.length > 0);
    if (verdict.kind === 'answer') {
      return encodeMessage(verdict.response, transport === 'udp' ? { maxBytes: UDP_MAX } : {});
    }
    const forwarded = await this.forward(raw, transport);
    return forwarded ?? headerOnlyReply(raw, Rcode.SERVFAIL, query);
  }

  private serveUdp(udp: UdpSocket, msg: Buffer, rinfo: RemoteInfo): void {
    this.handle(msg, 'udp').then(
      (out) => {
        if (out && this.udp === udp) {
          udp.send(out, rinfo.port, rinfo.address);
        }
      },
      (err: unknown) => this.opts.logger?.warn({ err }, 'cluster DNS query failed'),
    );
  }

  private serveTcp(sock: Socket): void {
    this.conns.add(sock);
    sock.setTimeout(TCP_IDLE_MS, () => sock.destroy());
    sock.on('close', () => this.conns.delete(sock));
    sock.on('error', () => sock.destroy());
    readFrames(sock, (frame) => {
      this.handle(frame, 'tcp').then(
        (out) => {
          if (out && !sock.destroyed) {
            sock.write(frameOf(out));
          }
        },
        () => sock.destroy(),
      );
    });
  }

  private resolveUpstreams(): Upstream[] {
    let list = this.opts.upstream;
    if (list === undefined) {
      try {
        list = parseNameservers(readFileSync('/etc/resolv.conf', 'utf8'));
      } catch {
        list = [];
      }
    }
    const self = this.bound;
    return list
      .map(parseUpstream)
      .filter((u): u is Upstream => u !== undefined)
      .filter((u) => !(self && u.host === self.address && u.port === self.port));
  }

  private async forward(raw: Buffer, transport: 'udp' | 'tcp'): Promise<Buffer | undefined> {
    const timeoutMs = this.opts.forwardTimeoutMs ?? 2000;
    const clientId = raw.readUInt16BE(0);
    for (const up of this.upstreams) {
      const id = randomInt(0, 0x10000);
      const out = Buffer.from(raw);
      out.writeUInt16BE(id, 0);
      try {
        const reply =
          transport === 'udp' ? await udpExchange(up, out, timeoutMs) : await tcpExchange(up, out, timeoutMs);
        if (reply.length >= 12 && reply.readUInt16BE(0) === id) {
          reply.writeUInt16BE(clientId, 0);
          return reply;
        }
      } catch (err) {
        this.opts.logger?.debug({ err, upstream: `${up.host}:${up.port}` }, 'upstream DNS server failed');
      }
    }
    return undefined;
  }
}

function parseUpstream(text: string): Upstream | undefined {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6?.[1]) {
    return { host: v6[1], port: Number(v6[2] ?? 53) };
  }
  if (isIPv6(text)) {
    return { host: text, port: 53 };
  }
  const [host, port] = text.split(':');
  if (!host) {
    return undefined;
  }
  return { host, port: Number(port ?? 53) };
}

function udpExchange(up: Upstream, query: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = createSocket(isIPv6(up.host) ? 'udp6' : 'udp4');
    const id = query.readUInt16BE(0);
    const timer = setTimeout(() => finish(new Error('upstream DNS timeout')), timeoutMs);
    const finish = (err: Error | undefined, msg?: Buffer) => {
      clearTimeout(timer);
      sock.close();
      if (err || !msg) {
        reject(err);
      } else {
        resolve(msg);
      }
    };
    sock.on('error', (err) => finish(err));
    sock.on('message', (msg, rinfo) => {
      if (rinfo.port === up.port && msg.length >= 12 && msg.readUInt16BE(0) === id) {
        finish(undefined, msg);
      }
    });
    sock.send(query, up.port, up.host);
  });
}

function tcpExchange(up: Upstream, query: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: up.host, port: up.port });
    const timer = setTimeout(() => finish(new Error('upstream DNS timeout')), timeoutMs);
    const finish = (err: Error | undefined, msg?: Buffer) => {
      clearTimeout(timer);
      sock.destroy();
      if (err || !msg) {
        reject(err ?? new Error('upstream DNS closed the connection'));
      } else {
        resolve(msg);
      }
    };
    sock.on('error', (err) => finish(err));
    sock.on('close', () => finish(undefined));
    sock.on('connect', () => sock.write(frameOf(query)));
    readFrames(sock, (frame) => finish(undefined, frame));
  });
}

/** Calls onFrame for each 2-byte-length-prefixed message read from a TCP stream. */
function readFrames(sock: Socket, onFrame: (frame: Buffer) => void): void {
  let pending: Buffer = Buffer.alloc(0);
  sock.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 2) {
      const len = pending.readUInt16BE(0);
      if (pending.length < 2 + len) {
        break;
      }
      onFrame(Buffer.from(pending.subarray(2, 2 + len)));
      pending = pending.subarray(2 + len);
    }
  });
}

function frameOf(msg: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(msg.length);
  return Buffer.concat([len, msg]);
}

/** A reply carrying the query's id (and question, when it could be decoded) and just an rcode. */
function headerOnlyReply(raw: Buffer, rcode: number, query?: DnsMessage): Buffer {
  const rd = (raw.readUInt16BE(2) & 0x0100) !== 0;
  return encodeMessage({
    id: raw.readUInt16BE(0),
    qr: true,
    opcode: (raw.readUInt16BE(2) >> 11) & 0xf,
    aa: false,
    tc: false,
    rd,
    ra: false,
    rcode,
    questions: query?.questions ?? [],
    answers: [],
    authorities: [],
    additionals: [],
  });
}
