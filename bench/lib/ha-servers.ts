// Several real `gantry server` processes (the built CLI) on one shared store, for the HA tests and
// the failover benchmark. Each server keeps a fixed port, so a killed one comes back on the same URL
// (a client holding every URL stays valid), and servers after the first start with a copy of the
// first one's pki/ (CA and a 127.0.0.1 serving cert) and tokens.json, so one kubeconfig reaches all.
// The leader is found through the Lease's holderIdentity (`<host>_<pid>_<random>`).
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HttpClient } from '../../src/client/http.js';
import { R } from '../../src/client/resources.js';
import type { Client } from '../../src/client/types.js';
import { readKubeconfig } from '../../src/cluster/auth/index.js';
import { LEADER_LEASE_NAME, LEADER_LEASE_NAMESPACE } from '../../src/cluster/leader.js';

/** The repository root: the nearest folder with a package.json (from bench/lib or dist/bench/lib). */
function repoRoot(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) {
      throw new Error(`no package.json above ${import.meta.dirname}`);
    }
    dir = up;
  }
  return dir;
}

/** The built CLI (`npx tsc -p tsconfig.json` writes it); $GANTRY_CLI overrides. */
export const HA_CLI = process.env.GANTRY_CLI ?? join(repoRoot(), 'dist/src/cli/main.js');

export interface HaServerOptions {
  readonly dir: string;
  readonly port: number;
  /** The `--store` value, e.g. `etcd:http://127.0.0.1:2379,http://127.0.0.1:2381`. */
  readonly store: string;
  readonly leaseMs: number;
  /** More `gantry server` flags (e.g. ['--poll-ms', '600000']). */
  readonly args?: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly startTimeoutMs?: number;
}

export interface HaServer {
  readonly opts: HaServerOptions;
  readonly port: number;
  readonly url: string;
  readonly child: ChildProcess;
  /** The last 20 kB of what the server printed (stdout + stderr). */
  output(): string;
  /** True once the process has exited (killed or crashed). */
  exited(): boolean;
}

/** Starts `gantry server` and resolves once it prints its API URL and kubeconfig path. */
export function spawnHaServer(opts: HaServerOptions): Promise<HaServer> {
  const child = spawn(
    process.execPath,
    [
      HA_CLI,
      'server',
      '--data-dir',
      opts.dir,
      '--port',
      String(opts.port),
      '--store',
      opts.store,
      '--leader-lease-ms',
      String(opts.leaseMs),
      ...(opts.args ?? []),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GANTRY_LOG_LEVEL: 'warn', ...opts.env },
    },
  );
  let out = '';
  let gone = false;
  const append = (d: Buffer) => {
    out = (out + d.toString()).slice(-20_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  child.once('exit', () => {
    gone = true;
  });
  const server: HaServer = {
    opts,
    port: opts.port,
    url: `https://127.0.0.1:${opts.port}`,
    child,
    output: () => out,
    exited: () => gone || child.exitCode !== null || child.signalCode !== null,
  };
  const limit = opts.startTimeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gantry server on port ${opts.port} did not start in ${limit} ms:\n${out}`));
    }, limit);
    child.stdout?.on('data', () => {
      if (/API server at \S+/.test(out) && /kubeconfig: /.test(out)) {
        clearTimeout(timer);
        resolve(server);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(`gantry server on port ${opts.port} exited (${code ?? signal}) before starting:\n${out}`),
      );
    });
  });
}

/** Restarts a server that was killed, with the same options (data dir, port, store). */
export function respawnHaServer(s: HaServer): Promise<HaServer> {
  return spawnHaServer(s.opts);
}

/** SIGKILL (no graceful step-down, the Lease stays until it expires); resolves once the process is gone. */
export function killHaServer(s: HaServer, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (s.exited()) {
    return Promise.resolve();
  }
  return new Promise((r) => {
    s.child.once('exit', () => r());
    s.child.kill(signal);
  });
}

/** Copies the first server's CA, serving certificate and tokens into another server's data dir. */
export function shareCredentials(fromDir: string, toDir: string): void {
  mkdirSync(toDir, { recursive: true });
  cpSync(join(fromDir, 'pki'), join(toDir, 'pki'), { recursive: true });
  cpSync(join(fromDir, 'tokens.json'), join(toDir, 'tokens.json'));
}

/**
 * Starts `count` servers on `ports` sharing one store and one set of credentials (directories
 * `<root>/s0`, `<root>/s1`, …). On failure the servers already started are killed.
 */
export async function startHaServers(
  root: string,
  ports: readonly number[],
  common: Omit<HaServerOptions, 'dir' | 'port'>,
): Promise<HaServer[]> {
  const servers: HaServer[] = [];
  try {
    for (const [i, port] of ports.entries()) {
      const dir = join(root, `s${i}`);
      if (i > 0) {
        shareCredentials(join(root, 's0'), dir);
      }
      servers.push(await spawnHaServer({ ...common, dir, port }));
    }
    return servers;
  } catch (e) {
    await Promise.all(servers.map((s) => killHaServer(s)));
    throw e;
  }
}

/** One HttpClient holding every server's URL (it fails over on a connection error). */
export async function haClient(servers: readonly HaServer[], timeoutMs = 5_000): Promise<HttpClient> {
  const first = servers[0];
  if (!first) {
    throw new Error('haClient: no servers');
  }
  const creds = await readKubeconfig(join(first.opts.dir, 'kubeconfig'));
  if (!creds.token || !creds.caPem) {
    throw new Error('the kubeconfig gantry wrote has no token or CA');
  }
  return new HttpClient({
    server: servers.map((s) => s.url),
    token: creds.token,
    caPem: creds.caPem,
    timeoutMs,
  });
}

/** The leader Lease's holderIdentity ('' when nobody holds it). */
export async function leaseHolder(client: Client): Promise<string> {
  const lease = await client.get(R.leases, LEADER_LEASE_NAMESPACE, LEADER_LEASE_NAME);
  return String(lease.spec?.holderIdentity ?? '');
}

/** The running server whose process holds `identity` (`<host>_<pid>_<random>`), if any. */
export function serverOfIdentity(servers: readonly HaServer[], identity: string): HaServer | undefined {
  return servers.find((s) => !s.exited() && identity.includes(`_${s.child.pid}_`));
}
