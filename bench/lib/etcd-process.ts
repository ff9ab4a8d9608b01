// A real single-member etcd (Debian's etcd-server) on loopback for a benchmark: free ports, its
// own temporary data dir, waits for /health before handing out the client URL; stop() kills it
// and removes the data. Unlike the test helper it keeps etcd's default (durable) settings apart
// from quiet logs, so the figures are those of a production-like etcd on this disk.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface EtcdProcess {
  /** The client URL, `http://127.0.0.1:PORT`. */
  readonly endpoint: string;
  readonly pid: number;
  /** SIGKILL, then removes the data dir. Safe to call twice. */
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

function exited(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => p.once('exit', () => resolve()));
}

export async function startEtcd(timeoutMs = 30_000): Promise<EtcdProcess> {
  const root = mkdtempSync(join(tmpdir(), 'gantry-bench-etcd-'));
  const clientUrl = `http://127.0.0.1:${await freePort()}`;
  const peerUrl = `http://127.0.0.1:${await freePort()}`;
  let log = '';
  const proc = spawn(
    'etcd',
    [
      '--name',
      'bench',
      '--data-dir',
      join(root, 'data'),
      '--listen-client-urls',
      clientUrl,
      '--advertise-client-urls',
      clientUrl,
      '--listen-peer-urls',
      peerUrl,
      '--initial-advertise-peer-urls',
      peerUrl,
      '--initial-cluster',
      `bench=${peerUrl}`,
      '--initial-cluster-state',
      'new',
      '--logger',
      'zap',
      '--log-level',
      'error',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const append = (b: Buffer) => {
    log = (log + b.toString()).slice(-20_000);
  };
  proc.stdout?.on('data', append);
  proc.stderr?.on('data', append);
  let stopped = false;
  const stop = async () => {
    if (!stopped) {
      stopped = true;
      proc.kill('SIGKILL');
      await exited(proc);
      rmSync(root, { recursive: true, force: true });
    }
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      await stop();
      throw new Error(`etcd exited early:\n${log.slice(-2000)}`);
    }
    try {
      const res = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(1000) });
      const body = (await res.json()) as { health?: string };
      if (res.ok && body.health === 'true') {
        break;
      }
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`etcd not healthy within ${timeoutMs} ms:\n${log.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { endpoint: clientUrl, pid: proc.pid ?? 0, stop };
}
