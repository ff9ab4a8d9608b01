// A real `gantry up` (startDaemon 'up': control plane, sync engine, webhook, local agent with runc,
// bridge network and nftables service proxy) on a copy of the bundled demo manifests, isolated
// so that it can share the machine with other tests: its own bridge, netns/veth prefixes, nftables
// tables, pod CIDR, runc state dir and NodePorts (random, checked free). Used by the GitOps e2e
// test and bench/sync.ts. stop() removes everything and reports what was left behind.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { type Logger, pino } from 'pino';
import { parseAllDocuments } from 'yaml';
import { BridgeNetwork } from '../../src/agent/network/bridge-network.js';
import { NftServiceProxy } from '../../src/agent/network/nft-service-proxy.js';
import { RuncRuntime } from '../../src/agent/runtime/runc-runtime.js';
import { type Daemon, startDaemon } from '../../src/cli/daemon.js';
import { HttpClient } from '../../src/client/http.js';
import { readKubeconfig } from '../../src/cluster/auth/index.js';
import { signBody } from '../../src/sync/webhook.js';
import { GitWorkspace } from './git-workspace.js';

const run = promisify(execFile);

/** The repository root: the nearest folder above this file with a package.json (source or built tree). */
export const REPO_ROOT = (() => {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) {
    dir = dirname(dir);
  }
  return dir;
})();
export const DEMO_MANIFESTS = join(REPO_ROOT, 'manifests');

export interface GitopsEnvOptions {
  /** Poll interval of every Application (ms). */
  readonly pollMs: number;
  /** `<env>/<app>` folders of manifests/ to include (default all). */
  readonly apps?: readonly string[];
  /** Extra files (path under the manifests dir → text) committed with the initial revision. */
  readonly extraFiles?: Readonly<Record<string, string>>;
  /** Label in names and temp dirs. */
  readonly label?: string;
  /** Log level of the daemon's log file `<dir>/daemon.log` (default GANTRY_LOG_LEVEL or info). */
  readonly logLevel?: string;
}

export interface IsolationNames {
  readonly tag: string;
  readonly nodeName: string;
  readonly bridge: string;
  readonly netnsPrefix: string;
  readonly vethPrefix: string;
  readonly serviceTable: string;
  readonly natTable: string;
  readonly runcRoot: string;
  readonly podCidr: string;
}

export interface GitopsEnv {
  readonly dir: string;
  readonly dataDir: string;
  readonly daemon: Daemon;
  readonly names: IsolationNames;
  /** The demo's bare repository, as the Applications name it (file://…). */
  readonly repoURL: string;
  readonly webhookSecret: string;
  /** A client built from the kubeconfig the daemon wrote (what `gantry app` and kubectl use). */
  readonly client: HttpClient;
  readonly kubeconfig: string;
  /** NodePort of `<env>/<service>`, e.g. `production/web`. */
  nodePort(envService: string): number;
  /** A fresh clone of the demo repository (branch main). */
  clone(name?: string): Promise<GitWorkspace>;
  /** POSTs a GitHub push event for the demo repository to /api/webhook, signed; returns the HTTP status. */
  webhookPush(after: string, opts?: { secret?: string }): Promise<{ status: number; body: string }>;
  /** What the daemon logged (its log file). */
  log(): string;
  /** Stops the daemon, removes the temp dir; returns the leftovers found (empty when clean). */
  stop(): Promise<string[]>;
}

function isolationNames(label: string): IsolationNames {
  const tag = randomBytes(3).toString('hex');
  const n = Number.parseInt(tag, 16);
  return {
    tag,
    nodeName: `${label}-${tag}`,
    bridge: `gtg${tag}`,
    netnsPrefix: `gantry-${label}-${tag}-`,
    vethPrefix: `gg${tag.slice(0, 4)}`,
    serviceTable: `gantry-svc-${label}-${tag}`,
    natTable: `gantry-nat-gtg${tag}`,
    runcRoot: `/run/gantry-runc-${label}-${tag}`,
    podCidr: `10.${240 + (n % 3)}.${(n >> 2) % 250}.0/24`,
  };
}

async function cmd(file: string, ...args: string[]): Promise<string> {
  return (await run(file, args, { maxBuffer: 64 * 2 ** 20 })).stdout;
}

/** `count` consecutive NodePorts from a random base that no nftables rule on this host mentions yet. */
async function freeNodePorts(count: number): Promise<number[]> {
  const ruleset = await cmd('nft', 'list', 'ruleset').catch(() => '');
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 31000 + Math.floor(Math.random() * (32700 - 31000 - count));
    const ports = Array.from({ length: count }, (_, i) => base + i);
    if (ports.every((p) => !ruleset.includes(String(p)))) {
      return ports;
    }
  }
  throw new Error('no free NodePort range found');
}

/** The pod CIDR is free when no route of this host lies in it. */
async function routeFree(cidr: string): Promise<boolean> {
  const out = await cmd('ip', '-4', 'route', 'show', 'match', cidr).catch(() => '');
  return !out.split('\n').some((l) => l.startsWith(cidr));
}

/**
 * Copies the chosen <env>/<app> folders of the demo manifests into `dest`, giving every Service
 * NodePort a fresh one. Returns `<env>/<service>` → port.
 */
async function copyManifests(
  dest: string,
  apps: readonly string[] | undefined,
  extra: Readonly<Record<string, string>>,
): Promise<Map<string, number>> {
  const ports = new Map<string, number>();
  const folders: string[] = [];
  for (const env of await readdir(DEMO_MANIFESTS)) {
    for (const app of await readdir(join(DEMO_MANIFESTS, env))) {
      if (!apps || apps.includes(`${env}/${app}`)) {
        folders.push(`${env}/${app}`);
      }
    }
  }
  const files: { path: string; text: string; env: string }[] = [];
  for (const f of folders) {
    await cp(join(DEMO_MANIFESTS, f), join(dest, f), { recursive: true });
    for (const name of await readdir(join(dest, f))) {
      files.push({
        path: join(dest, f, name),
        text: await readFile(join(dest, f, name), 'utf8'),
        env: f.split('/')[0]!,
      });
    }
  }
  const wanted = files.reduce((n, f) => n + (f.text.match(/nodePort:/g)?.length ?? 0), 0);
  const free = await freeNodePorts(wanted);
  for (const f of files) {
    const docs = parseAllDocuments(f.text);
    let changed = false;
    for (const doc of docs) {
      const o = doc.toJS() as { kind?: string; metadata?: { name?: string }; spec?: { ports?: unknown[] } };
      if (o?.kind !== 'Service') {
        continue;
      }
      (o.spec?.ports ?? []).forEach((p, i) => {
        if ((p as { nodePort?: number }).nodePort !== undefined) {
          const port = free.shift()!;
          doc.setIn(['spec', 'ports', i, 'nodePort'], port);
          ports.set(`${f.env}/${o.metadata?.name}`, port);
          changed = true;
        }
      });
    }
    if (changed) {
      await writeFile(f.path, docs.map((d) => d.toString()).join(''));
    }
  }
  for (const [path, text] of Object.entries(extra)) {
    await mkdir(join(dest, path, '..'), { recursive: true });
    await writeFile(join(dest, path), text);
  }
  return ports;
}

/** Everything of `names` (and mounts under `dir`) still present on the host. */
export async function leftovers(names: IsolationNames, dir: string): Promise<string[]> {
  const out: string[] = [];
  if (existsSync(names.runcRoot)) {
    const list = (await cmd('runc', '--root', names.runcRoot, 'list', '-q').catch(() => '')).trim();
    if (list) {
      out.push(`runc containers: ${list.split('\n').join(', ')}`);
    }
  }
  const netns = (await cmd('ip', 'netns', 'list')).split('\n').filter((l) => l.startsWith(names.netnsPrefix));
  if (netns.length > 0) {
    out.push(`netns: ${netns.join(', ')}`);
  }
  const links = (await cmd('ip', '-o', 'link', 'show'))
    .split('\n')
    .map((l) => l.split(':')[1]?.trim().split('@')[0] ?? '')
    .filter((l) => l === names.bridge || l.startsWith(names.vethPrefix));
  if (links.length > 0) {
    out.push(`links: ${links.join(', ')}`);
  }
  const tables = (await cmd('nft', 'list', 'tables'))
    .split('\n')
    .filter((l) => l.endsWith(` ${names.serviceTable}`) || l.endsWith(` ${names.natTable}`));
  if (tables.length > 0) {
    out.push(`nft tables: ${tables.join(', ')}`);
  }
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(dir));
  if (mounts.length > 0) {
    out.push(`mounts: ${mounts.join(', ')}`);
  }
  return out;
}

export async function startGitopsEnv(o: GitopsEnvOptions): Promise<GitopsEnv> {
  const label = o.label ?? 'gitops';
  let names = isolationNames(label);
  for (let i = 0; i < 20 && !(await routeFree(names.podCidr)); i++) {
    names = isolationNames(label);
  }
  const dir = await mkdtemp(join(tmpdir(), `gantry-${label}-`));
  const dataDir = join(dir, 'data');
  const manifests = join(dir, 'manifests');
  const ports = await copyManifests(manifests, o.apps, o.extraFiles ?? {});
  const webhookSecret = randomBytes(16).toString('hex');
  const logFile = join(dir, 'daemon.log');
  const log: Logger = pino(
    { level: o.logLevel ?? process.env.GANTRY_LOG_LEVEL ?? 'info' },
    pino.destination({ dest: logFile, sync: true }),
  );
  const agentDir = join(dataDir, 'agent');
  let daemon: Daemon;
  try {
    daemon = await startDaemon(
      'up',
      {
        dataDir,
        port: 0,
        host: '127.0.0.1',
        tlsSan: [],
        pollMs: o.pollMs,
        webhookSecret,
        demo: manifests,
        nodeName: names.nodeName,
        agentPort: 0,
        insecureRegistry: [],
        agentOptions: {
          address: '127.0.0.1',
          podCidr: names.podCidr,
          network: new BridgeNetwork({
            stateDir: join(agentDir, 'network'),
            bridgeName: names.bridge,
            netnsPrefix: names.netnsPrefix,
            vethPrefix: names.vethPrefix,
            noMasqueradeCidrs: [names.podCidr],
            logger: log,
          }),
          proxy: new NftServiceProxy({ tableName: names.serviceTable, nodeIPs: ['127.0.0.1'], logger: log }),
          runtime: new RuncRuntime({
            root: join(agentDir, 'containers'),
            runcRoot: names.runcRoot,
            logger: log,
          }),
        },
      },
      log,
    );
  } catch (e) {
    const left = await leftovers(names, dir);
    const text = readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
    await rm(dir, { recursive: true, force: true });
    throw new Error(`start gantry up (${left.length > 0 ? `left: ${left.join('; ')}` : 'clean'}):\n${text}`, {
      cause: e,
    });
  }
  const kubeconfig = daemon.cp.kubeconfigPath;
  const creds = await readKubeconfig(kubeconfig);
  const client = new HttpClient({ server: creds.servers, token: creds.token!, caPem: creds.caPem });
  const repoURL = daemon.demo!.repoURL;
  let clones = 0;
  let stopped: Promise<string[]> | undefined;
  return {
    dir,
    dataDir,
    daemon,
    names,
    repoURL,
    webhookSecret,
    client,
    kubeconfig,
    nodePort(envService) {
      const p = ports.get(envService);
      if (p === undefined) {
        throw new Error(`no NodePort for ${envService} (have ${[...ports.keys()].join(', ')})`);
      }
      return p;
    },
    clone(name) {
      clones++;
      return GitWorkspace.clone(repoURL, join(dir, 'clones', name ?? `work-${clones}`));
    },
    webhookPush(after, opts = {}) {
      const bare = repoURL.replace(/^file:\/\//, '');
      const body = JSON.stringify({
        ref: 'refs/heads/main',
        after,
        repository: { name: 'manifests', full_name: 'gantry/manifests', clone_url: repoURL, url: bare },
        pusher: { name: 'e2e' },
      });
      return postJson(`${daemon.cp.url}/api/webhook`, body, daemon.cp.caPem, {
        'X-GitHub-Event': 'push',
        'X-GitHub-Delivery': randomBytes(8).toString('hex'),
        'X-Hub-Signature-256': signBody(opts.secret ?? webhookSecret, body),
      });
    },
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    stop() {
      stopped ??= (async () => {
        client.close();
        try {
          await daemon.stop();
        } finally {
          log.flush();
        }
        const left = await leftovers(names, dir);
        if (left.length === 0) {
          await rm(names.runcRoot, { recursive: true, force: true });
          await rm(dir, { recursive: true, force: true });
        }
        return left;
      })();
      return stopped;
    },
  };
}

function postJson(
  url: string,
  body: string,
  caPem: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolvePost, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        ca: caPem,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
          ...headers,
        },
        timeout: 10_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () => resolvePost({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`POST ${url} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** One GET of http://127.0.0.1:port/ (what `curl 127.0.0.1:<port>` does); the body, or an error. */
export function httpGet(port: number, timeoutMs = 1000): Promise<string> {
  return new Promise((resolveGet, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path: '/', method: 'GET', timeout: timeoutMs, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          text += c;
        });
        res.on('end', () =>
          res.statusCode === 200 ? resolveGet(text) : reject(new Error(`HTTP ${res.statusCode}: ${text}`)),
        );
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET 127.0.0.1:${port} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** The demo version (`v1`…) a body names, or undefined. */
export function versionOf(body: string): string | undefined {
  return /Gantry demo web (v\d+)/.exec(body)?.[1];
}

/**
 * Resolves when `runs` consecutive GETs (spaced `gapMs`) all answer `version`; rejects after
 * timeoutMs. Returns when the streak began.
 */
export async function waitServing(
  port: number,
  version: string,
  o: { timeoutMs: number; runs?: number; gapMs?: number },
): Promise<{ streakStart: number; seen: Map<string, number> }> {
  const runs = o.runs ?? 10;
  const end = performance.now() + o.timeoutMs;
  const seen = new Map<string, number>();
  let streak = 0;
  let streakStart = 0;
  while (performance.now() < end) {
    const t = performance.now();
    let got: string;
    try {
      got = versionOf(await httpGet(port)) ?? 'other';
    } catch (e) {
      got = `error: ${(e as Error).message}`;
    }
    seen.set(got, (seen.get(got) ?? 0) + 1);
    if (got === version) {
      if (streak === 0) {
        streakStart = t;
      }
      streak++;
      if (streak >= runs) {
        return { streakStart, seen };
      }
    } else {
      streak = 0;
    }
    await new Promise((r) => setTimeout(r, o.gapMs ?? 50));
  }
  throw new Error(
    `127.0.0.1:${port} did not serve only ${version} within ${o.timeoutMs} ms; answers: ${JSON.stringify(Object.fromEntries(seen))}`,
  );
}

export interface Answer {
  /** performance.now() when the request was sent. */
  readonly at: number;
  /** `v1`…, `other` (a 200 naming no version) or `error` (refused, reset, timeout, non-200). */
  readonly v: string;
}

/**
 * Probes 127.0.0.1:port with one sequential GET at a time, ≥ gapMs apart, until stopped (bounded:
 * never more than one request in flight); stop() returns every answer.
 */
export function probeNodePort(port: number, gapMs = 20): { stop(): Promise<Answer[]> } {
  const answers: Answer[] = [];
  let probing = true;
  const loop = (async () => {
    while (probing) {
      const at = performance.now();
      let v: string;
      try {
        v = versionOf(await httpGet(port, 2000)) ?? 'other';
      } catch {
        v = 'error';
      }
      answers.push({ at, v });
      await new Promise((r) => setTimeout(r, gapMs));
    }
  })();
  return {
    async stop() {
      probing = false;
      await loop;
      return answers;
    },
  };
}
