// End to end on this machine, with the real parts: a control plane (API server, scheduler,
// controllers), a real Distribution registry on loopback holding a busybox httpd image, and a node
// agent with the real image store (overlayfs), runc runtime and bridge network. A pod created
// like `kubectl run` ends Running with an IP the host reaches over HTTP; a sidecar shares an
// emptyDir and localhost with it; `kubectl logs` reads through the agent. Everything is removed
// afterwards (containers, mounts, netns, bridge) and the test checks that nothing is left.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Agent, agentPodLogSource, startAgent } from '../../src/agent/agent.js';
import { buildHttpdImage } from '../../src/agent/images/build-busybox-image.js';
import { LocalImageStore } from '../../src/agent/images/local-image-store.js';
import { readAgentAuthToken } from '../../src/agent/kubelet/pod-log-source.js';
import { BridgeNetwork } from '../../src/agent/network/bridge-network.js';
import { RuncRuntime } from '../../src/agent/runtime/runc-runtime.js';
import type { Pod } from '../../src/api/types.js';
import { R } from '../../src/client/resources.js';
import { createApiServer } from '../../src/cluster/apiserver/server.js';
import { ensurePki } from '../../src/cluster/auth/index.js';
import { type ControlPlane, startControlPlane } from '../../src/cluster/control-plane.js';
import { waitFor } from '../cluster/controllers/core-harness.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { samples, total } from '../observe/prom.js';
import { buildShim } from './runtime/rootfs.js';

const tag = randomBytes(3).toString('hex');
const BRIDGE = `gte${tag}`;
const NETNS_PREFIX = `gantry-e2e-${tag}-`;
const VETH_PREFIX = `ge${tag.slice(0, 4)}`;
const POD_CIDR = `10.251.${(Number.parseInt(tag, 16) % 200) + 20}.0/24`;

let dir: string;
let registry: TestRegistry | undefined;
let cp: ControlPlane | undefined;
let agent: Agent | undefined;
let runcRoot: string;

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
    .filter((l) => l.includes(BRIDGE) || l.includes(`${VETH_PREFIX}`));
  if (links.length > 0) {
    out.push(`links: ${links.join(' | ')}`);
  }
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gantry-e2e-'));
  runcRoot = join(dir, 'runc');
  registry = await startRegistry();
  const image = await buildHttpdImage(
    join(dir, 'layout'),
    'gantry.test/httpd:1',
    '<h1>hello from gantry</h1>\n',
  );
  await registry.push(image.dir, 'demo/httpd:1');
  cp = await startControlPlane({
    dataDir: join(dir, 'server'),
    port: 0,
    store: 'memory',
    insecureHttp: true,
    logs: agentPodLogSource,
  });
  const agentDir = join(dir, 'agent');
  agent = await startAgent({
    apiServer: cp.url,
    token: cp.tokens.createNodeToken(),
    nodeName: `e2e-${tag}`,
    dataDir: agentDir,
    podCidr: POD_CIDR,
    address: '127.0.0.1',
    port: 0,
    dns: false,
    proxy: false,
    images: new LocalImageStore({ root: join(agentDir, 'images'), insecureRegistries: [registry.host] }),
    runtime: new RuncRuntime({ root: join(agentDir, 'containers'), runcRoot, shimPath: buildShim(dir) }),
    network: new BridgeNetwork({
      stateDir: join(agentDir, 'network'),
      bridgeName: BRIDGE,
      netnsPrefix: NETNS_PREFIX,
      vethPrefix: VETH_PREFIX,
    }),
  });
}, 60_000);

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

describe('node agent end to end (runc, overlayfs, bridge, registry)', () => {
  it('runs a pod from a registry image: Running with an IP that answers HTTP from the host', async () => {
    const client = cp!.client;
    const created = Date.now();
    await client.create(R.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'myhttpd', namespace: 'default', labels: { run: 'myhttpd' } },
      spec: { containers: [{ name: 'myhttpd', image: `${registry!.host}/demo/httpd:1` }] },
    });
    const pod = (await waitFor(
      'pod Running',
      async () => {
        const p = (await client.get(R.pods, 'default', 'myhttpd')) as Pod;
        return p.status?.phase === 'Running' && p.status.podIP ? p : undefined;
      },
      30_000,
    )) as Pod;
    console.log(`created → Running (cold image pull) in ${Date.now() - created} ms`);
    expect(pod.spec.nodeName).toBe(`e2e-${tag}`);
    expect(pod.status?.containerStatuses?.[0]).toMatchObject({
      ready: true,
      started: true,
      restartCount: 0,
      image: `${registry!.host}/demo/httpd:1`,
      imageID: expect.stringMatching(new RegExp(`^${registry!.host}/demo/httpd@sha256:[0-9a-f]{64}$`)),
      containerID: expect.stringMatching(/^gantry:\/\//),
    });
    const ip = pod.status!.podIP!;
    expect(ip.startsWith(POD_CIDR.split('.').slice(0, 3).join('.'))).toBe(true);
    const body = await waitFor('HTTP answer', async () => (await fetch(`http://${ip}/`)).text(), 10_000);
    expect(body).toBe('<h1>hello from gantry</h1>\n');

    const res = await fetch(`${cp!.url}/api/v1/namespaces/default/pods/myhttpd/log`, {
      headers: { Authorization: `Bearer ${cp!.adminToken}` },
    });
    expect(res.status).toBe(200);
    await res.text();
  }, 60_000);

  it('shares an emptyDir and localhost between two containers of a pod', async () => {
    const client = cp!.client;
    await client.create(R.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'pair', namespace: 'default' },
      spec: {
        volumes: [{ name: 'shared', emptyDir: {} }],
        containers: [
          {
            name: 'web',
            image: `${registry!.host}/demo/httpd:1`,
            command: ['httpd', '-f', '-p', '8080', '-h', '/shared'],
            volumeMounts: [{ name: 'shared', mountPath: '/shared' }],
          },
          {
            name: 'writer',
            image: `${registry!.host}/demo/httpd:1`,
            command: [
              'sh',
              '-c',
              'echo written-by-$(POD) > /shared/index.html; sleep 1; wget -q -O /shared/self.txt http://127.0.0.1:8080/index.html; exec sleep 3600',
            ],
            env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
            volumeMounts: [{ name: 'shared', mountPath: '/shared' }],
          },
        ],
      },
    });
    const pod = (await waitFor(
      'pair Running',
      async () => {
        const p = (await client.get(R.pods, 'default', 'pair')) as Pod;
        return p.status?.phase === 'Running' && p.status.podIP ? p : undefined;
      },
      30_000,
    )) as Pod;
    const ip = pod.status!.podIP!;
    expect(
      await waitFor('index', async () => (await fetch(`http://${ip}:8080/index.html`)).text(), 10_000),
    ).toBe('written-by-pair\n');
    // the writer reached the web server over the pod's shared localhost
    expect(
      await waitFor(
        'self',
        async () => {
          const r = await fetch(`http://${ip}:8080/self.txt`);
          return r.status === 200 ? r.text() : undefined;
        },
        10_000,
      ),
    ).toBe('written-by-pair\n');

    // deleting the pod stops it gracefully and removes it
    await client.delete(R.pods, 'default', 'pair', { gracePeriodSeconds: 1 });
    await waitFor(
      'pair gone',
      async () => {
        try {
          await client.get(R.pods, 'default', 'pair');
          return false;
        } catch {
          return true;
        }
      },
      15_000,
    );
  }, 60_000);
  it('reports the pod lifecycle as kubelet events (kubectl describe, field selectors) and serves /metrics', async () => {
    const client = cp!.client;
    const node = `e2e-${tag}`;
    const pod = await client.get(R.pods, 'default', 'myhttpd');
    const selector = [
      'involvedObject.kind=Pod',
      'involvedObject.name=myhttpd',
      'involvedObject.namespace=default',
      `involvedObject.uid=${pod.metadata.uid}`,
      'source=kubelet',
    ].join(',');
    const events = await waitFor('kubelet events', async () => {
      const l = await client.list(R.events, { namespace: 'default', fieldSelector: selector });
      return l.items.some((e) => e.reason === 'Started') ? l.items : undefined;
    });
    const image = `${registry!.host}/demo/httpd:1`;
    const seen = events.map((e) => `${e.reason}: ${e.message}`);
    expect(seen).toHaveLength(4);
    expect(seen).toEqual(
      expect.arrayContaining([
        `Pulling: Pulling image "${image}"`,
        expect.stringMatching(new RegExp(`^Pulled: Successfully pulled image "${image}" in [0-9.]+m?s$`)),
        'Created: Created container myhttpd',
        'Started: Started container myhttpd',
      ]),
    );
    for (const e of events) {
      expect(e.source).toEqual({ component: 'kubelet', host: node });
      expect(e.involvedObject.fieldPath).toBe('spec.containers{myhttpd}');
    }
    // the second pod found the image on the node; its deletion stopped both containers once
    const pair = await client.list(R.events, {
      namespace: 'default',
      fieldSelector: 'involvedObject.name=pair,source=kubelet',
    });
    const pairReasons = pair.items.map((e) => `${e.reason}: ${e.message}`);
    expect(pairReasons).toContain(`Pulled: Container image "${image}" already present on machine`);
    expect(pairReasons.filter((r) => r.startsWith('Killing')).sort()).toEqual([
      'Killing: Stopping container web',
      'Killing: Stopping container writer',
    ]);

    // stock kubectl, the way users look at it (it sends tokens over TLS only: a second, HTTPS
    // listener over the same registry, as another server replica would be)
    const pki = await ensurePki(join(dir, 'server'), ['127.0.0.1']);
    const tls = createApiServer({
      registry: cp!.registry,
      authenticator: cp!.tokens,
      tls: { cert: pki.certPem, key: pki.keyPem },
    });
    const tlsUrl = await tls.listen(0);
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{name: e2e, cluster: {server: "${tlsUrl}", certificate-authority-data: "${Buffer.from(cp!.caPem).toString('base64')}"}}]`,
        `users: [{name: admin, user: {token: "${cp!.adminToken}"}}]`,
        'contexts: [{name: e2e, context: {cluster: e2e, user: admin}}]',
        'current-context: e2e',
        '',
      ].join('\n'),
    );
    // async: the API server answering kubectl runs in this process
    const kubectl = async (...args: string[]) =>
      (
        await promisify(execFile)('kubectl', args, {
          encoding: 'utf8',
          timeout: 30_000,
          env: { ...process.env, KUBECONFIG: kubeconfig, HOME: dir },
        })
      ).stdout;
    try {
      const described = await kubectl('describe', 'pod', 'myhttpd');
      const section = described.slice(described.indexOf('Events:'));
      expect(section).toMatch(/Normal\s+Pulling\s+.*kubelet\s+Pulling image/);
      expect(section).toMatch(/Normal\s+Started\s+.*kubelet\s+Started container myhttpd/);
      const started = await kubectl('get', 'events', '-n', 'default', '--field-selector', 'reason=Started');
      const rows = started.trim().split('\n').slice(1);
      expect(rows).toHaveLength(3); // myhttpd, pair/web, pair/writer
      expect(rows.every((r) => /\bNormal\s+Started\s+pod\//.test(r))).toBe(true);
    } finally {
      await tls.close();
    }

    // the agent's own /metrics, behind the same token as its log endpoint
    const base = `http://127.0.0.1:${agent!.agentPort}/metrics`;
    expect((await fetch(base)).status).toBe(401);
    const token = await readAgentAuthToken(client);
    const res = await fetch(base, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(total(text, 'kubelet_running_pods')).toBeGreaterThanOrEqual(1);
    expect(total(text, 'kubelet_running_containers', { container_state: 'running' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(total(text, 'kubelet_pod_start_duration_seconds_count')).toBeGreaterThanOrEqual(2);
    expect(
      total(text, 'gantry_image_pull_duration_seconds_count', { result: 'success' }),
    ).toBeGreaterThanOrEqual(1);
    // one process, one registry: the API server's metrics are there too
    expect(samples(text, 'apiserver_request_total').length).toBeGreaterThan(0);
  }, 60_000);
});
