// Stock kubectl exec (WebSocket, v5.channel.k8s.io) end to end on this machine: kubectl → API
// server (HTTPS, bearer token) → node agent (WebSocket) → runc exec in a real busybox container
// pulled from a real registry on loopback. Streams, stdin, stderr, exit codes, a real tty with
// resize (driven through `script`), kubectl cp, and the refusals. Everything is removed afterwards
// (containers, mounts, netns, links) and the test checks that nothing is left.
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Agent, agentPodExecSource, agentPodLogSource, startAgent } from '../../src/agent/agent.js';
import { buildBusyboxImage } from '../../src/agent/images/build-busybox-image.js';
import { LocalImageStore } from '../../src/agent/images/local-image-store.js';
import { readAgentAuthToken } from '../../src/agent/kubelet/pod-log-source.js';
import { BridgeNetwork } from '../../src/agent/network/bridge-network.js';
import { RuncRuntime } from '../../src/agent/runtime/runc-runtime.js';
import type { Pod } from '../../src/api/types.js';
import { R } from '../../src/client/resources.js';
import { channelMessage, STREAM } from '../../src/cluster/apiserver/exec-channel.js';
import { connectWebSocket } from '../../src/cluster/apiserver/exec-ws-connection.js';
import { type ControlPlane, startControlPlane } from '../../src/cluster/control-plane.js';
import { buildShim } from '../agent/runtime/rootfs.js';
import { waitFor } from '../cluster/controllers/core-harness.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';

const tag = randomBytes(3).toString('hex');
const BRIDGE = `gtx${tag}`;
const NETNS_PREFIX = `gantry-exec-${tag}-`;
const VETH_PREFIX = `gx${tag.slice(0, 4)}`;
const POD_CIDR = `10.252.${(Number.parseInt(tag, 16) % 200) + 20}.0/24`;

let dir: string;
let home: string;
let registry: TestRegistry | undefined;
let cp: ControlPlane | undefined;
let agent: Agent | undefined;
let runcRoot: string;
let image: string;

interface Run {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Runs a command; `input` is written to its stdin, which stays open until `closeStdinOn` matches stdout. */
function run(
  cmd: string,
  args: readonly string[],
  opts: { input?: string | Buffer; closeStdinOn?: RegExp; onStdout?: (all: string) => void } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: { ...process.env, KUBECONFIG: cp!.kubeconfigPath, HOME: home },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (b: Buffer) => {
      stdout += b.toString('utf8');
      opts.onStdout?.(stdout);
      if (opts.closeStdinOn?.test(stdout)) {
        child.stdin.end();
      }
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString('utf8');
    });
    child.stdin.on('error', () => {});
    if (opts.input !== undefined) {
      child.stdin.write(opts.input);
    }
    if (!opts.closeStdinOn) {
      child.stdin.end();
    }
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      resolve({ stdout, stderr, code });
    });
  });
}

const kubectl = (args: readonly string[], opts?: Parameters<typeof run>[2]) => run('kubectl', args, opts);

/** A raw upgrade request to the API server's exec endpoint: the HTTP status and body it answers with. */
function rawExec(
  path: string,
  token: string | undefined,
  upgrade = 'websocket',
): Promise<{ status: number; body: string }> {
  const url = new URL(cp!.url);
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: url.hostname,
      port: url.port,
      path,
      method: 'GET',
      ca: cp!.caPem,
      headers: {
        Connection: 'Upgrade',
        Upgrade: upgrade,
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        'Sec-WebSocket-Protocol': 'v5.channel.k8s.io',
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: '' });
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (b: Buffer) => {
        body += b.toString('utf8');
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Compiles src/agent/runtime/exec-tty.c beside the shim (what scripts/bootstrap.sh does for dist/). */
function buildExecTtyHelper(into: string): string {
  const out = join(into, 'gantry-exec-tty');
  execFileSync('cc', ['-O2', '-Wall', '-Werror', '-o', out, 'src/agent/runtime/exec-tty.c']);
  return out;
}

function leftovers(): string[] {
  const out: string[] = [];
  const runcList = execFileSync('runc', ['--root', runcRoot, 'list', '-q'], { encoding: 'utf8' }).trim();
  if (runcList) {
    out.push(`runc containers: ${runcList}`);
  }
  const netns = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.startsWith(NETNS_PREFIX));
  if (netns.length > 0) {
    out.push(`netns: ${netns.join(', ')}`);
  }
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(dir));
  if (mounts.length > 0) {
    out.push(`mounts: ${mounts.join(', ')}`);
  }
  const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(BRIDGE) || l.includes(VETH_PREFIX));
  if (links.length > 0) {
    out.push(`links: ${links.join(' | ')}`);
  }
  const helpers = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.includes(dir) && l.includes('gantry-exec-tty'));
  if (helpers.length > 0) {
    out.push(`exec helpers: ${helpers.join(' | ')}`);
  }
  return out;
}

async function podRunning(name: string): Promise<Pod> {
  return (await waitFor(
    `pod ${name} Running`,
    async () => {
      const p = (await cp!.client.get(R.pods, 'default', name)) as Pod;
      return p.status?.phase === 'Running' ? p : undefined;
    },
    30_000,
  )) as Pod;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gantry-exec-'));
  home = join(dir, 'home');
  runcRoot = join(dir, 'runc');
  registry = await startRegistry();
  const built = await buildBusyboxImage(join(dir, 'layout'), {
    ref: 'gantry.test/box:1',
    cmd: ['sleep', '3600'],
  });
  await registry.push(built.dir, 'demo/box:1');
  image = `${registry.host}/demo/box:1`;
  cp = await startControlPlane({
    dataDir: join(dir, 'server'),
    port: 0,
    store: 'memory',
    logs: agentPodLogSource,
    exec: agentPodExecSource,
  });
  const agentDir = join(dir, 'agent');
  const shimPath = buildShim(dir);
  buildExecTtyHelper(dir);
  agent = await startAgent({
    apiServer: cp.url,
    caPem: cp.caPem,
    token: cp.tokens.createNodeToken(),
    nodeName: `exec-${tag}`,
    dataDir: agentDir,
    podCidr: POD_CIDR,
    address: '127.0.0.1',
    port: 0,
    dns: false,
    proxy: false,
    images: new LocalImageStore({ root: join(agentDir, 'images'), insecureRegistries: [registry.host] }),
    runtime: new RuncRuntime({ root: join(agentDir, 'containers'), runcRoot, shimPath }),
    network: new BridgeNetwork({
      stateDir: join(agentDir, 'network'),
      bridgeName: BRIDGE,
      netnsPrefix: NETNS_PREFIX,
      vethPrefix: VETH_PREFIX,
    }),
  });
  await cp.client.create(R.pods, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'box', namespace: 'default' },
    spec: {
      containers: [
        { name: 'main', image, env: [{ name: 'WHO', value: 'main' }] },
        { name: 'side', image, env: [{ name: 'WHO', value: 'side' }] },
      ],
    },
  });
  await podRunning('box');
}, 90_000);

afterAll(async () => {
  try {
    await agent?.stop({ removePods: true });
    await cp?.stop();
    await registry?.stop();
    expect(leftovers()).toEqual([]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);

describe('kubectl exec against gantry (WebSocket → agent → runc)', () => {
  it('runs a command and prints its output', async () => {
    const r = await kubectl(['exec', 'box', '-c', 'main', '--', 'echo', 'hi']);
    expect(r).toMatchObject({ stdout: 'hi\n', code: 0 });
  });

  it('passes the exit code through', async () => {
    const r = await kubectl(['exec', 'box', '-c', 'main', '--', 'sh', '-c', 'exit 3']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/command terminated with exit code 3/);
  });

  it('runs in the container named by -c', async () => {
    expect((await kubectl(['exec', 'box', '-c', 'side', '--', 'sh', '-c', 'echo $WHO'])).stdout).toBe(
      'side\n',
    );
    expect((await kubectl(['exec', 'box', '-c', 'main', '--', 'sh', '-c', 'echo $WHO'])).stdout).toBe(
      'main\n',
    );
  });

  it('keeps stderr apart from stdout', async () => {
    const r = await kubectl(['exec', 'box', '-c', 'main', '--', 'sh', '-c', 'echo out; echo err >&2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toBe('err\n');
  });

  it('passes stdin through, and the end of it', async () => {
    const r = await kubectl(['exec', '-i', 'box', '-c', 'main', '--', 'cat'], { input: 'data\n' });
    expect(r).toMatchObject({ stdout: 'data\n', code: 0 });
    // a megabyte each way, byte for byte (fragmented, 64-bit-length frames)
    const big = randomBytes(1024 * 1024).toString('base64');
    const sum = createHash('md5').update(big).digest('hex');
    const r2 = await kubectl(['exec', '-i', 'box', '-c', 'main', '--', 'md5sum'], { input: big });
    expect(r2.stdout.split(' ')[0]).toBe(sum);
    const r3 = await kubectl(['exec', '-i', 'box', '-c', 'main', '--', 'cat'], { input: big });
    expect(r3.stdout.length).toBe(big.length);
    expect(r3.stdout === big).toBe(true);
  }, 60_000);

  it('streams output while the command still runs', async () => {
    let sawFirstWhileRunning = false;
    let finished = false;
    const r = await kubectl(
      ['exec', 'box', '-c', 'main', '--', 'sh', '-c', 'echo first; sleep 4; echo second'],
      {
        onStdout: (all) => {
          if (all.includes('first') && !all.includes('second') && !finished) {
            sawFirstWhileRunning = true;
          }
        },
      },
    );
    finished = true;
    expect(r.stdout).toBe('first\nsecond\n');
    expect(sawFirstWhileRunning).toBe(true);
  }, 30_000);

  it('gives an interactive shell a real terminal (kubectl exec -it, through script)', async () => {
    const r = await run('script', ['-qec', 'kubectl exec -it box -c main -- sh', '/dev/null'], {
      input: 'echo $((6*7)); tty; exit\n',
      closeStdinOn: /\/dev\/pts\/\d+/,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/(^|\n)42\r?\n/);
    expect(r.stdout).toMatch(/\/dev\/pts\/\d+/);
  }, 30_000);

  it('resizes the terminal to the size of kubectl’s terminal', async () => {
    // (script's stdin stays open until the answer is there: at end of input script ends the session)
    const r = await run(
      'script',
      ['-qec', 'stty cols 91 rows 17; kubectl exec -it box -c main -- stty size', '/dev/null'],
      { closeStdinOn: /\d+ \d+/ },
    );
    expect(r.code).toBe(0);
    // the first thing the process sees: the terminal starts at that size (runc exec -p consoleSize)
    expect(r.stdout).toBe('17 91\r\n');
  }, 30_000);

  it('resizes mid-session and ends with the exit status (the agent endpoint, message by message)', async () => {
    const token = await readAgentAuthToken(cp!.client);
    const { conn } = await connectWebSocket({
      host: '127.0.0.1',
      port: agent!.agentPort,
      path: '/exec/default/box/main?command=sh&stdin=true&stdout=true&tty=true',
      protocols: ['v5.channel.k8s.io'],
      headers: { Authorization: `Bearer ${token}` },
    });
    let out = '';
    let status = '';
    conn.on('message', (m) => {
      if (m[0] === STREAM.stdout) {
        out += m.subarray(1).toString('utf8');
      } else if (m[0] === STREAM.error) {
        status += m.subarray(1).toString('utf8');
      }
    });
    const closed = new Promise<void>((r) => conn.on('close', () => r()));
    const until = (re: RegExp) =>
      waitFor(`output ${re}`, async () => (re.test(out) ? true : undefined), 10_000);
    conn.send(channelMessage(STREAM.resize, JSON.stringify({ Width: 100, Height: 30 })));
    conn.send(channelMessage(STREAM.stdin, 'stty size\n'));
    await until(/30 100/);
    conn.send(channelMessage(STREAM.resize, JSON.stringify({ Width: 120, Height: 40 })));
    conn.send(channelMessage(STREAM.stdin, 'stty size\n'));
    await until(/40 120/);
    conn.send(channelMessage(STREAM.stdin, 'exit 7\n'));
    await closed;
    expect(JSON.parse(status)).toMatchObject({
      status: 'Failure',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '7' }] },
    });
  }, 30_000);

  it('passes the exit code of a tty session through', async () => {
    const r = await run('script', ['-qec', 'kubectl exec -it box -c main -- sh -c "exit 5"', '/dev/null']);
    expect(r.stdout).toMatch(/command terminated with exit code 5/);
  }, 30_000);

  it('copies files in and out with kubectl cp (tar over exec)', async () => {
    const local = join(dir, 'copy-in.txt');
    writeFileSync(local, 'copied by kubectl cp\n');
    const put = await kubectl(['cp', local, 'default/box:/tmp/copied.txt', '-c', 'main']);
    expect(put.code, put.stderr).toBe(0);
    expect((await kubectl(['exec', 'box', '-c', 'main', '--', 'cat', '/tmp/copied.txt'])).stdout).toBe(
      'copied by kubectl cp\n',
    );
    const back = join(dir, 'copy-out.txt');
    const get = await kubectl(['cp', 'default/box:/tmp/copied.txt', back, '-c', 'main']);
    expect(get.code, get.stderr).toBe(0);
    expect(readFileSync(back, 'utf8')).toBe('copied by kubectl cp\n');
  }, 30_000);

  it('ends the process in the container when the client goes away (plain and tty)', async () => {
    const inContainer = async (what: string) =>
      (await kubectl(['exec', 'box', '-c', 'main', '--', 'ps'])).stdout.includes(what);
    for (const [cmd, args, marker] of [
      ['kubectl', ['exec', 'box', '-c', 'main', '--', 'sleep', '1001'], 'sleep 1001'],
      ['script', ['-qec', 'kubectl exec -it box -c main -- sleep 1002', '/dev/null'], 'sleep 1002'],
    ] as const) {
      const child = spawn(cmd, args, {
        env: { ...process.env, KUBECONFIG: cp!.kubeconfigPath, HOME: home },
        stdio: ['pipe', 'ignore', 'ignore'],
        detached: true,
      });
      await waitFor(
        `${marker} running`,
        async () => ((await inContainer(marker)) ? true : undefined),
        15_000,
      );
      process.kill(-child.pid!, 'SIGKILL');
      await waitFor(`${marker} gone`, async () => ((await inContainer(marker)) ? undefined : true), 15_000);
    }
  }, 60_000);

  it('says NotFound for a missing pod and names the problem for a missing command', async () => {
    const r = await kubectl(['exec', 'nope', '--', 'true']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/pods "nope" not found/);
    const missing = await kubectl(['exec', 'box', '-c', 'main', '--', '/no/such/binary']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/no such file or directory/i);
  });

  it('refuses a pod without a node, and a container that is not there', async () => {
    await cp!.client.create(R.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'unplaced', namespace: 'default' },
      spec: { nodeSelector: { nowhere: 'true' }, containers: [{ name: 'c', image }] },
    });
    const r = await kubectl(['exec', 'unplaced', '--', 'true']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/pod unplaced does not have a host assigned/);
    const bad = await kubectl(['exec', 'box', '-c', 'ghost', '--', 'true']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/container ghost is not valid for pod box|container ghost not found/);
  });

  it('refuses a container that is not running on the node, on the error stream', async () => {
    await cp!.client.create(R.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'done', namespace: 'default' },
      spec: {
        restartPolicy: 'Never',
        containers: [
          { name: 'quick', image, command: ['true'] },
          { name: 'long', image },
        ],
      },
    });
    await waitFor(
      'quick exited',
      async () => {
        const p = (await cp!.client.get(R.pods, 'default', 'done')) as Pod;
        return p.status?.containerStatuses?.find((c) => c.name === 'quick')?.state?.terminated;
      },
      30_000,
    );
    const r = await kubectl(['exec', 'done', '-c', 'quick', '--', 'true']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/container "quick" of pod default\/done is not running on this node/);
  }, 40_000);

  it('answers 401 without a token and 403 to a node, before any upgrade', async () => {
    const path = '/api/v1/namespaces/default/pods/box/exec?command=true&stdout=true&container=main';
    const anon = await rawExec(path, undefined);
    expect(anon.status).toBe(401);
    expect(JSON.parse(anon.body)).toMatchObject({ kind: 'Status', reason: 'Unauthorized' });
    const node = await rawExec(path, cp!.tokens.createNodeToken());
    expect(node.status).toBe(403);
    expect(JSON.parse(node.body).message).toMatch(/cannot create resource "pods\/exec"/);
    const ok = await rawExec(path, cp!.adminToken);
    expect(ok.status).toBe(101);
    const spdy = await rawExec(path, cp!.adminToken, 'SPDY/3.1');
    expect(spdy.status).toBe(400);
    expect(JSON.parse(spdy.body).message).toMatch(/WebSocket only .*SPDY\) is not supported/);
    // any other Upgrade request is still an ordinary request
    const plain = await rawExec('/api/v1/namespaces/default/pods/box', cp!.adminToken);
    expect(plain.status).toBe(200);
    expect(JSON.parse(plain.body)).toMatchObject({ kind: 'Pod', metadata: { name: 'box' } });
    const r = await kubectl(['exec', 'box', '--token', 'not-a-token', '--', 'true']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Unauthorized|must be logged in/);
  });
});
