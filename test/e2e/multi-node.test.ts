// Several nodes for real: a `gantry server` process on the machine and `gantry agent` processes in
// "test hosts" — network namespaces joined by the bridge gtest-hosts (10.251.0.1/24, hosts .11,
// .12). Each agent gets its own pod CIDR from the server and routes to the other nodes' pod CIDRs;
// a Deployment spreads over both nodes, pods on h2 answer from h1, a ClusterIP balances across
// nodes, and when h2 dies its pods come back on h1. afterAll removes every netns, bridge, veth,
// runc container, mount and cgroup the test made, and checks that nothing is left.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpdImage } from '../../src/agent/images/index.js';
import { CLI, type GantryProcess, startGantry, tempDir } from '../helpers/gantry-process.js';

const run = promisify(execFile);
const BRIDGE = 'gtest-hosts';
const GW = '10.251.0.1';
const IMAGE = 'gantry.local/mn/web:v1';

interface Host {
  readonly name: string;
  readonly netns: string;
  readonly veth: string;
  readonly ip: string;
  readonly dataDir: string;
  readonly runcRoot: string;
  readonly podNetnsPrefix: string;
  proc?: ChildProcess;
  log: string;
}

const hosts: Host[] = [1, 2].map((i) => ({
  name: `h${i}`,
  netns: `gtest-h${i}`,
  veth: `gth${i}`,
  ip: `10.251.0.1${i}`,
  dataDir: '',
  runcRoot: `/run/gtest-runc-h${i}`,
  podNetnsPrefix: `gtp${i}-`,
  log: '',
}));
const h1 = hosts[0]!;
const h2 = hosts[1]!;
let work = '';
let server: GantryProcess | undefined;
let token = '';

async function sh(cmd: string, args: string[], input?: string): Promise<string> {
  if (input === undefined) {
    const { stdout } = await run(cmd, args, { maxBuffer: 16 * 2 ** 20 });
    return stdout;
  }
  return new Promise((res, rej) => {
    const c = execFile(cmd, args, { maxBuffer: 16 * 2 ** 20 }, (err, stdout, stderr) =>
      err ? rej(new Error(`${cmd} ${args.join(' ')}: ${stderr || err.message}`)) : res(stdout),
    );
    c.stdin?.end(input);
  });
}

const kubectl = (...args: string[]) => sh('kubectl', ['--kubeconfig', server!.kubeconfig, ...args]);
const kubectlIn = (input: string, ...args: string[]) =>
  sh('kubectl', ['--kubeconfig', server!.kubeconfig, ...args], input);
const inHost = (h: Host, ...args: string[]) => sh('ip', ['netns', 'exec', h.netns, ...args]);

async function until<T>(what: string, ms: number, fn: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v !== undefined) {
        return v;
      }
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

function agentArgs(h: Host): string[] {
  return [
    `--net=/var/run/netns/${h.netns}`,
    process.execPath,
    CLI,
    'agent',
    '--join',
    server!.url,
    '--token',
    token,
    '--ca-file',
    join(server!.dataDir, 'pki', 'ca.crt'),
    '--node-name',
    h.name,
    '--data-dir',
    h.dataDir,
    '--address',
    h.ip,
    '--bridge-name',
    `gtbr-${h.name}`,
    '--netns-prefix',
    h.podNetnsPrefix,
    '--veth-prefix',
    `gv${h.name}`,
    '--runc-root',
    h.runcRoot,
    '--service-table',
    `gtest-svc-${h.name}`,
    '--lease-renew-ms',
    '1000',
    '--node-status-ms',
    '2000',
  ];
}

/** Starts the agent inside its host's network namespace (nsenter keeps the machine's mounts and cgroups). */
async function startAgentIn(h: Host): Promise<void> {
  h.log = '';
  const child = spawn('nsenter', agentArgs(h), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GANTRY_LOG_LEVEL: 'warn' },
  });
  h.proc = child;
  child.stdout.on('data', (d: Buffer) => {
    h.log += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    h.log += d.toString();
  });
  await until(`agent ${h.name} to join`, 60_000, async () => {
    if (child.exitCode !== null) {
      throw new Error(`agent ${h.name} exited ${child.exitCode}:\n${h.log}`);
    }
    return /joined/.test(h.log) ? true : undefined;
  });
}

async function stopAgent(h: Host, signal: NodeJS.Signals): Promise<void> {
  const p = h.proc;
  if (!p || p.exitCode !== null || p.signalCode !== null) {
    return;
  }
  const done = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill(signal);
  const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
  await done;
  clearTimeout(t);
}

async function runcIds(root: string): Promise<string[]> {
  if (!existsSync(root)) {
    return [];
  }
  const out = await sh('runc', ['--root', root, 'list', '-q']).catch(() => '');
  return out.split('\n').filter((l) => l.trim() !== '');
}

interface PodRow {
  name: string;
  node: string;
  ip: string;
  ready: boolean;
  deleting: boolean;
}

async function pods(): Promise<PodRow[]> {
  const list = JSON.parse(await kubectl('get', 'pods', '-n', 'default', '-l', 'app=mnweb', '-o', 'json')) as {
    items: any[];
  };
  return list.items.map((p) => ({
    name: p.metadata.name,
    node: p.spec.nodeName ?? '',
    ip: p.status?.podIP ?? '',
    ready: (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True'),
    deleting: Boolean(p.metadata.deletionTimestamp),
  }));
}

async function readyPods(n: number): Promise<PodRow[] | undefined> {
  const ps = (await pods()).filter((p) => p.ready && !p.deleting && p.ip);
  return ps.length === n ? ps : undefined;
}

const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: mnweb
  namespace: default
spec:
  replicas: 4
  selector:
    matchLabels: { app: mnweb }
  template:
    metadata:
      labels: { app: mnweb }
    spec:
      terminationGracePeriodSeconds: 2
      containers:
        - name: web
          image: ${IMAGE}
          imagePullPolicy: Never
          command: ['sh', '-c', 'hostname > /www/index.html && exec httpd -f -p 80 -h /www']
          ports: [{ name: http, containerPort: 80 }]
          readinessProbe:
            httpGet: { path: /, port: http }
            periodSeconds: 1
          resources:
            requests: { cpu: 50m, memory: 16Mi }
---
apiVersion: v1
kind: Service
metadata:
  name: mnweb
  namespace: default
spec:
  selector: { app: mnweb }
  ports: [{ name: http, port: 80, targetPort: http }]
`;

/** A Deployment pinned to h2 and its Service on port 8080 (targetPort 80). */
const ONLY_ON_H2 = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: mnb
  namespace: default
spec:
  replicas: 1
  selector:
    matchLabels: { app: mnb }
  template:
    metadata:
      labels: { app: mnb }
    spec:
      terminationGracePeriodSeconds: 2
      nodeSelector: { kubernetes.io/hostname: h2 }
      containers:
        - name: web
          image: ${IMAGE}
          imagePullPolicy: Never
          command: ['sh', '-c', 'hostname > /www/index.html && exec httpd -f -p 80 -h /www']
          ports: [{ name: http, containerPort: 80 }]
          readinessProbe:
            httpGet: { path: /, port: http }
            periodSeconds: 1
          resources:
            requests: { cpu: 50m, memory: 16Mi }
---
apiVersion: v1
kind: Service
metadata:
  name: mnb
  namespace: default
spec:
  selector: { app: mnb }
  ports: [{ name: http, port: 8080, targetPort: http }]
`;

beforeAll(async () => {
  work = tempDir('multinode');
  // the test hosts: netns + veth onto a bridge on the machine
  await sh(
    'ip',
    ['-batch', '-'],
    [
      `link add ${BRIDGE} type bridge`,
      `addr add ${GW}/24 dev ${BRIDGE}`,
      `link set ${BRIDGE} up`,
      ...hosts.flatMap((h) => [
        `netns add ${h.netns}`,
        `link add ${h.veth} type veth peer name eth0 netns ${h.netns}`,
        `link set ${h.veth} master ${BRIDGE} up`,
      ]),
      '',
    ].join('\n'),
  );
  for (const h of hosts) {
    await sh(
      'ip',
      ['-n', h.netns, '-batch', '-'],
      [
        'link set lo up',
        `addr add ${h.ip}/24 dev eth0`,
        'link set eth0 up',
        `route add default via ${GW}`,
        '',
      ].join('\n'),
    );
  }
  // traffic between the test hosts is bridged: keep the machine's own netfilter rules out of it
  await sh('ip', ['link', 'set', BRIDGE, 'type', 'bridge', 'nf_call_iptables', '0']).catch(() => '');

  // the join token exists before the server starts (it reads tokens.json once)
  const serverDir = join(work, 'server');
  token = (await sh(process.execPath, [CLI, 'token', 'create', '--data-dir', serverDir])).trim();
  server = await startGantry({
    dataDir: serverDir,
    args: [
      '--host',
      GW,
      '--tls-san',
      GW,
      '--store',
      'memory',
      '--node-grace-ms',
      '5000',
      '--pod-eviction-ms',
      '1000',
    ],
  });

  // no registry on the test network: the image goes into each agent's store with `gantry image import`
  const layout = join(work, 'layout');
  await buildHttpdImage(layout, IMAGE, 'placeholder\n');
  for (const h of hosts) {
    Object.assign(h, { dataDir: join(work, `agent-${h.name}`) });
    await sh(process.execPath, [CLI, 'image', 'import', layout, '--data-dir', h.dataDir, '--ref', IMAGE]);
  }
  for (const h of hosts) {
    await startAgentIn(h);
  }
}, 180_000);

afterAll(async () => {
  for (const h of hosts) {
    await stopAgent(h, 'SIGKILL');
  }
  await server?.stop().catch(() => undefined);
  const podUids = new Set<string>();
  // containers of every agent (SIGKILLed agents leave them running)
  for (const h of hosts) {
    for (const id of await runcIds(h.runcRoot)) {
      await sh('runc', ['--root', h.runcRoot, 'kill', '-a', id, 'KILL']).catch(() => '');
      await sh('runc', ['--root', h.runcRoot, 'delete', '-f', id]).catch(() => '');
    }
  }
  // overlay rootfs mounts under the agents' data dirs
  const mounts = () =>
    readFileSync('/proc/self/mountinfo', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[4] ?? '')
      .filter((m) => work !== '' && m.startsWith(work));
  for (const m of mounts().reverse()) {
    const uid = /\/pods\/([0-9a-f-]{36})\//.exec(m)?.[1];
    if (uid) {
      podUids.add(uid);
    }
    await sh('umount', ['-l', m]).catch(() => '');
  }
  // pod netns (global names), then the test hosts (their bridges, veths, nft tables and routes go along)
  const netns = async () =>
    (await sh('ip', ['netns', 'list']))
      .split('\n')
      .map((l) => l.split(' ')[0] ?? '')
      .filter((n) => hosts.some((h) => n.startsWith(h.podNetnsPrefix) || n === h.netns));
  for (const n of await netns()) {
    await sh('ip', ['netns', 'del', n]).catch(() => '');
  }
  for (const h of hosts) {
    await sh('ip', ['link', 'del', h.veth]).catch(() => '');
  }
  await sh('ip', ['link', 'del', BRIDGE]).catch(() => '');
  for (const uid of podUids) {
    for (const base of [
      '/sys/fs/cgroup/memory',
      '/sys/fs/cgroup/pids',
      '/sys/fs/cgroup/cpu',
      '/sys/fs/cgroup/unified',
    ]) {
      const dir = join(base, 'gantry', `pod${uid}`);
      if (existsSync(dir)) {
        try {
          rmdirSync(dir);
        } catch {
          // still in use or already gone
        }
      }
    }
  }
  const leftovers = async () => ({
    runc: (await Promise.all(hosts.map((h) => runcIds(h.runcRoot)))).flat(),
    netns: await netns(),
    links: (await sh('ip', ['-o', 'link', 'show'])).split('\n').filter((l) => /gtest-hosts|gth\d/.test(l)),
    mounts: mounts(),
  });
  const clean = { runc: [], netns: [], links: [], mounts: [] };
  // network namespaces (and their links) go away asynchronously once their last user is gone
  const left = await until('cleanup', 15_000, async () => {
    const l = await leftovers();
    return JSON.stringify(l) === JSON.stringify(clean) ? l : undefined;
  }).catch(() => leftovers());
  for (const h of hosts) {
    rmSync(h.runcRoot, { recursive: true, force: true });
  }
  rmSync(work, { recursive: true, force: true });
  expect(left).toEqual(clean);
}, 120_000);

describe('several nodes with a routed pod network', () => {
  it('kubectl get nodes -o wide shows every node Ready with its InternalIP and its own pod CIDR', async () => {
    await until('both nodes Ready', 60_000, async () => {
      const out = await kubectl('get', 'nodes', '-o', 'wide');
      return hosts.every((h) =>
        new RegExp(`^${h.name}\\s+Ready\\s+.*\\s${h.ip.replaceAll('.', '\\.')}\\s`, 'm').test(out),
      )
        ? out
        : undefined;
    });
    const cidrs = (
      await kubectl('get', 'nodes', '-o', 'jsonpath={range .items[*]}{.spec.podCIDR}{"\\n"}{end}')
    )
      .split('\n')
      .filter((l) => l !== '');
    expect(cidrs).toHaveLength(2);
    expect(new Set(cidrs).size).toBe(2);
    // each host routes to the other's pod CIDR via its address
    await until('routes on both hosts', 20_000, async () => {
      for (const [a, b] of [
        [h1, h2],
        [h2, h1],
      ] as const) {
        const routes = await sh('ip', ['-n', a.netns, 'route', 'show', 'proto', '77']);
        if (!routes.includes(`via ${b.ip}`)) {
          return undefined;
        }
      }
      return true;
    });
  }, 90_000);

  it('spreads a Deployment over both nodes; pods on h2 answer from h1 and a ClusterIP balances across nodes', async () => {
    await kubectlIn(MANIFEST, 'apply', '-f', '-');
    const ready = await until('4 ready pods', 120_000, () => readyPods(4));
    const nodesUsed = new Set(ready.map((p) => p.node));
    expect(nodesUsed).toEqual(new Set(['h1', 'h2']));

    // from host h1 (not a pod) straight to a pod IP on h2: routed over the test network
    const onH2 = ready.filter((p) => p.node === 'h2');
    for (const p of onH2) {
      expect((await inHost(h1, 'curl', '-sS', '-m', '5', `http://${p.ip}/`)).trim()).toBe(p.name);
    }
    // pod to pod across nodes: from the network namespace of a pod on h1 (its source address is
    // the pod IP, not masqueraded) to a pod on h2
    const fromPod = ready.find((p) => p.node === 'h1')!;
    const uid = (
      await kubectl('get', 'pod', '-n', 'default', fromPod.name, '-o', 'jsonpath={.metadata.uid}')
    ).trim();
    const podNetns = `${h1.podNetnsPrefix}${uid.slice(0, 12)}`;
    const body = await sh('ip', [
      'netns',
      'exec',
      podNetns,
      'curl',
      '-sS',
      '-m',
      '5',
      `http://${onH2[0]!.ip}/`,
    ]);
    expect(body.trim()).toBe(onH2[0]!.name);

    // the Service's ClusterIP from host h1 reaches pods on both nodes
    const clusterIP = (
      await kubectl('get', 'svc', '-n', 'default', 'mnweb', '-o', 'jsonpath={.spec.clusterIP}')
    ).trim();
    const seen = await until('ClusterIP answers from both nodes', 60_000, async () => {
      const names = new Set<string>();
      for (let i = 0; i < 24; i++) {
        names.add((await inHost(h1, 'curl', '-sS', '-m', '3', `http://${clusterIP}/`)).trim());
      }
      const byNode = new Set(ready.filter((p) => names.has(p.name)).map((p) => p.node));
      return byNode.size === 2 ? names : undefined;
    });
    for (const n of seen) {
      expect(ready.map((p) => p.name)).toContain(n);
    }
  }, 240_000);

  it('a Service whose only pod runs on h2 is reachable by its DNS name from a pod on h1 and by its ClusterIP from host h1', async () => {
    await kubectlIn(ONLY_ON_H2, 'apply', '-f', '-');
    try {
      const backend = await until('the mnb pod Ready on h2', 120_000, async () => {
        const list = JSON.parse(
          await kubectl('get', 'pods', '-n', 'default', '-l', 'app=mnb', '-o', 'json'),
        ) as { items: any[] };
        const ready = list.items.filter(
          (p) =>
            !p.metadata.deletionTimestamp &&
            (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True'),
        );
        return ready.length === 1
          ? (ready[0] as { metadata: { name: string }; spec: { nodeName: string } })
          : undefined;
      });
      expect(backend.spec.nodeName).toBe('h2');
      // a client pod on h1: one of mnweb's, exec'd into with runc (its netns, mounts and resolv.conf)
      const client = (await pods()).find((p) => p.node === 'h1' && p.ready && !p.deleting);
      expect(client, 'an mnweb pod on h1').toBeDefined();
      const uid = (
        await kubectl('get', 'pod', '-n', 'default', client!.name, '-o', 'jsonpath={.metadata.uid}')
      ).trim();
      const cid = (await runcIds(h1.runcRoot)).find((id) => id.startsWith(`${uid}-web-`));
      expect(cid, `a runc container of pod ${client!.name} on h1`).toBeDefined();
      const inPod = (...cmd: string[]) => sh('runc', ['--root', h1.runcRoot, 'exec', cid!, ...cmd]);
      // the pod's resolver is h1's cluster DNS, which answers for Services of every node
      const resolv = await inPod('cat', '/etc/resolv.conf');
      expect(resolv).toMatch(/^nameserver \d+\.\d+\.\d+\.\d+$/m);
      expect(resolv).toMatch(/^search default\.svc\.cluster\.local /m);
      const clusterIP = (
        await kubectl('get', 'svc', '-n', 'default', 'mnb', '-o', 'jsonpath={.spec.clusterIP}')
      ).trim();
      expect(clusterIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      // busybox nslookup (its own resolver) from the pod: the name is the ClusterIP
      const answer = new RegExp(`Address:\\s+${clusterIP.replaceAll('.', '\\.')}\\b`);
      const looked = await until('nslookup of the Service from a pod on h1', 30_000, async () => {
        const out = await inPod('nslookup', 'mnb.default.svc.cluster.local');
        return answer.test(out) ? out : undefined;
      });
      expect(looked).toMatch(answer);
      // an HTTP GET by name with busybox nc (libc's resolver, the pod's search path for the short
      // name); busybox wget is not used: the static Debian build crashes in its address lookup.
      // The Service's endpoint follows the pod's readiness within a second or so: retry briefly.
      const getByName = async (host: string) => {
        const out = await inPod('sh', '-c', `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${host} 8080`);
        return /\r?\n\r?\n([\s\S]*)$/.exec(out)?.[1]?.trim() ?? '';
      };
      for (const host of ['mnb.default.svc.cluster.local', 'mnb']) {
        const body = await until(`http://${host}:8080/ from a pod on h1`, 30_000, async () => {
          const b = await getByName(host);
          return b === '' ? undefined : b;
        });
        expect(body).toBe(backend.metadata.name);
      }
      // the ClusterIP from host h1's own network namespace (not a pod): the service proxy on h1
      const viaIP = await until('the ClusterIP from host h1', 30_000, async () =>
        (await inHost(h1, 'curl', '-sS', '-m', '3', `http://${clusterIP}:8080/`)).trim(),
      );
      expect(viaIP).toBe(backend.metadata.name);
      // a name that is no Service does not resolve (NXDOMAIN), rather than reaching something else
      await expect(getByName('nosuch.default.svc.cluster.local')).rejects.toThrow();
    } finally {
      await kubectl('delete', 'deployment,service', '-n', 'default', 'mnb', '--wait=false').catch(() => '');
      await until('the mnb pod gone', 90_000, async () =>
        (await kubectl('get', 'pods', '-n', 'default', '-l', 'app=mnb', '-o', 'name')).trim() === ''
          ? true
          : undefined,
      );
    }
  }, 240_000);

  it('when agent h2 dies, the node goes NotReady and its pods are recreated on h1', async () => {
    const before = (await pods()).filter((p) => p.node === 'h2').map((p) => p.name);
    expect(before.length).toBeGreaterThan(0);
    await stopAgent(h2, 'SIGKILL');
    await until('h2 NotReady', 60_000, async () => {
      const out = await kubectl('get', 'nodes');
      return /^h2\s+NotReady/m.test(out) ? true : undefined;
    });
    const after = await until('4 ready pods on h1', 120_000, async () => {
      const ps = await readyPods(4);
      return ps?.every((p) => p.node === 'h1') ? ps : undefined;
    });
    for (const p of after) {
      expect(before).not.toContain(p.name);
      expect((await inHost(h1, 'curl', '-sS', '-m', '5', `http://${p.ip}/`)).trim()).toBe(p.name);
    }
  }, 240_000);

  it('a returning h2 removes the containers, netns and mounts of pods it no longer owns; deleting the Deployment empties both nodes', async () => {
    // the SIGKILLed agent left its pods' containers, network namespaces and rootfs mounts behind
    const podNetnsOf = async (h: Host) =>
      (await sh('ip', ['netns', 'list']))
        .split('\n')
        .map((l) => l.split(' ')[0] ?? '')
        .filter((n) => n.startsWith(h.podNetnsPrefix));
    const mountsOf = (h: Host) =>
      readFileSync('/proc/self/mountinfo', 'utf8')
        .split('\n')
        .map((l) => l.split(' ')[4] ?? '')
        .filter((m) => m.startsWith(`${h.dataDir}/`));
    expect((await runcIds(h2.runcRoot)).length).toBeGreaterThan(0);
    expect((await podNetnsOf(h2)).length).toBeGreaterThan(0);
    // none of those pods is h2's any more: they were evicted and recreated on h1
    expect((await pods()).filter((p) => p.node === 'h2')).toEqual([]);

    await startAgentIn(h2);
    const wide = await until('both nodes Ready with their InternalIP again', 60_000, async () => {
      const out = await kubectl('get', 'nodes', '-o', 'wide');
      return hosts.every((h) =>
        new RegExp(`^${h.name}\\s+Ready\\s+.*\\s${h.ip.replaceAll('.', '\\.')}\\s`, 'm').test(out),
      )
        ? out
        : undefined;
    });
    expect(wide).toMatch(/INTERNAL-IP/);
    await until('no containers, pod netns or rootfs mounts left on h2', 90_000, async () =>
      (await runcIds(h2.runcRoot)).length === 0 &&
      (await podNetnsOf(h2)).length === 0 &&
      mountsOf(h2).length === 0
        ? true
        : undefined,
    );
    // h1's pods were not touched by h2's cleanup
    expect(await readyPods(4)).toBeDefined();
    await kubectl('delete', 'deployment', '-n', 'default', 'mnweb');
    await until('no pods', 90_000, async () => ((await pods()).length === 0 ? true : undefined));
    await until('no containers on either node', 60_000, async () =>
      (await Promise.all(hosts.map((h) => runcIds(h.runcRoot)))).every((ids) => ids.length === 0)
        ? true
        : undefined,
    );
  }, 240_000);
});
