// Real etcd processes (Debian's etcd-server) on loopback for tests: one member or a 3-member
// cluster, each on free ports with its own temporary data dir. Wait for health before handing
// out the client endpoints; stop() kills every member and removes the data.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './registry.js';

export interface TestEtcd {
  /** Client URLs, one per member: `http://127.0.0.1:PORT`. */
  readonly endpoints: string[];
  /** Kills member i (SIGKILL: no graceful leave), resolving once the process is gone. */
  kill(i: number): Promise<void>;
  /** Starts a killed member i again on its data dir and ports; resolves once it is healthy. */
  restart(i: number): Promise<void>;
  /** Index of the member that leads the raft group now (asks each live member's /v3 status). */
  leader(): Promise<number>;
  /** Kills every member still running and removes the data dirs. */
  stop(): Promise<void>;
}

interface Member {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly dataDir: string;
  proc?: ChildProcess;
  log: string;
}

function exited(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) {
    return Promise.resolve();
  }
  return new Promise((resolve) => p.once('exit', () => resolve()));
}

/** Polls the member's /health endpoint (HTTP gateway on the client port) until it reports healthy. */
async function waitHealthy(m: Member, deadline: number): Promise<void> {
  for (;;) {
    if (m.proc && (m.proc.exitCode !== null || m.proc.signalCode !== null)) {
      throw new Error(`etcd member ${m.name} exited early:\n${m.log.slice(-2000)}`);
    }
    try {
      const res = await fetch(`${m.clientUrl}/health`, { signal: AbortSignal.timeout(1000) });
      const body = (await res.json()) as { health?: string };
      if (res.ok && body.health === 'true') {
        return;
      }
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      throw new Error(`etcd member ${m.name} not healthy in time:\n${m.log.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts a single etcd or a 3-member cluster on 127.0.0.1 and waits until every member is healthy. */
export async function startEtcd(opts: { members?: 1 | 3 } = {}): Promise<TestEtcd> {
  const n = opts.members ?? 1;
  const root = mkdtempSync(join(tmpdir(), 'gantry-etcd-'));
  const members: Member[] = [];
  for (let i = 0; i < n; i++) {
    members.push({
      name: `m${i}`,
      clientUrl: `http://127.0.0.1:${await freePort()}`,
      peerUrl: `http://127.0.0.1:${await freePort()}`,
      dataDir: join(root, `m${i}`),
      log: '',
    });
  }
  const initialCluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
  const token = `gantry-test-${process.pid}-${Date.now()}`;
  // a member restarted on its data dir rejoins with what it stored; the initial-cluster flags are ignored then
  const spawnMember = (m: Member) => {
    const proc = spawn(
      'etcd',
      [
        '--name',
        m.name,
        '--data-dir',
        m.dataDir,
        '--listen-client-urls',
        m.clientUrl,
        '--advertise-client-urls',
        m.clientUrl,
        '--listen-peer-urls',
        m.peerUrl,
        '--initial-advertise-peer-urls',
        m.peerUrl,
        '--initial-cluster',
        initialCluster,
        '--initial-cluster-state',
        'new',
        '--initial-cluster-token',
        token,
        // tests: fast elections, no fsync-heavy snapshots, quiet logs
        '--heartbeat-interval',
        '50',
        '--election-timeout',
        '500',
        '--snapshot-count',
        '100000',
        '--logger',
        'zap',
        '--log-level',
        'error',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const append = (b: Buffer) => {
      m.log = (m.log + b.toString()).slice(-20_000);
    };
    proc.stdout?.on('data', append);
    proc.stderr?.on('data', append);
    m.proc = proc;
  };
  for (const m of members) {
    spawnMember(m);
  }
  const stop = async () => {
    for (const m of members) {
      if (m.proc) {
        m.proc.kill('SIGKILL');
        await exited(m.proc);
      }
    }
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 30_000;
    await Promise.all(members.map((m) => waitHealthy(m, deadline)));
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    endpoints: members.map((m) => m.clientUrl),
    async kill(i: number) {
      const m = members[i];
      if (m?.proc === undefined) {
        throw new Error(`no etcd member ${i}`);
      }
      m.proc.kill('SIGKILL');
      await exited(m.proc);
    },
    async restart(i: number) {
      const m = members[i];
      if (m === undefined) {
        throw new Error(`no etcd member ${i}`);
      }
      if (m.proc && m.proc.exitCode === null && m.proc.signalCode === null) {
        throw new Error(`etcd member ${i} is still running`);
      }
      spawnMember(m);
      await waitHealthy(m, Date.now() + 30_000);
    },
    async leader() {
      for (const [i, m] of members.entries()) {
        if (!m.proc || m.proc.exitCode !== null || m.proc.signalCode !== null) {
          continue;
        }
        try {
          // the gRPC gateway: Maintenance.Status names the member and the leader it follows
          const res = await fetch(`${m.clientUrl}/v3/maintenance/status`, {
            method: 'POST',
            body: '{}',
            signal: AbortSignal.timeout(1000),
          });
          const st = (await res.json()) as { leader?: string; header?: { member_id?: string } };
          if (st.leader !== undefined && st.leader !== '0' && st.leader === st.header?.member_id) {
            return i;
          }
        } catch {
          // member unreachable: not the leader
        }
      }
      throw new Error('no etcd member leads now');
    },
    stop,
  };
}
