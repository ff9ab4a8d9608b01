// Small measuring helpers for the benchmarks: a monotonic clock, percentiles, and a runner that
// keeps a fixed number of async operations in flight. Pure apart from reading the clock.

/** Milliseconds on a monotonic clock (process.hrtime), as a float. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export interface Distribution {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** Nearest-rank percentile of an ascending-sorted array (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    mean: sorted.length === 0 ? Number.NaN : sum / sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length === 0 ? Number.NaN : sorted[sorted.length - 1]!,
  };
}

export interface PoolResult {
  readonly ops: number;
  readonly elapsedMs: number;
  readonly opsPerSec: number;
  /** Per-operation latency (ms), from start to settle. */
  readonly latency: Distribution;
  /** The latencies themselves, in operation order. */
  readonly samples: readonly number[];
}

/**
 * Runs op(0) … op(count-1) keeping `concurrency` of them in flight; the first failure aborts
 * the run (no new operations start) and is rethrown with the index that failed.
 */
export async function runPool(
  count: number,
  concurrency: number,
  op: (i: number) => Promise<unknown>,
): Promise<PoolResult> {
  const latencies = new Array<number>(count);
  let next = 0;
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && next < count) {
      const i = next++;
      const t = nowMs();
      try {
        await op(i);
      } catch (e) {
        failed ??= new Error(`operation ${i} failed`, { cause: e });
        return;
      }
      latencies[i] = nowMs() - t;
    }
  };
  const t0 = nowMs();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const elapsedMs = nowMs() - t0;
  if (failed !== undefined) {
    throw failed;
  }
  return {
    ops: count,
    elapsedMs,
    opsPerSec: (count / elapsedMs) * 1000,
    latency: distribution(latencies),
    samples: latencies,
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}
