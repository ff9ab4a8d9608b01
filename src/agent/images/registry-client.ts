// A client for the Distribution API v2 (OCI distribution spec): manifests and blobs over HTTPS (HTTP
// only for registries the operator listed as insecure), anonymous, Basic or Bearer-token access.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { RegistryCredentials } from '../types.js';
import { ImageError } from '../types.js';
import { MANIFEST_ACCEPT } from './manifest.js';
import type { ImageReference } from './reference.js';
import { formatReference, registryApiHost } from './reference.js';
import { basicAuthorization, parseChallenges, tokenFromResponse, tokenUrl } from './registry-auth.js';

export type FetchFn = typeof globalThis.fetch;

export interface RegistryClientOptions {
  /** Registries (`host:port`) reached over plain HTTP; every other one is HTTPS. */
  readonly insecureRegistries?: readonly string[];
  readonly fetch?: FetchFn;
  /** Time allowed for a response's headers, and between two chunks of a body. Default 30 s. */
  readonly timeoutMs?: number;
  readonly logger?: Logger;
}

export interface FetchedManifest {
  readonly body: Buffer;
  readonly contentType?: string;
  /** sha256 of the bytes received (verified against the requested digest when pulling by digest). */
  readonly digest: string;
}

export interface BlobStream {
  readonly size?: number;
  readonly body: AsyncIterable<Uint8Array>;
}

const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

interface CachedToken {
  readonly authorization: string;
  readonly expiresAt: number;
}

export class RegistryClient {
  private readonly insecure: ReadonlySet<string>;
  private readonly fetchFn: FetchFn;
  private readonly timeoutMs: number;
  private readonly logger: Logger | undefined;
  private readonly tokens = new Map<string, CachedToken>();

  constructor(opts: RegistryClientOptions = {}) {
    this.insecure = new Set(
      (opts.insecureRegistries ?? []).map((r) => r.replace(/^https?:\/\//, '').replace(/\/+$/, '')),
    );
    this.fetchFn = opts.fetch ?? globalThis.fetch;
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.logger = opts.logger;
  }

  baseUrl(registry: string): string {
    const host = registryApiHost(registry);
    return `${this.insecure.has(registry) || this.insecure.has(host) ? 'http' : 'https'}://${host}`;
  }

  async getManifest(
    ref: ImageReference,
    reference: string,
    creds?: RegistryCredentials,
    signal?: AbortSignal,
  ): Promise<FetchedManifest> {
    const what = `manifest ${reference}`;
    const res = await this.request(ref, `/manifests/${reference}`, what, creds, signal, {
      Accept: MANIFEST_ACCEPT,
    });
    const length = Number(res.headers.get('content-length') ?? '0');
    if (length > MAX_MANIFEST_BYTES) {
      await res.body?.cancel();
      throw this.pullError(ref, `${what} is ${length} bytes, more than the ${MAX_MANIFEST_BYTES} allowed`);
    }
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of this.withIdleTimeout(res, ref, what)) {
      total += chunk.byteLength;
      if (total > MAX_MANIFEST_BYTES) {
        throw this.pullError(ref, `${what} is larger than the ${MAX_MANIFEST_BYTES} bytes allowed`);
      }
      chunks.push(Buffer.from(chunk));
    }
    const body = Buffer.concat(chunks);
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    if (reference.startsWith('sha256:') && digest !== reference) {
      throw this.pullError(ref, `digest mismatch: ${what} has digest ${digest}`);
    }
    const contentType = res.headers.get('content-type') ?? undefined;
    return { body, digest, ...(contentType ? { contentType } : {}) };
  }

  /** Opens a blob (following redirects); the body must be consumed or cancelled by the caller. */
  async openBlob(
    ref: ImageReference,
    digest: string,
    creds?: RegistryCredentials,
    signal?: AbortSignal,
  ): Promise<BlobStream> {
    const what = `blob ${digest}`;
    const res = await this.request(ref, `/blobs/${digest}`, what, creds, signal, {});
    const len = res.headers.get('content-length');
    return { body: this.withIdleTimeout(res, ref, what), ...(len !== null ? { size: Number(len) } : {}) };
  }

  private pullError(ref: ImageReference, message: string, cause?: unknown): ImageError {
    return new ImageError(
      'ErrImagePull',
      `pull ${formatReference(ref)}: ${message}`,
      cause !== undefined ? { cause } : undefined,
    );
  }

  /** One API request with the auth dance: cached credentials, then on 401 the challenge's scheme, once. */
  private async request(
    ref: ImageReference,
    path: string,
    what: string,
    creds: RegistryCredentials | undefined,
    signal: AbortSignal | undefined,
    headers: Record<string, string>,
  ): Promise<Response> {
    const url = `${this.baseUrl(ref.registry)}/v2/${ref.repository}${path}`;
    const cacheKey = `${ref.registry}|${ref.repository}|${creds?.username ?? ''}`;
    let authorization =
      this.cachedAuthorization(cacheKey) ?? (creds?.token ? `Bearer ${creds.token}` : undefined);
    for (let attempt = 0; ; attempt++) {
      const res = await this.send(ref, url, what, signal, {
        ...headers,
        ...(authorization ? { Authorization: authorization } : {}),
      });
      if (res.status === 401 && attempt === 0) {
        const challenge = res.headers.get('www-authenticate') ?? '';
        await res.body?.cancel();
        const next = await this.answerChallenge(ref, challenge, creds, signal);
        if (next === undefined) {
          throw this.pullError(
            ref,
            `registry ${ref.registry} answered 401 Unauthorized for ${what} and no credentials can satisfy ${JSON.stringify(challenge)}`,
          );
        }
        authorization = next.authorization;
        this.tokens.set(cacheKey, next);
        continue;
      }
      if (res.ok) {
        return res;
      }
      const detail = await this.errorDetail(res);
      if (res.status === 401) {
        this.tokens.delete(cacheKey);
      }
      throw this.pullError(
        ref,
        `registry ${ref.registry} answered ${res.status} ${res.statusText || statusText(res.status)} for ${what}${detail}`,
      );
    }
  }

  private cachedAuthorization(key: string): string | undefined {
    const t = this.tokens.get(key);
    if (t && t.expiresAt > Date.now()) {
      return t.authorization;
    }
    this.tokens.delete(key);
    return undefined;
  }

  private async answerChallenge(
    ref: ImageReference,
    header: string,
    creds: RegistryCredentials | undefined,
    signal: AbortSignal | undefined,
  ): Promise<CachedToken | undefined> {
    const challenges = parseChallenges(header);
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    const hasBasicCreds = creds?.username !== undefined && creds.password !== undefined;
    if (bearer) {
      let url: URL;
      try {
        url = tokenUrl(bearer, `repository:${ref.repository}:pull`);
      } catch (err) {
        throw this.pullError(
          ref,
          `registry ${ref.registry} sent an unusable challenge ${JSON.stringify(header)}`,
          err,
        );
      }
      if (url.protocol === 'http:' && !this.insecure.has(ref.registry)) {
        throw this.pullError(
          ref,
          `registry ${ref.registry} points to a plain-HTTP token service ${url.origin}`,
        );
      }
      const tokenHeaders: Record<string, string> = { Accept: 'application/json' };
      if (hasBasicCreds) {
        tokenHeaders.Authorization = basicAuthorization(creds.username!, creds.password!);
      }
      const res = await this.send(ref, url.toString(), 'token', signal, tokenHeaders);
      if (!res.ok) {
        const detail = await this.errorDetail(res);
        throw this.pullError(
          ref,
          `token service ${url.origin} answered ${res.status} ${res.statusText || statusText(res.status)}${detail}`,
        );
      }
      let body: unknown;
      try {
        body = await res.json();
      } catch (err) {
        throw this.pullError(ref, `token service ${url.origin} sent invalid JSON`, err);
      }
      const token = tokenFromResponse(body);
      if (!token) {
        throw this.pullError(ref, `token service ${url.origin} sent no token`);
      }
      this.logger?.debug({ registry: ref.registry, repository: ref.repository }, 'registry token obtained');
      // Renew a little early so a long pull does not run into expiry mid-way.
      return {
        authorization: `Bearer ${token.token}`,
        expiresAt: Date.now() + Math.max(10, token.expiresInSec - 10) * 1000,
      };
    }
    if (challenges.some((c) => c.scheme === 'basic') && hasBasicCreds) {
      return {
        authorization: basicAuthorization(creds.username!, creds.password!),
        expiresAt: Number.MAX_SAFE_INTEGER,
      };
    }
    return undefined;
  }

  /** fetch with a deadline for the response headers and a clear error when the registry is unreachable. */
  private async send(
    ref: ImageReference,
    url: string,
    what: string,
    signal: AbortSignal | undefined,
    headers: Record<string, string>,
  ): Promise<Response> {
    signal?.throwIfAborted();
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new Error('timeout'));
    }, this.timeoutMs);
    try {
      const res = await this.fetchFn(url, { headers, signal: controller.signal, redirect: 'follow' });
      // The body keeps the controller; abort() from the caller's signal still reaches it.
      return res;
    } catch (err) {
      if (signal?.aborted) {
        throw signal.reason ?? err;
      }
      if (timedOut) {
        throw this.pullError(
          ref,
          `registry ${ref.registry} did not answer ${what} within ${this.timeoutMs} ms`,
          err,
        );
      }
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const reason = cause?.code ?? cause?.message ?? (err as Error).message;
      throw this.pullError(
        ref,
        `cannot reach registry ${ref.registry} at ${new URL(url).origin} (${reason})`,
        err,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /** Iterates a response body, failing when no data arrives for timeoutMs. */
  private async *withIdleTimeout(
    res: Response,
    ref: ImageReference,
    what: string,
  ): AsyncGenerator<Uint8Array> {
    if (!res.body) {
      return;
    }
    const reader = res.body.getReader();
    try {
      for (;;) {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(this.pullError(ref, `${what} stalled: no data for ${this.timeoutMs} ms`)),
            this.timeoutMs,
          );
        });
        let r: Awaited<ReturnType<typeof reader.read>>;
        try {
          r = await Promise.race([reader.read(), timeout]);
        } catch (err) {
          if (err instanceof ImageError) {
            throw err;
          }
          throw this.pullError(ref, `reading ${what} failed (${(err as Error).message})`, err);
        } finally {
          clearTimeout(timer);
        }
        if (r.done) {
          return;
        }
        yield r.value;
      }
    } finally {
      reader.cancel().catch(() => {});
    }
  }

  private async errorDetail(res: Response): Promise<string> {
    let text = '';
    try {
      text = (await res.text()).slice(0, 2000);
    } catch {
      return '';
    }
    try {
      const body = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
      const errs = (body.errors ?? []).map((e) => `${e.code ?? ''}${e.message ? `: ${e.message}` : ''}`);
      if (errs.length > 0) {
        return ` (${errs.join('; ')})`;
      }
    } catch {
      // not JSON: fall through to the raw text
    }
    const trimmed = text.trim().split('\n')[0] ?? '';
    return trimmed ? ` (${trimmed.slice(0, 200)})` : '';
  }
}

function statusText(status: number): string {
  const texts: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    429: 'Too Many Requests',
    500: 'Internal Server Error',
    502: 'Bad Gateway',
    503: 'Service Unavailable',
  };
  return texts[status] ?? '';
}
