// The process's one Prometheus registry. Everything Gantry measures registers here, the API
// server's and the agent's /metrics both serve it (in `gantry up` they share the process, so
// both show everything), and the default process metrics (CPU, memory, event loop lag, GC) are
// collected once per process — started by the servers that expose them, not by every process
// that merely loads a module measuring something (a short CLI command).
import { collectDefaultMetrics, Registry } from 'prom-client';

export const registry = new Registry();

let defaultsCollected = false;

/** Starts collecting the default process/Node.js metrics (once per process; later calls do nothing). */
export function collectProcessMetrics(): void {
  if (defaultsCollected) {
    return;
  }
  defaultsCollected = true;
  collectDefaultMetrics({ register: registry });
}

/** The Prometheus text exposition of every metric of this process. */
export async function metricsText(): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/**
 * Things measured at scrape time (live informer caches: Applications, Rollouts; a kubelet's
 * containers). A source registers while its owner runs and removes itself when it stops, so a
 * stopped controller or a deleted object leaves no stale series.
 */
export class LiveSources<T> {
  private readonly sources = new Set<T>();

  add(source: T): () => void {
    this.sources.add(source);
    return () => {
      this.sources.delete(source);
    };
  }

  all(): T[] {
    return [...this.sources];
  }
}

/** Seconds since a `process.hrtime.bigint()` reading. */
export function secondsSince(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e9;
}
