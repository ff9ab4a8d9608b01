// /metrics on a real control plane (HTTPS, tokens, controllers): bearer token required, Prometheus
// text with prom-client's content type, kube-apiserver's request metrics labelled as Kubernetes
// labels them, client-go's workqueue metrics and the reconcile counter moving when a controller works.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../src/client/http.js';
import { R } from '../../src/client/resources.js';
import { type ControlPlane, startControlPlane } from '../../src/cluster/control-plane.js';
import { registry } from '../../src/observe/metrics.js';
import { httpsGet, samples, total } from './prom.js';

let dir: string;
let cp: ControlPlane;
let http: HttpClient;

async function scrape(): Promise<string> {
  const r = await httpsGet(`${cp.url}/metrics`, { ca: cp.caPem, token: cp.adminToken });
  expect(r.status).toBe(200);
  return r.body;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn();
    if (v !== undefined) {
      return v;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gantry-metrics-'));
  cp = await startControlPlane({ dataDir: dir, port: 0, store: 'memory' });
  http = new HttpClient({ server: cp.url, token: cp.adminToken, caPem: cp.caPem });
}, 30_000);

afterAll(async () => {
  await cp?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('/metrics on the API server', () => {
  it('answers 401 without a token and with a wrong one, like every other API path', async () => {
    const none = await httpsGet(`${cp.url}/metrics`, { ca: cp.caPem });
    expect(none.status).toBe(401);
    expect(none.body).not.toContain('apiserver_request_total');
    const wrong = await httpsGet(`${cp.url}/metrics`, { ca: cp.caPem, token: 'not-a-token' });
    expect(wrong.status).toBe(401);
  });

  it('serves Prometheus text with default process metrics', async () => {
    const r = await httpsGet(`${cp.url}/metrics`, { ca: cp.caPem, token: cp.adminToken });
    expect(r.status).toBe(200);
    expect(r.contentType).toBe(registry.contentType);
    expect(r.body).toContain('# TYPE apiserver_request_total counter');
    expect(r.body).toContain('# TYPE apiserver_request_duration_seconds histogram');
    expect(total(r.body, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(samples(r.body, 'nodejs_eventloop_lag_seconds')).toHaveLength(1);
  });

  it('counts requests by Kubernetes verb, resource, subresource and code', async () => {
    const before = await scrape();
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'm1', namespace: 'default' },
      spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] },
    };
    await http.create(R.pods, pod);
    await http.get(R.pods, 'default', 'm1');
    await http.list(R.pods, { namespace: 'default' });
    await http.list(R.pods, { namespace: 'default' });
    await expect(http.get(R.pods, 'default', 'missing')).rejects.toThrow();
    await http.patch(
      R.pods,
      'default',
      'm1',
      'merge',
      { status: { phase: 'Pending' } },
      { subresource: 'status' },
    );
    const w = await http.watch(R.configmaps, { namespace: 'default' }, () => {});
    w.stop();
    await http.delete(R.pods, 'default', 'm1', { gracePeriodSeconds: 0 });

    const after = await until('watch to be counted', async () => {
      const t = await scrape();
      return total(t, 'apiserver_request_total', { verb: 'WATCH', resource: 'configmaps' }) >
        total(before, 'apiserver_request_total', { verb: 'WATCH', resource: 'configmaps' })
        ? t
        : undefined;
    });
    const delta = (labels: Record<string, string>) =>
      total(after, 'apiserver_request_total', labels) - total(before, 'apiserver_request_total', labels);
    expect(delta({ verb: 'POST', resource: 'pods', subresource: '', code: '201' })).toBe(1);
    expect(delta({ verb: 'GET', resource: 'pods', subresource: '', code: '200', scope: 'resource' })).toBe(1);
    expect(delta({ verb: 'GET', resource: 'pods', code: '404' })).toBe(1);
    expect(delta({ verb: 'LIST', resource: 'pods', code: '200', scope: 'namespace' })).toBe(2);
    expect(delta({ verb: 'PATCH', resource: 'pods', subresource: 'status', code: '200' })).toBe(1);
    expect(delta({ verb: 'DELETE', resource: 'pods', code: '200' })).toBe(1);
    // the duration histogram has the same series (no code label)
    const count = (t: string) =>
      total(t, 'apiserver_request_duration_seconds_count', { verb: 'LIST', resource: 'pods', group: '' });
    expect(count(after) - count(before)).toBe(2);
    expect(samples(after, 'apiserver_current_inflight_requests', { request_kind: 'mutating' })).toHaveLength(
      1,
    );
    // the scrape itself is in flight while it is served; watches never are
    expect(
      total(after, 'apiserver_current_inflight_requests', { request_kind: 'readOnly' }),
    ).toBeGreaterThanOrEqual(1);
    // the /metrics request is a non-resource GET
    expect(
      total(after, 'apiserver_request_total', { verb: 'GET', resource: '', code: '200' }),
    ).toBeGreaterThan(0);
  });

  it('reports the workqueue and reconcile metrics of a controller that worked', async () => {
    const before = await scrape();
    await http.create(R.replicasets, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'rs1', namespace: 'default' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'rs1' } },
        template: {
          metadata: { labels: { app: 'rs1' } },
          spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] },
        },
      },
    });
    await until('two pods', async () => {
      const pods = await http.list(R.pods, { namespace: 'default', labelSelector: 'app=rs1' });
      return pods.items.length === 2 ? true : undefined;
    });
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) =>
      total(after, name, labels) - total(before, name, labels);
    expect(delta('workqueue_adds_total', { name: 'replicaset' })).toBeGreaterThanOrEqual(1);
    expect(delta('workqueue_queue_duration_seconds_count', { name: 'replicaset' })).toBeGreaterThanOrEqual(1);
    expect(delta('workqueue_work_duration_seconds_count', { name: 'replicaset' })).toBeGreaterThanOrEqual(1);
    expect(delta('gantry_controller_reconcile_total', { controller: 'replicaset' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(samples(after, 'workqueue_depth', { name: 'replicaset' })).toHaveLength(1);
    expect(samples(after, 'workqueue_retries_total', { name: 'replicaset' })).toHaveLength(1);
    // every controller of the manager names its queue
    for (const name of ['endpoints', 'namespace', 'garbage-collector', 'scheduler']) {
      expect(samples(after, 'workqueue_depth', { name }), name).toHaveLength(1);
    }
  });
});
