// The HTTP phases of the API benchmark, each against a running gantry server through the
// production HttpClient (HTTPS, bearer token, keep-alive): create, get, list (full and paged),
// watch delivery of a burst, and write→watch-event latency.
import type { WatchEvent } from '../../src/api/types.js';
import type { HttpClient } from '../../src/client/http.js';
import { benchConfigMap, configMapName } from './configmap-payload.js';
import { CONFIGMAPS } from './create-paths.js';
import { type Distribution, distribution, nowMs, type PoolResult, runPool, sleep } from './stats.js';
import type { TimedGetter } from './timed-get.js';

export async function apiCreate(
  client: HttpClient,
  ns: string,
  count: number,
  concurrency: number,
): Promise<PoolResult> {
  return runPool(count, concurrency, (i) => client.create(CONFIGMAPS, benchConfigMap(ns, i)));
}

export async function apiGet(
  client: HttpClient,
  ns: string,
  count: number,
  concurrency: number,
): Promise<PoolResult> {
  return runPool(count, concurrency, async (i) => {
    const o = await client.get(CONFIGMAPS, ns, configMapName(i));
    if (o.metadata.name !== configMapName(i)) {
      throw new Error(`GET ${configMapName(i)} returned ${o.metadata.name}`);
    }
  });
}

export interface ListResult {
  readonly repeats: number;
  readonly items: number;
  readonly bytes: number;
  /** Whole list as a client sees it: request → parsed objects. */
  readonly totalMs: Distribution;
  /** Request → first response byte (the server's work before it starts sending). */
  readonly ttfbMs: Distribution;
  /** JSON.parse of the body in the client. */
  readonly parseMs: Distribution;
  readonly objectsPerSec: number;
}

const configMapsPath = (ns: string) => `/api/v1/namespaces/${encodeURIComponent(ns)}/configmaps`;

export async function apiFullList(
  getter: TimedGetter,
  ns: string,
  expected: number,
  repeats: number,
): Promise<ListResult> {
  const total: number[] = [];
  const ttfb: number[] = [];
  const parse: number[] = [];
  let bytes = 0;
  for (let r = 0; r < repeats; r++) {
    const res = await getter.get(configMapsPath(ns));
    if (res.status !== 200) {
      throw new Error(`list ${ns}: HTTP ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`);
    }
    const t0 = nowMs();
    const list = JSON.parse(res.body.toString('utf8')) as { items: unknown[] };
    const p = nowMs() - t0;
    if (list.items.length !== expected) {
      throw new Error(`list ${ns}: ${list.items.length} items, expected ${expected}`);
    }
    total.push(res.totalMs + p);
    ttfb.push(res.ttfbMs);
    parse.push(p);
    bytes = res.body.length;
  }
  const d = distribution(total);
  return {
    repeats,
    items: expected,
    bytes,
    totalMs: d,
    ttfbMs: distribution(ttfb),
    parseMs: distribution(parse),
    objectsPerSec: (expected / d.mean) * 1000,
  };
}

export interface PagedListResult {
  readonly limit: number;
  readonly pages: number;
  readonly items: number;
  readonly totalMs: number;
  readonly objectsPerSec: number;
  /** Per page, request → parsed. */
  readonly pageMs: Distribution;
}

export async function apiPagedList(
  getter: TimedGetter,
  ns: string,
  expected: number,
  limit: number,
): Promise<PagedListResult> {
  const pageMs: number[] = [];
  let items = 0;
  let token: string | undefined;
  const t0 = nowMs();
  do {
    const q = new URLSearchParams({ limit: String(limit) });
    if (token) {
      q.set('continue', token);
    }
    const tp = nowMs();
    const res = await getter.get(`${configMapsPath(ns)}?${q.toString()}`);
    if (res.status !== 200) {
      throw new Error(`paged list ${ns}: HTTP ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`);
    }
    const page = JSON.parse(res.body.toString('utf8')) as {
      items: unknown[];
      metadata: { continue?: string };
    };
    pageMs.push(nowMs() - tp);
    items += page.items.length;
    token = page.metadata.continue || undefined;
  } while (token !== undefined);
  const totalMs = nowMs() - t0;
  if (items !== expected) {
    throw new Error(`paged list ${ns}: ${items} items, expected ${expected}`);
  }
  return {
    limit,
    pages: pageMs.length,
    items,
    totalMs,
    objectsPerSec: (items / totalMs) * 1000,
    pageMs: distribution(pageMs),
  };
}

export interface WatchDeliveryResult {
  readonly events: number;
  readonly createsPerSec: number;
  /** First create sent → last ADDED event received. */
  readonly firstCreateToLastEventMs: number;
  readonly eventsPerSec: number;
  /** Last create acknowledged → last event received. */
  readonly lagAfterLastAckMs: number;
}

/** Resolves once `until()` holds, checking every few ms; rejects after timeoutMs. */
async function waitFor(until: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const t0 = nowMs();
  while (!until()) {
    if (nowMs() - t0 > timeoutMs) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await sleep(2);
  }
}

export async function apiWatchDelivery(
  client: HttpClient,
  watchClient: HttpClient,
  ns: string,
  count: number,
  concurrency: number,
): Promise<WatchDeliveryResult> {
  let events = 0;
  let lastEventAt = 0;
  const watch = await watchClient.watch(CONFIGMAPS, { namespace: ns }, (e: WatchEvent) => {
    if (e.type === 'ADDED') {
      events++;
      lastEventAt = nowMs();
    }
  });
  try {
    await sleep(100); // the watch is registered in the server before the burst starts
    const t0 = nowMs();
    const created = await apiCreate(client, ns, count, concurrency);
    const lastAck = nowMs();
    await waitFor(() => events >= count, 60_000, `${count} watch events (got ${events})`);
    const span = lastEventAt - t0;
    return {
      events,
      createsPerSec: created.opsPerSec,
      firstCreateToLastEventMs: span,
      eventsPerSec: (events / span) * 1000,
      lagAfterLastAckMs: lastEventAt - lastAck,
    };
  } finally {
    watch.stop();
  }
}

export interface LatencyResult {
  readonly updates: number;
  readonly intervalMs: number;
  /** Send → watch event received by the client (ms). */
  readonly event: Distribution;
  /** Send → PATCH response received (ms). */
  readonly ack: Distribution;
}

export const SENT_ANNOTATION = 'bench.gantry.dev/sent-at-ms';

/**
 * Sequential merge patches of one ConfigMap, one started every intervalMs (or right after the
 * previous one when it took longer), each carrying its send time (process.hrtime ms) in an
 * annotation; a watcher on its own connection records receive − send.
 */
export async function apiWatchLatency(
  client: HttpClient,
  watchClient: HttpClient,
  ns: string,
  updates: number,
  intervalMs: number,
): Promise<LatencyResult> {
  const name = 'latency-probe';
  const probe = benchConfigMap(ns, 0);
  probe.metadata.name = name;
  await client.create(CONFIGMAPS, probe);
  const seen = new Map<string, number>();
  const watch = await watchClient.watch(
    CONFIGMAPS,
    { namespace: ns, fieldSelector: `metadata.name=${name}` },
    (e: WatchEvent) => {
      const sent = e.type === 'MODIFIED' ? e.object.metadata.annotations?.[SENT_ANNOTATION] : undefined;
      if (sent !== undefined && !seen.has(sent)) {
        seen.set(sent, nowMs() - Number(sent));
      }
    },
  );
  try {
    await sleep(100);
    const ack: number[] = [];
    const t0 = nowMs();
    for (let i = 0; i < updates; i++) {
      const wait = t0 + i * intervalMs - nowMs();
      if (wait > 0.5) {
        await sleep(wait);
      }
      const sent = nowMs().toFixed(3);
      await client.patch(CONFIGMAPS, ns, name, 'merge', {
        metadata: { annotations: { [SENT_ANNOTATION]: sent } },
      });
      ack.push(nowMs() - Number(sent));
    }
    await waitFor(() => seen.size >= updates, 10_000, `${updates} MODIFIED events (got ${seen.size})`);
    return { updates, intervalMs, event: distribution([...seen.values()]), ack: distribution(ack) };
  } finally {
    watch.stop();
  }
}
