// The node agent against a real control plane (HTTP API server, scheduler, endpoints controller,
// node IPAM) with fake images / runtime / network, so it runs without root: join, pod CIDR,
// lease, node status, pods scheduled and run, Endpoints fed to the service proxy, kubectl logs
// proxied through the agent's endpoint.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Agent, agentPodLogSource, startAgent } from '../../src/agent/agent.js';
import type { ServicePortRule, ServiceProxy } from '../../src/agent/types.js';
import { InformerFactory } from '../../src/client/informer-factory.js';
import { R } from '../../src/client/resources.js';
import { type ControlPlane, startControlPlane } from '../../src/cluster/control-plane.js';
import { waitFor } from '../cluster/controllers/core-harness.js';
import { FakeImages, FakeNetwork, FakeRuntime } from './kubelet/fakes.js';

class RecordingProxy implements ServiceProxy {
  rules: readonly ServicePortRule[] = [];
  shutdowns = 0;
  async sync(rules: readonly ServicePortRule[]): Promise<void> {
    this.rules = rules;
  }
  async shutdown(): Promise<void> {
    this.shutdowns++;
  }
}

interface Env {
  cp: ControlPlane;
  agent?: Agent;
  informers: InformerFactory;
  dir: string;
}

let env: Env | undefined;
afterEach(async () => {
  if (env) {
    await env.agent?.stop({ removePods: true });
    env.informers.stop();
    await env.cp.stop();
    rmSync(env.dir, { recursive: true, force: true });
    env = undefined;
  }
});

describe('startAgent', () => {
  it('joins, runs scheduled pods, feeds the service proxy and serves logs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gantry-agent-'));
    const cp = await startControlPlane({
      dataDir: join(dir, 'server'),
      port: 0,
      store: 'memory',
      insecureHttp: true,
      logs: agentPodLogSource,
    });
    const informers = new InformerFactory(cp.client);
    await informers.start();
    env = { cp, informers, dir };

    const clock = { now: () => new Date() };
    const images = new FakeImages();
    images.add('busybox:1.36', { cmd: ['sleep', '3600'] });
    const runtime = new FakeRuntime(clock);
    const network = new FakeNetwork();
    const proxy = new RecordingProxy();
    const token = cp.tokens.createNodeToken();
    env.agent = await startAgent({
      apiServer: cp.url,
      token,
      nodeName: 'node-a',
      dataDir: join(dir, 'agent'),
      address: '127.0.0.1',
      port: 0,
      dns: false,
      leaseRenewMs: 100,
      images,
      runtime,
      network,
      proxy,
    });
    const agent = env.agent;
    expect(agent.podCidr).toBe('10.244.0.0/24');
    expect(network.events).toContain('init 10.244.0.0/24');

    const node = await cp.client.get(R.nodes, undefined, 'node-a');
    expect(node.metadata.labels?.['kubernetes.io/hostname']).toBe('node-a');
    expect(node.status.nodeInfo).toMatchObject({
      kubeletVersion: 'v1.32.0-gantry',
      operatingSystem: 'linux',
      architecture: 'amd64',
    });
    expect(node.status.nodeInfo.containerRuntimeVersion).toMatch(/^runc:\/\//);
    expect(node.status.addresses).toContainEqual({ type: 'InternalIP', address: '127.0.0.1' });
    expect(node.status.daemonEndpoints.kubeletEndpoint.Port).toBe(agent.agentPort);
    expect(node.status.conditions.map((c: any) => `${c.type}=${c.status}`)).toEqual([
      'MemoryPressure=False',
      'DiskPressure=False',
      'PIDPressure=False',
      'Ready=True',
    ]);
    expect(Number(node.status.capacity.cpu)).toBeGreaterThan(0);
    const lease1 = await cp.client.get(R.leases, 'kube-node-lease', 'node-a');
    await waitFor(
      'lease renewed',
      async () =>
        (await cp.client.get(R.leases, 'kube-node-lease', 'node-a')).spec.renewTime !== lease1.spec.renewTime,
    );

    // a pod without a node: the scheduler places it, the agent runs it
    let ready = true;
    runtime.execHandler = () => ({ exitCode: ready ? 0 : 1, output: '', timedOut: false });
    await cp.client.create(R.pods, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
      spec: {
        containers: [
          {
            name: 'app',
            image: 'busybox:1.36',
            ports: [{ containerPort: 80 }],
            readinessProbe: { exec: { command: ['ok'] }, periodSeconds: 1, failureThreshold: 1 },
          },
        ],
      },
    });
    await cp.client.create(R.services, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default' },
      spec: { selector: { app: 'web' }, ports: [{ port: 8080, targetPort: 80 }] },
    });
    const pod = await waitFor('pod Running and Ready', async () => {
      const p = await cp.client.get(R.pods, 'default', 'web');
      return p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')
        ? p
        : undefined;
    });
    expect(pod.spec.nodeName).toBe('node-a');
    expect(pod.status.podIP).toMatch(/^127\.0\.0\.\d+$/);
    const ruleFor = () => proxy.rules.find((r) => r.service === 'web');
    await waitFor('endpoint in proxy rules', () =>
      ruleFor()?.endpoints.some((e) => e.ready && e.ip === pod.status.podIP),
    );
    expect(ruleFor()).toMatchObject({
      namespace: 'default',
      port: 8080,
      protocol: 'TCP',
      endpoints: [{ ip: pod.status.podIP, port: 80, ready: true }],
    });
    expect(agent.services.lookup('web.default.svc.cluster.local')).toEqual([ruleFor()!.clusterIP]);

    // readiness fails: the endpoint turns not-ready in the proxy's rules
    ready = false;
    await waitFor(
      'endpoint not ready',
      () => ruleFor()?.endpoints.every((e) => !e.ready) && ruleFor()!.endpoints.length > 0,
      5000,
    );

    // kubectl logs → API server → agent endpoint (shared token) → runtime.readLog
    const res = await fetch(`${cp.url}/api/v1/namespaces/default/pods/web/log?container=app`, {
      headers: { Authorization: `Bearer ${cp.adminToken}` },
    });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(await res.text()).toMatch(/^log of .*\/pods\/[^/]+\/logs\/app\/0\.log\n$/);
    const prev = await fetch(`${cp.url}/api/v1/namespaces/default/pods/web/log?previous=true`, {
      headers: { Authorization: `Bearer ${cp.adminToken}` },
    });
    expect(prev.status).toBe(400);
    expect(((await prev.json()) as { message: string }).message).toContain(
      'previous terminated container "app"',
    );
    // the agent endpoint refuses callers without the shared token
    const direct = await fetch(`http://127.0.0.1:${agent.agentPort}/containerLogs/default/web/app`);
    expect(direct.status).toBe(401);

    // a plain stop keeps the pods; a restarted agent adopts them
    await agent.stop();
    env.agent = undefined;
    expect(runtime.containers.size).toBe(1);
    env.agent = await startAgent({
      apiServer: cp.url,
      token,
      nodeName: 'node-a',
      dataDir: join(dir, 'agent'),
      address: '127.0.0.1',
      port: 0,
      dns: false,
      images,
      runtime,
      network,
      proxy,
    });
    expect(env.agent.podCidr).toBe('10.244.0.0/24');
    await env.agent.kubelet.idle();
    expect(runtime.events.filter((e) => e.startsWith('run'))).toEqual(['run app#0']);

    // stop({ removePods }) leaves nothing on the node
    await env.agent.stop({ removePods: true });
    env.agent = undefined;
    expect(runtime.containers.size).toBe(0);
    expect(network.pods.size).toBe(0);
    expect(network.events).toContain('shutdown');
    expect(proxy.shutdowns).toBe(1);
  });
});
