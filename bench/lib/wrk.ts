// The HTTP load generator of the agent bench: wrk (Debian's package), installed on demand with
// apt-get when missing. One run = fixed duration, threads and connections against one URL; the
// figures are parsed from wrk's text output (requests, duration, latency percentiles, errors).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface WrkOptions {
  readonly threads: number;
  readonly connections: number;
  readonly durationS: number;
}

export interface WrkResult {
  readonly url: string;
  readonly requests: number;
  readonly seconds: number;
  readonly requestsPerSec: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  /** connect + read + write + timeout errors and non-2xx/3xx responses. */
  readonly errors: number;
}

async function hasWrk(): Promise<boolean> {
  try {
    await exec('wrk', ['--version']).catch((e: { stdout?: string }) => {
      // wrk --version prints its banner and exits 1
      if (!/^wrk /.test(e.stdout ?? '')) {
        throw e;
      }
    });
    return true;
  } catch {
    return false;
  }
}

/** Makes sure `wrk` is on PATH, installing Debian's package when it is not (root, apt). */
export async function ensureWrk(log: (s: string) => void): Promise<void> {
  if (await hasWrk()) {
    return;
  }
  log('wrk is not installed: installing it with `apt-get install -y wrk` (Debian package) for this bench');
  try {
    await exec('apt-get', ['install', '-y', '--no-install-recommends', 'wrk'], { maxBuffer: 16 << 20 });
  } catch {
    await exec('apt-get', ['update'], { maxBuffer: 16 << 20 });
    await exec('apt-get', ['install', '-y', '--no-install-recommends', 'wrk'], { maxBuffer: 16 << 20 });
  }
  if (!(await hasWrk())) {
    throw new Error('wrk is still not runnable after apt-get install wrk');
  }
}

/** A wrk latency figure (`812.00us`, `1.23ms`, `2.01s`) in ms. */
export function parseWrkTime(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) {
    return Number.NaN;
  }
  const v = Number(m[1]);
  const scale: Record<string, number> = { us: 1e-3, ms: 1, s: 1e3, m: 60e3 };
  return v * (scale[m[2]!] ?? Number.NaN);
}

/** The figures of wrk's output (run with --latency). Pure. */
export function parseWrkOutput(url: string, out: string): WrkResult {
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m)/.exec(out);
  if (!total) {
    throw new Error(`unexpected wrk output:\n${out}`);
  }
  const requests = Number(total[1]);
  const seconds = parseWrkTime(`${total[2]}${total[3]}`) / 1000;
  const pct = (p: string) => {
    const m = new RegExp(`^\\s*${p}%\\s+(\\S+)`, 'm').exec(out);
    return m ? parseWrkTime(m[1]!) : Number.NaN;
  };
  let errors = 0;
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  if (sock) {
    errors += sock.slice(1).reduce((a, n) => a + Number(n), 0);
  }
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  if (non2xx) {
    errors += Number(non2xx[1]);
  }
  return {
    url,
    requests,
    seconds,
    requestsPerSec: requests / seconds,
    latencyP50Ms: pct('50'),
    latencyP99Ms: pct('99'),
    errors,
  };
}

export async function runWrk(url: string, opts: WrkOptions): Promise<WrkResult> {
  const { stdout } = await exec(
    'wrk',
    [
      `-t${opts.threads}`,
      `-c${opts.connections}`,
      `-d${opts.durationS}s`,
      '--timeout',
      '5s',
      '--latency',
      url,
    ],
    { timeout: (opts.durationS + 30) * 1000, maxBuffer: 1 << 20 },
  );
  return parseWrkOutput(url, stdout);
}
