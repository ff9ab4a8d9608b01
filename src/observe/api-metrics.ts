// API server request metrics under kube-apiserver's names, so existing dashboards work:
// apiserver_request_total, apiserver_request_duration_seconds, apiserver_current_inflight_requests.
import { Counter, Gauge, Histogram } from 'prom-client';
import { registry } from './metrics.js';

/** Kubernetes' verb label: LIST / WATCH for collections, APPLY for server-side apply, else the method. */
export type ApiVerb =
  | 'GET'
  | 'LIST'
  | 'WATCH'
  | 'POST'
  | 'PUT'
  | 'PATCH'
  | 'APPLY'
  | 'DELETE'
  | 'HEAD'
  | 'OPTIONS';

export interface RequestLabels {
  readonly verb: string;
  readonly group: string;
  readonly version: string;
  readonly resource: string;
  readonly subresource: string;
  /** resource | namespace | cluster, or '' for non-resource paths (discovery, /metrics). */
  readonly scope: string;
}

const requestTotal = new Counter({
  name: 'apiserver_request_total',
  help: 'Counter of apiserver requests broken out for each verb, group, version, resource, subresource, scope and HTTP response code.',
  labelNames: ['verb', 'group', 'version', 'resource', 'subresource', 'scope', 'code'] as const,
  registers: [registry],
});

const requestDuration = new Histogram({
  name: 'apiserver_request_duration_seconds',
  help: 'Response latency distribution in seconds for each verb, group, version, resource, subresource and scope.',
  labelNames: ['verb', 'group', 'version', 'resource', 'subresource', 'scope'] as const,
  buckets: [
    0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60,
  ],
  registers: [registry],
});

const inflight = new Gauge({
  name: 'apiserver_current_inflight_requests',
  help: 'Number of requests being served right now, by kind (readOnly or mutating); long-running requests (watches, followed logs) are not counted.',
  labelNames: ['request_kind'] as const,
  registers: [registry],
});
inflight.set({ request_kind: 'readOnly' }, 0);
inflight.set({ request_kind: 'mutating' }, 0);

const READ_ONLY = new Set(['GET', 'LIST', 'WATCH', 'HEAD', 'OPTIONS']);

/**
 * Tracks one request: counts it in flight (unless long-running) and returns the function that
 * records its code and duration when it is over.
 */
export function trackRequest(
  labels: RequestLabels,
  longRunning: boolean,
): (code: number, seconds: number) => void {
  const kind = READ_ONLY.has(labels.verb) ? 'readOnly' : 'mutating';
  if (!longRunning) {
    inflight.inc({ request_kind: kind });
  }
  let done = false;
  return (code, seconds) => {
    if (done) {
      return;
    }
    done = true;
    if (!longRunning) {
      inflight.dec({ request_kind: kind });
    }
    requestTotal.inc({ ...labels, code: String(code) });
    requestDuration.observe({ ...labels }, seconds);
  };
}
