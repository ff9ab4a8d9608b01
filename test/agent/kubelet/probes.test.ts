import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  applyResult,
  initialCounter,
  ProbeManager,
  probeTiming,
  resolvePort,
  runHandler,
} from '../../../src/agent/kubelet/probes.js';
import { waitFor } from '../../cluster/controllers/core-harness.js';

const noExec = { exec: async () => ({ exitCode: 0, output: '', timedOut: false }) };

describe('probe thresholds', () => {
  it('uses Kubernetes defaults', () => {
    expect(probeTiming({})).toEqual({
      initialDelayMs: 0,
      periodMs: 10_000,
      timeoutMs: 1000,
      successThreshold: 1,
      failureThreshold: 3,
    });
    expect(probeTiming({ periodSeconds: 2, failureThreshold: 1, initialDelaySeconds: 5 })).toMatchObject({
      periodMs: 2000,
      failureThreshold: 1,
      initialDelayMs: 5000,
    });
  });

  it('flips only after threshold consecutive results', () => {
    const t = probeTiming({ successThreshold: 2, failureThreshold: 3 });
    let c = initialCounter('readiness');
    expect(c.ok).toBe(false);
    c = applyResult(c, true, t);
    expect(c.ok).toBe(false);
    c = applyResult(c, true, t);
    expect(c.ok).toBe(true);
    c = applyResult(applyResult(c, false, t), false, t);
    expect(c.ok).toBe(true);
    c = applyResult(c, true, t);
    c = applyResult(applyResult(applyResult(c, false, t), false, t), false, t);
    expect(c.ok).toBe(false);
    expect(initialCounter('liveness').ok).toBe(true);
  });

  it('resolves named ports', () => {
    const c = { name: 'app', ports: [{ name: 'http', containerPort: 8080 }] };
    expect(resolvePort('http', c)).toBe(8080);
    expect(resolvePort(81, c)).toBe(81);
    expect(resolvePort('9090', c)).toBe(9090);
    expect(resolvePort('nope', c)).toBeUndefined();
  });
});

describe('probe handlers', () => {
  const servers: { close(): void }[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) {
      s.close();
    }
  });

  it('httpGet: 200–399 succeeds, sends path and headers to the pod IP, times out', async () => {
    const seen: { url?: string; header?: string }[] = [];
    const srv = http.createServer((req, res) => {
      seen.push({ url: req.url, header: req.headers['x-probe'] as string });
      if (req.url === '/slow') {
        return; // never answers
      }
      res.statusCode = req.url === '/healthz' ? 204 : req.url === '/moved' ? 302 : 500;
      res.end();
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    servers.push({ close: () => srv.close() });
    srv.unref();
    const port = (srv.address() as AddressInfo).port;
    const target = {
      containerId: 'c',
      container: { name: 'app', ports: [{ name: 'web', containerPort: port }] },
      podIP: '127.0.0.1',
    };
    const probe = (path: string) => ({
      httpGet: { path, port: 'web', httpHeaders: [{ name: 'X-Probe', value: 'yes' }] },
    });
    expect((await runHandler(probe('/healthz'), target, 1000, noExec)).success).toBe(true);
    expect((await runHandler(probe('/moved'), target, 1000, noExec)).success).toBe(true);
    expect(await runHandler(probe('/broken'), target, 1000, noExec)).toEqual({
      success: false,
      message: 'HTTP probe returned 500',
    });
    expect((await runHandler(probe('/slow'), target, 200, noExec)).success).toBe(false);
    expect(seen[0]).toEqual({ url: '/healthz', header: 'yes' });
  });

  it('tcpSocket: succeeds when the port accepts, fails when refused', async () => {
    const srv = createServer((s) => s.end());
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    servers.push({ close: () => srv.close() });
    const port = (srv.address() as AddressInfo).port;
    const target = { containerId: 'c', container: { name: 'app' }, podIP: '127.0.0.1' };
    expect((await runHandler({ tcpSocket: { port } }, target, 1000, noExec)).success).toBe(true);
    srv.close();
    await new Promise((r) => setTimeout(r, 20));
    expect((await runHandler({ tcpSocket: { port } }, target, 1000, noExec)).success).toBe(false);
  });

  it('exec: exit code 0 succeeds; a timeout fails', async () => {
    const target = { containerId: 'c', container: { name: 'app' } };
    const rt = (exitCode: number, timedOut = false) => ({
      exec: async () => ({ exitCode, output: 'x', timedOut }),
    });
    expect((await runHandler({ exec: { command: ['true'] } }, target, 1000, rt(0))).success).toBe(true);
    expect((await runHandler({ exec: { command: ['false'] } }, target, 1000, rt(1))).success).toBe(false);
    expect((await runHandler({ exec: { command: ['sleep'] } }, target, 1000, rt(0, true))).success).toBe(
      false,
    );
  });
});

describe('ProbeManager', () => {
  it('runs startup first, then liveness and readiness; reports changes', async () => {
    const calls: string[] = [];
    let startupOk = false;
    const changes: string[] = [];
    const m = new ProbeManager({
      runtime: noExec,
      onChange: (uid) => changes.push(uid),
      run: async (probe) => {
        const kind = probe.exec.command[0];
        calls.push(kind);
        return { success: kind === 'startup' ? startupOk : kind === 'ready', message: '' };
      },
    });
    const spec = {
      name: 'app',
      startupProbe: { exec: { command: ['startup'] }, periodSeconds: 1, failureThreshold: 30 },
      readinessProbe: { exec: { command: ['ready'] }, periodSeconds: 1 },
      livenessProbe: { exec: { command: ['alive'] }, periodSeconds: 1, failureThreshold: 1 },
    };
    m.sync('pod-1', '127.0.0.1', [{ id: 'c1', spec, startedAt: new Date() }]);
    expect(m.status('c1')).toEqual({
      started: false,
      ready: false,
      livenessFailed: false,
      startupFailed: false,
    });
    await waitFor('startup probed', () => calls.includes('startup'));
    expect(calls).not.toContain('ready');
    startupOk = true;
    await waitFor('started and ready', () => m.status('c1')?.started && m.status('c1')?.ready, 4000);
    await waitFor('liveness failed', () => m.status('c1')?.livenessFailed, 4000);
    expect(changes.every((u) => u === 'pod-1')).toBe(true);
    expect(changes.length).toBeGreaterThanOrEqual(2);
    m.sync('pod-1', '127.0.0.1', []);
    expect(m.status('c1')).toBeUndefined();
    m.stop();
  });

  it('keeps an adopted container ready (no blip after an agent restart)', () => {
    const m = new ProbeManager({
      runtime: noExec,
      onChange: () => {},
      run: async () => ({ success: true, message: '' }),
    });
    m.sync('p', '127.0.0.1', [
      {
        id: 'c1',
        spec: { name: 'a', readinessProbe: { exec: { command: ['x'] }, initialDelaySeconds: 60 } },
        reported: { ready: true, started: true },
      },
    ]);
    expect(m.status('c1')?.ready).toBe(true);
    m.stop();
  });
});
