// A real all-in-one Gantry (`startDaemon('up')`: API server over HTTPS, SQLite store, controllers,
// scheduler, a local node agent with runc, bridge network and nftables service proxy) for the
// rollout e2e tests and benchmark, with its own bridge, netns, veth and nft table names and pod
// CIDR so it can run beside another agent on the machine. The demo images v1..v3 are built into
// the agent's image store first (no registry, no git). stop() removes everything and reports
// what is left (containers, netns, links, nft tables, mounts).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';
import { CLUSTER_POD_CIDR } from '../../src/agent/agent.js';
import { buildHttpdImage } from '../../src/agent/images/build-busybox-image.js';
import { LocalImageStore } from '../../src/agent/images/local-image-store.js';
import { BridgeNetwork } from '../../src/agent/network/bridge-network.js';
import { NftServiceProxy } from '../../src/agent/network/nft-service-proxy.js';
import type { KObject } from '../../src/api/types.js';
import { type Daemon, startDaemon } from '../../src/cli/daemon.js';
import { DEMO_IMAGE } from '../../src/cli/demo.js';
import { HttpClient } from '../../src/client/http.js';
import { Informer } from '../../src/client/informer.js';
import { R } from '../../src/client/resources.js';

export const RUNC_ROOT = '/run/gantry-runc';

/** Polls fn every `everyMs` until it returns a truthy value; throws after timeoutMs. */
export async function until<T>(
  what: string,
  fn: () => Promise<T> | T,
  timeoutMs: number,
  everyMs = 50,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) {
        return v as NonNullable<T>;
      }
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}: last ${last instanceof Error ? last.message : JSON.stringify(last)}`,
      );
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** One GET of the demo page on a fresh connection: its version (`v1`…) or an error text. */
export function fetchVersion(port: number, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
      });
      res.on('end', () => resolve(/Gantry demo web (v\d+)/.exec(body)?.[1] ?? `HTTP ${res.statusCode}`));
      res.on('error', (e) => resolve(`error ${e.message}`));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve(`error ${(e as NodeJS.ErrnoException).code ?? e.message}`));
  });
}

/** Resolves once `count` consecutive GETs of the NodePort all answer `version`. */
export async function untilServes(
  port: number,
  version: string,
  timeoutMs: number,
  count = 20,
): Promise<void> {
  await until(
    `127.0.0.1:${port} to answer only ${version}`,
    async () => {
      for (let i = 0; i < count; i++) {
        const v = await fetchVersion(port);
        if (v !== version) {
          return false;
        }
      }
      return true;
    },
    timeoutMs,
    100,
  );
}

/** One structured log line of the daemon (pino JSON), kept for assertions. */
export interface LogRecord {
  readonly time: number;
  readonly msg: string;
  readonly level: number;
  readonly [k: string]: unknown;
}

export interface RolloutCluster {
  readonly daemon: Daemon;
  /** An HTTPS client with the admin token, as a user's kubectl would talk to the server. */
  readonly client: HttpClient;
  readonly dataDir: string;
  readonly nodeName: string;
  readonly names: {
    readonly bridge: string;
    readonly netnsPrefix: string;
    readonly vethPrefix: string;
    readonly serviceTable: string;
    readonly podCidr: string;
  };
  /** Log lines whose msg matched `keepLogs`, plus every warning and error. */
  readonly logs: LogRecord[];
  /** Uids of every pod the cluster has had. */
  readonly podUids: ReadonlySet<string>;
  /** What of this cluster is still on the machine (empty after stop()). */
  leftovers(): string[];
  stop(): Promise<string[]>;
}

export interface RolloutClusterOptions {
  /** Log messages to keep (besides warnings and errors). */
  readonly keepLogs?: readonly string[];
  /** Level of the daemon's logger (default info). */
  readonly logLevel?: string;
  readonly versions?: readonly string[];
  /** The kubelet's delay between a deleted pod leaving the service rules and SIGTERM. */
  readonly drainDelayMs?: number;
}

function recordingLogger(keep: ReadonlySet<string>, into: LogRecord[], level: string): Logger {
  let partial = '';
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      partial += chunk.toString('utf8');
      let i = partial.indexOf('\n');
      while (i >= 0) {
        const line = partial.slice(0, i);
        partial = partial.slice(i + 1);
        i = partial.indexOf('\n');
        try {
          const rec = JSON.parse(line) as LogRecord;
          if (rec.level >= 40 || keep.has(rec.msg)) {
            into.push(rec);
          }
        } catch {
          // not JSON: ignore
        }
      }
      cb();
    },
  });
  return pino({ level }, sink);
}

async function importDemoImages(root: string, dir: string, versions: readonly string[]): Promise<void> {
  const images = new LocalImageStore({ root });
  for (const v of versions) {
    const ref = `${DEMO_IMAGE}:${v}`;
    const built = await buildHttpdImage(join(dir, `image-${v}`), ref, `<h1>Gantry demo web ${v}</h1>\n`);
    await images.importLayout(built.dir, ref);
  }
}

function sh(cmd: string, args: readonly string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return '';
  }
}

export async function startRolloutCluster(opts: RolloutClusterOptions = {}): Promise<RolloutCluster> {
  const tag = randomBytes(3).toString('hex');
  const names = {
    bridge: `gro${tag}`,
    netnsPrefix: `gantry-ro-${tag}-`,
    vethPrefix: `gr${tag.slice(0, 4)}`,
    serviceTable: `gantry-svc-ro${tag}`,
    podCidr: `10.252.${(Number.parseInt(tag, 16) % 200) + 20}.0/24`,
  };
  const nodeName = `rollout-${tag}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'gantry-rollout-'));
  const logs: LogRecord[] = [];
  const log = recordingLogger(new Set(opts.keepLogs ?? []), logs, opts.logLevel ?? 'info');
  await importDemoImages(
    join(dataDir, 'agent', 'images'),
    join(dataDir, 'build'),
    opts.versions ?? ['v1', 'v2'],
  );
  const netLog = log.child({ component: 'agent' });
  const daemon = await startDaemon(
    'up',
    {
      dataDir,
      port: 0,
      host: '127.0.0.1',
      tlsSan: [],
      insecureRegistry: [],
      agentPort: 0,
      nodeName,
      agentOptions: {
        podCidr: names.podCidr,
        ...(opts.drainDelayMs !== undefined ? { drainDelayMs: opts.drainDelayMs } : {}),
        network: new BridgeNetwork({
          stateDir: join(dataDir, 'agent', 'network'),
          bridgeName: names.bridge,
          netnsPrefix: names.netnsPrefix,
          vethPrefix: names.vethPrefix,
          noMasqueradeCidrs: [CLUSTER_POD_CIDR],
          logger: netLog,
        }),
        // NodePorts on loopback only: nothing of the test is reachable from outside the machine
        proxy: new NftServiceProxy({ tableName: names.serviceTable, nodeIPs: ['127.0.0.1'], logger: netLog }),
      },
    },
    log,
  );
  const client = new HttpClient({
    server: daemon.cp.url,
    token: daemon.cp.adminToken,
    caPem: daemon.cp.caPem,
  });
  const podUids = new Set<string>();
  const pods = new Informer(daemon.cp.client, R.pods, {});
  const addUid = (o: KObject) => {
    if (o.metadata.uid) {
      podUids.add(o.metadata.uid);
    }
  };
  pods.addHandlers({ add: addUid, update: (_o, n) => addUid(n) });
  await pods.start();

  const leftovers = (): string[] => {
    const out: string[] = [];
    const containers = sh('runc', ['--root', RUNC_ROOT, 'list', '-q'])
      .split('\n')
      .filter((id) => [...podUids].some((u) => id.startsWith(`${u}-`)));
    if (containers.length > 0) {
      out.push(`runc containers: ${containers.join(', ')}`);
    }
    const netns = sh('ip', ['netns', 'list'])
      .split('\n')
      .filter((l) => l.startsWith(names.netnsPrefix));
    if (netns.length > 0) {
      out.push(`netns: ${netns.join(', ')}`);
    }
    const links = sh('ip', ['-o', 'link', 'show'])
      .split('\n')
      .filter((l) => l.includes(names.bridge) || new RegExp(`: ${names.vethPrefix}[0-9a-f]`).test(l));
    if (links.length > 0) {
      out.push(`links: ${links.join(' | ')}`);
    }
    const tables = sh('nft', ['list', 'tables'])
      .split('\n')
      .filter((l) => l.includes(names.serviceTable) || l.includes(`gantry-nat-${names.bridge}`));
    if (tables.length > 0) {
      out.push(`nft: ${tables.join(', ')}`);
    }
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[4] ?? '')
      .filter((m) => m.startsWith(dataDir));
    if (mounts.length > 0) {
      out.push(`mounts: ${mounts.join(', ')}`);
    }
    return out;
  };

  let stopped: Promise<string[]> | undefined;
  return {
    daemon,
    client,
    dataDir,
    nodeName,
    names,
    logs,
    podUids,
    leftovers,
    stop() {
      stopped ??= (async () => {
        pods.stop();
        client.close();
        await daemon.stop();
        const left = leftovers();
        if (left.length === 0) {
          rmSync(dataDir, { recursive: true, force: true });
        }
        return left;
      })();
      return stopped;
    },
  };
}
