// The Kubernetes streaming protocol over WebSocket (`v5.channel.k8s.io`, `v4.channel.k8s.io`) as
// used by `kubectl exec`: every binary message starts with one byte naming its stream — 0 stdin,
// 1 stdout, 2 stderr, 3 error (a JSON Status at the end), 4 resize ({"Width","Height"}) and, in v5
// only, 255 close (its second byte names the stream the client has finished writing). Pure.
import { errors } from '../../api/errors.js';

export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;
export type ExecProtocol = (typeof EXEC_PROTOCOLS)[number];

export const STREAM = {
  stdin: 0,
  stdout: 1,
  stderr: 2,
  error: 3,
  resize: 4,
  close: 255,
} as const;

/** The first protocol of ours the client offers, in our order of preference. */
export function pickExecProtocol(offered: readonly string[]): ExecProtocol | undefined {
  return EXEC_PROTOCOLS.find((p) => offered.includes(p));
}

export interface ExecRequest {
  readonly command: readonly string[];
  readonly container?: string;
  readonly stdin: boolean;
  readonly stdout: boolean;
  readonly stderr: boolean;
  readonly tty: boolean;
  /**
   * The terminal's size when the process starts (tty only). Not part of kubectl's query: the API
   * server fills it in from the client's first resize message before it opens the node's stream.
   */
  readonly size?: TerminalSize;
}

export interface TerminalSize {
  readonly width: number;
  readonly height: number;
}

const truthy = (v: string | null): boolean => v !== null && ['true', '1', ''].includes(v.toLowerCase());

function sizeParam(q: URLSearchParams): TerminalSize | undefined {
  const width = q.get('width');
  const height = q.get('height');
  if (width === null && height === null) {
    return undefined;
  }
  const w = Number(width);
  const h = Number(height);
  if (
    !/^\d{1,5}$/.test(width ?? '') ||
    !/^\d{1,5}$/.test(height ?? '') ||
    w < 1 ||
    h < 1 ||
    w > 65535 ||
    h > 65535
  ) {
    throw errors.badRequest('width and height must both be integers from 1 to 65535');
  }
  return { width: w, height: h };
}

/** The exec query (`command` repeated, `container`, `stdin|stdout|stderr|tty`); 400 on bad input. */
export function parseExecQuery(q: URLSearchParams): ExecRequest {
  const command = q.getAll('command');
  if (command.length === 0 || command[0] === '') {
    throw errors.badRequest(
      'you must specify at least one command for the container (query parameter "command")',
    );
  }
  const container = q.get('container');
  const stdin = truthy(q.get('stdin'));
  const stdout = truthy(q.get('stdout'));
  const stderr = truthy(q.get('stderr'));
  const tty = truthy(q.get('tty'));
  if (!stdin && !stdout && !stderr) {
    throw errors.badRequest('you must specify at least one of stdin, stdout, stderr');
  }
  const size = sizeParam(q);
  return {
    command,
    ...(container ? { container } : {}),
    stdin,
    stdout,
    // as Kubernetes: with a tty, stderr is merged into stdout
    stderr: stderr && !tty,
    tty,
    ...(tty && size ? { size } : {}),
  };
}

/** The query string for an ExecRequest (what the API server sends on to the node agent). */
export function execQuery(r: ExecRequest): string {
  const q = new URLSearchParams();
  for (const c of r.command) {
    q.append('command', c);
  }
  for (const k of ['stdin', 'stdout', 'stderr', 'tty'] as const) {
    if (r[k]) {
      q.set(k, 'true');
    }
  }
  if (r.tty && r.size) {
    q.set('width', String(r.size.width));
    q.set('height', String(r.size.height));
  }
  return q.toString();
}

/** A message on one stream. */
export function channelMessage(stream: number, data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const out = Buffer.allocUnsafe(body.length + 1);
  out[0] = stream;
  body.copy(out, 1);
  return out;
}

/** The error-stream Status for how the command ended (what kubectl turns into its exit code). */
export function exitStatus(command: readonly string[], exitCode: number): Record<string, unknown> {
  if (exitCode === 0) {
    return { metadata: {}, status: 'Success' };
  }
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/** The error-stream Status for an exec that could not run (e.g. the executable is missing). */
export function failureStatus(message: string): Record<string, unknown> {
  return { metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 };
}

export type ClientMessage =
  | { readonly kind: 'stdin'; readonly data: Buffer }
  | { readonly kind: 'resize'; readonly width: number; readonly height: number }
  | { readonly kind: 'closeStdin' }
  | { readonly kind: 'ignored' };

/** What a message from the client means; throws on a malformed resize. */
export function parseClientMessage(msg: Buffer, protocol: ExecProtocol): ClientMessage {
  if (msg.length === 0) {
    return { kind: 'ignored' };
  }
  const stream = msg[0] as number;
  const body = msg.subarray(1);
  if (stream === STREAM.stdin) {
    return body.length > 0 ? { kind: 'stdin', data: body } : { kind: 'ignored' };
  }
  if (stream === STREAM.resize) {
    const size = JSON.parse(body.toString('utf8')) as { Width?: unknown; Height?: unknown };
    const w = size.Width;
    const h = size.Height;
    if (!Number.isInteger(w) || !Number.isInteger(h) || (w as number) < 0 || (h as number) < 0) {
      throw new Error('resize needs non-negative integers Width and Height');
    }
    return { kind: 'resize', width: Math.min(w as number, 65535), height: Math.min(h as number, 65535) };
  }
  if (stream === STREAM.close && protocol === 'v5.channel.k8s.io' && body[0] === STREAM.stdin) {
    return { kind: 'closeStdin' };
  }
  return { kind: 'ignored' };
}
