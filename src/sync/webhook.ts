// Webhook endpoint that turns a git push into an immediate refresh instead of waiting for the next
// poll: GitHub push events at POST /api/webhook (X-Hub-Signature-256 checked when a secret is set)
// and a generic JSON endpoint at POST /api/webhook/generic. Every answer is a Kubernetes Status;
// a request that fails verification changes nothing. Never logs the secret or a signature.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Status, StatusReason } from '../api/types.js';

export interface PushEvent {
  /** Every URL the pushed repository is known by (clone, ssh, html …); match with sameRepo. */
  readonly repoURLs: string[];
  /** `refs/heads/main` for GitHub pushes, the given revision for the generic endpoint. */
  readonly ref: string;
  /** The commit the ref now points at, when the sender says. */
  readonly after?: string;
}

export interface WebhookOptions {
  /** HMAC-SHA256 key; a function is read on every request (a Secret that may change). */
  readonly secret?: string | (() => string | undefined);
  readonly onPush: (e: PushEvent) => void | Promise<void>;
  readonly logger?: Logger;
  /** Largest accepted body (default 1 MiB). */
  readonly maxBodyBytes?: number;
}

export const WEBHOOK_PATH = '/api/webhook';
export const GENERIC_WEBHOOK_PATH = '/api/webhook/generic';
export const SIGNATURE_HEADER = 'x-hub-signature-256';
const DEFAULT_MAX_BODY = 1024 * 1024;

class HttpFailure extends Error {
  constructor(
    readonly code: number,
    readonly reason: StatusReason,
    message: string,
  ) {
    super(message);
  }
}

function statusBody(code: number, reason: StatusReason | '', message: string): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: code < 400 ? 'Success' : 'Failure',
    message,
    reason,
    code,
  };
}

function send(
  res: ServerResponse,
  code: number,
  reason: StatusReason | '',
  message: string,
  close = false,
): void {
  if (res.headersSent) {
    return;
  }
  const body = JSON.stringify(statusBody(code, reason, message));
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    ...(close ? { Connection: 'close' } : {}),
  });
  res.end(body);
}

/** Reads the body, failing with 413 past `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(
      new HttpFailure(413, 'RequestEntityTooLarge', `request body exceeds ${limit} bytes`),
    );
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (c: Buffer) => {
      if (failed) {
        return;
      }
      size += c.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(new HttpFailure(413, 'RequestEntityTooLarge', `request body exceeds ${limit} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (!failed) {
        resolve(Buffer.concat(chunks));
      }
    });
    req.on('error', (err) => {
      if (!failed) {
        failed = true;
        reject(err);
      }
    });
  });
}

/** `sha256=<hex>` of the body under the secret. */
export function signBody(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Constant-time check of an `X-Hub-Signature-256` header value. */
export function verifySignature(secret: string, body: Buffer, header: string | undefined): boolean {
  if (typeof header !== 'string' || !header.startsWith('sha256=')) {
    return false;
  }
  const given = Buffer.from(header.slice('sha256='.length).trim(), 'hex');
  const want = createHmac('sha256', secret).update(body).digest();
  return given.length === want.length && timingSafeEqual(given, want);
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function parseJson(body: Buffer, contentType: string | undefined): unknown {
  let text = body.toString('utf8');
  // GitHub can send its payload form-encoded (`payload=<json>`); the signature covers the raw body.
  if (contentType?.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
    const payload = new URLSearchParams(text).get('payload');
    if (payload === null) {
      throw new HttpFailure(400, 'BadRequest', 'form-encoded webhook without a payload field');
    }
    text = payload;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpFailure(400, 'BadRequest', `malformed JSON body: ${(err as Error).message}`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The push event in a GitHub push payload. */
export function githubPushEvent(payload: unknown): PushEvent {
  if (!isObject(payload) || !isObject(payload.repository) || typeof payload.ref !== 'string') {
    throw new HttpFailure(400, 'BadRequest', 'push payload needs "ref" and "repository"');
  }
  const repo = payload.repository;
  const urls = ['clone_url', 'ssh_url', 'html_url', 'git_url', 'url', 'svn_url']
    .map((k) => repo[k])
    .filter((u): u is string => typeof u === 'string' && u !== '');
  if (urls.length === 0) {
    throw new HttpFailure(400, 'BadRequest', 'push payload names no repository URL');
  }
  return {
    repoURLs: [...new Set(urls)],
    ref: payload.ref,
    ...(typeof payload.after === 'string' ? { after: payload.after } : {}),
  };
}

function genericPushEvent(payload: unknown): PushEvent {
  if (!isObject(payload) || typeof payload.repoURL !== 'string' || payload.repoURL.trim() === '') {
    throw new HttpFailure(400, 'BadRequest', 'body needs "repoURL" (string)');
  }
  if (payload.revision !== undefined && typeof payload.revision !== 'string') {
    throw new HttpFailure(400, 'BadRequest', '"revision" must be a string');
  }
  const revision = (payload.revision as string | undefined) ?? '';
  return {
    repoURLs: [payload.repoURL.trim()],
    ref: revision,
    ...(/^[0-9a-f]{40}$/i.test(revision) ? { after: revision } : {}),
  };
}

/**
 * An HTTP handler for the webhook paths; mount it for `/api/webhook` and below. Answers 401 when a
 * secret is configured and the signature is missing or wrong, 413 past the body limit, 400 on a
 * malformed body, 200 for a push (after onPush ran) or a ping, 202 for events it ignores.
 */
export function createWebhookHandler(
  opts: WebhookOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const limit = opts.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const log = opts.logger?.child({ component: 'webhook' });
  const secretNow = () => {
    const s = typeof opts.secret === 'function' ? opts.secret() : opts.secret;
    return s === undefined || s === '' ? undefined : s;
  };

  return async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://webhook').pathname.replace(/\/+$/, '');
    const generic = path === GENERIC_WEBHOOK_PATH;
    if (!generic && path !== WEBHOOK_PATH) {
      send(res, 404, 'NotFound', `no webhook at ${path}`);
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      send(res, 405, 'MethodNotAllowed', `${req.method ?? ''} is not allowed on ${path}; use POST`);
      return;
    }
    try {
      const body = await readBody(req, limit);
      const secret = secretNow();
      if (secret !== undefined && !verifySignature(secret, body, headerValue(req, SIGNATURE_HEADER))) {
        log?.warn({ path, remote: req.socket.remoteAddress }, 'webhook signature missing or invalid');
        throw new HttpFailure(
          401,
          'Unauthorized',
          'webhook signature missing or invalid (X-Hub-Signature-256)',
        );
      }
      const payload = parseJson(body, headerValue(req, 'content-type'));
      let event: PushEvent;
      if (generic) {
        event = genericPushEvent(payload);
      } else {
        const kind = headerValue(req, 'x-github-event');
        if (kind === 'ping') {
          send(res, 200, '', 'pong');
          return;
        }
        if (kind !== 'push') {
          log?.debug({ event: kind }, 'ignoring webhook event');
          send(
            res,
            202,
            '',
            `ignored event ${JSON.stringify(kind ?? '')}: only push events trigger a refresh`,
          );
          return;
        }
        event = githubPushEvent(payload);
      }
      log?.info({ repoURLs: event.repoURLs, ref: event.ref, after: event.after }, 'push received');
      await opts.onPush(event);
      send(res, 200, '', `refresh requested for ${event.repoURLs[0]} ${event.ref}`.trim());
    } catch (err) {
      if (err instanceof HttpFailure) {
        const tooLarge = err.code === 413;
        send(res, err.code, err.reason, err.message, tooLarge);
        if (tooLarge) {
          // Drain what the sender still writes so it can read the answer, then let the socket go.
          req.resume();
        }
        return;
      }
      log?.error({ err }, 'webhook failed');
      send(res, 500, 'InternalError', `webhook failed: ${(err as Error).message}`);
    }
  };
}

const DEFAULT_PORTS: Readonly<Record<string, string>> = {
  'https:': '443',
  'http:': '80',
  'ssh:': '22',
  'git:': '9418',
};

/**
 * One spelling per repository, so that the URL in an Application and the URLs in a push event
 * compare equal: `https://github.com/Org/Repo.git/`, `git@github.com:Org/Repo` and
 * `ssh://git@GitHub.com/Org/Repo` all become `github.com/Org/Repo`. Local repositories
 * (`file:///srv/repo.git`, `/srv/repo`) become `file:///srv/repo`. Host case, credentials,
 * default ports, `.git` and trailing slashes are dropped; path case is kept.
 */
export function normalizeRepoURL(url: string): string {
  let s = url.trim();
  if (s === '') {
    return '';
  }
  if (s.startsWith('/')) {
    s = `file://${s}`;
  }
  // scp-like ssh: [user@]host:path (no scheme, colon before the first slash)
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/\/)(.*)$/.exec(s);
  if (scp && !/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) {
    s = `ssh://${scp[1]}/${(scp[2] ?? '').replace(/^\/+/, '')}`;
  }
  let u: URL;
  try {
    u = new URL(s);
  } catch {
    return stripSuffixes(s.toLowerCase());
  }
  const path = stripSuffixes(decodeURIComponent(u.pathname));
  if (u.protocol === 'file:') {
    return `file://${path}`;
  }
  const port = u.port !== '' && u.port !== DEFAULT_PORTS[u.protocol] ? `:${u.port}` : '';
  return `${u.hostname.toLowerCase()}${port}${path}`;
}

function stripSuffixes(p: string): string {
  let out = p.replace(/\/+$/, '');
  if (out.toLowerCase().endsWith('.git')) {
    out = out.slice(0, -4);
  }
  return out.replace(/\/+$/, '');
}

/**
 * Whether two URLs name the same repository (see normalizeRepoURL). Hosted repository paths
 * compare without regard to case, as GitHub and GitLab treat them; local paths compare exactly.
 */
export function sameRepo(a: string, b: string): boolean {
  const na = normalizeRepoURL(a);
  const nb = normalizeRepoURL(b);
  if (na === '' || nb === '') {
    return false;
  }
  return na.startsWith('file://') ? na === nb : na.toLowerCase() === nb.toLowerCase();
}
