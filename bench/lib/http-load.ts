// A steady, bounded HTTP load against one local address (the e2e rollout tests and the rollout
// benchmark): `rate` GET requests per second, each on a fresh connection or over a keep-alive
// agent, until stopped or `maxMs` is over; every answer is classified by the demo page's version.
// Only loopback targets are accepted, the rate and duration are capped.
import http from 'node:http';

export type LoadMode = 'fresh' | 'keepalive';

export interface LoadOptions {
  readonly host: string;
  readonly port: number;
  readonly path?: string;
  readonly rate: number;
  readonly mode: LoadMode;
  /** Hard stop (default 60 s): the load never runs longer. */
  readonly maxMs?: number;
  /** Per-request timeout (default 3 s). */
  readonly timeoutMs?: number;
  /** Requests in flight beyond this are not sent (counted as skipped). Default 256. */
  readonly maxInFlight?: number;
}

export interface LoadResult {
  /** ms since the load started */
  readonly at: number;
  readonly ms: number;
  readonly ok: boolean;
  readonly status?: number;
  /** `v1`, `v2`, … from the demo page, when the body is one. */
  readonly version?: string;
  readonly error?: string;
  readonly reusedSocket: boolean;
}

export interface LoadSummary {
  readonly mode: LoadMode;
  readonly sent: number;
  readonly ok: number;
  readonly failed: number;
  readonly skipped: number;
  readonly durationMs: number;
  readonly versions: Readonly<Record<string, number>>;
  /** Distinct failure descriptions with their counts. */
  readonly errors: Readonly<Record<string, number>>;
  readonly reusedSockets: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

const MAX_RATE = 500;
const MAX_DURATION_MS = 180_000;
const VERSION = /Gantry demo web (v\d+)/;

export function isLoopback(host: string): boolean {
  return /^127\.\d+\.\d+\.\d+$/.test(host) || host === 'localhost' || host === '::1';
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function summarize(
  mode: LoadMode,
  results: readonly LoadResult[],
  skipped: number,
  durationMs: number,
): LoadSummary {
  const versions: Record<string, number> = {};
  const errors: Record<string, number> = {};
  let ok = 0;
  let reused = 0;
  for (const r of results) {
    if (r.reusedSocket) {
      reused++;
    }
    if (r.ok) {
      ok++;
      versions[r.version!] = (versions[r.version!] ?? 0) + 1;
    } else {
      const key = r.error ?? `HTTP ${r.status}`;
      errors[key] = (errors[key] ?? 0) + 1;
    }
  }
  const lat = results.map((r) => r.ms).sort((a, b) => a - b);
  return {
    mode,
    sent: results.length,
    ok,
    failed: results.length - ok,
    skipped,
    durationMs,
    versions,
    errors,
    reusedSockets: reused,
    p50Ms: percentile(lat, 50),
    p99Ms: percentile(lat, 99),
    maxMs: lat[lat.length - 1] ?? Number.NaN,
  };
}

export function formatSummary(s: LoadSummary): string {
  const v = Object.entries(s.versions)
    .map(([k, n]) => `${k}=${n}`)
    .join(' ');
  const e = Object.entries(s.errors)
    .map(([k, n]) => `${k}×${n}`)
    .join(', ');
  return (
    `${s.mode}: ${s.sent} requests in ${(s.durationMs / 1000).toFixed(1)} s, ${s.failed} failed` +
    `${e ? ` (${e})` : ''}, ${v}, p50 ${s.p50Ms.toFixed(1)} ms, p99 ${s.p99Ms.toFixed(1)} ms` +
    `${s.mode === 'keepalive' ? `, ${s.reusedSockets} on reused sockets` : ''}${s.skipped ? `, ${s.skipped} skipped` : ''}`
  );
}

/** A running load; stop() ends it and resolves once every request has settled. */
export class HttpLoad {
  readonly results: LoadResult[] = [];
  private readonly agent: http.Agent | undefined;
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;
  private readonly hardStop: NodeJS.Timeout;
  private sent = 0;
  private skipped = 0;
  private inFlight = 0;
  private stopped = false;
  private stoppedAt?: number;
  private settled?: () => void;

  constructor(private readonly opts: LoadOptions) {
    if (!isLoopback(opts.host)) {
      throw new Error(`load generator targets loopback only, not ${opts.host}`);
    }
    if (!(opts.rate > 0 && opts.rate <= MAX_RATE)) {
      throw new Error(`rate must be in (0, ${MAX_RATE}] requests/s`);
    }
    this.agent = opts.mode === 'keepalive' ? new http.Agent({ keepAlive: true, maxSockets: 64 }) : undefined;
    this.timer = setInterval(() => this.tick(), 5);
    this.hardStop = setTimeout(() => void this.stop(), Math.min(opts.maxMs ?? 60_000, MAX_DURATION_MS));
  }

  /** Results so far. */
  summary(): LoadSummary {
    const end = this.stoppedAt ?? performance.now();
    return summarize(this.opts.mode, this.results, this.skipped, end - this.started);
  }

  /** Failures so far (with their time since the start). */
  failures(): LoadResult[] {
    return this.results.filter((r) => !r.ok);
  }

  /** Marks a point: results after it can be selected with since(). */
  now(): number {
    return performance.now() - this.started;
  }

  since(at: number): LoadResult[] {
    return this.results.filter((r) => r.at >= at);
  }

  async stop(): Promise<LoadSummary> {
    if (!this.stopped) {
      this.stopped = true;
      this.stoppedAt = performance.now();
      clearInterval(this.timer);
      clearTimeout(this.hardStop);
    }
    if (this.inFlight > 0) {
      await new Promise<void>((r) => {
        this.settled = r;
      });
    }
    this.agent?.destroy();
    return this.summary();
  }

  private tick(): void {
    if (this.stopped) {
      return;
    }
    const due = Math.floor(((performance.now() - this.started) / 1000) * this.opts.rate);
    while (this.sent < due) {
      this.sent++;
      if (this.inFlight >= (this.opts.maxInFlight ?? 256)) {
        this.skipped++;
        continue;
      }
      this.request();
    }
  }

  private request(): void {
    const at = performance.now() - this.started;
    const t0 = performance.now();
    this.inFlight++;
    let done = false;
    const finish = (r: Omit<LoadResult, 'at' | 'ms'>) => {
      if (done) {
        return;
      }
      done = true;
      this.results.push({ at, ms: performance.now() - t0, ...r });
      this.inFlight--;
      if (this.inFlight === 0 && this.stopped) {
        this.settled?.();
      }
    };
    const req = http.request(
      {
        host: this.opts.host,
        port: this.opts.port,
        path: this.opts.path ?? '/',
        method: 'GET',
        agent: this.agent ?? false,
        timeout: this.opts.timeoutMs ?? 3_000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
        });
        res.on('end', () => {
          const version = VERSION.exec(body)?.[1];
          const ok = res.statusCode === 200 && version !== undefined;
          finish({
            ok,
            status: res.statusCode,
            version,
            reusedSocket: req.reusedSocket,
            ...(ok ? {} : { error: `HTTP ${res.statusCode}${version ? '' : ' unexpected body'}` }),
          });
        });
        res.on('error', (e) =>
          finish({
            ok: false,
            error: (e as NodeJS.ErrnoException).code ?? e.message,
            reusedSocket: req.reusedSocket,
          }),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) =>
      finish({
        ok: false,
        error: (e as NodeJS.ErrnoException).code ?? e.message,
        reusedSocket: req.reusedSocket,
      }),
    );
    req.end();
  }
}

export function startLoad(opts: LoadOptions): HttpLoad {
  return new HttpLoad(opts);
}
