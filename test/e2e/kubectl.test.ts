// Stock kubectl against a real `gantry server` process, with the kubeconfig Gantry wrote:
// default flags (client-side validation on, TLS verified), as a new user would type them.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { R } from '../../src/client/resources.js';
import { startFakeNode } from '../fake-node.js';
import { type GantryProcess, startGantry } from '../helpers/gantry-process.js';

const run = promisify(execFile);
const APP = join(import.meta.dirname, 'testdata/app.yaml');

let g: GantryProcess;
let home: string;
let nodes: { stop(): Promise<void> | void }[] = [];

async function kubectl(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const r = await run('kubectl', args, {
      env: { ...process.env, KUBECONFIG: g.kubeconfig, HOME: home },
      timeout: 60_000,
    });
    return { stdout: r.stdout, stderr: r.stderr, code: 0 };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; code?: number };
    return {
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? '',
      code: typeof err.code === 'number' ? err.code : 1,
    };
  }
}

async function ok(...args: string[]): Promise<string> {
  const r = await kubectl(...args);
  if (r.code !== 0) {
    throw new Error(`kubectl ${args.join(' ')} failed (${r.code}):\n${r.stderr}${r.stdout}`);
  }
  return r.stdout;
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined) {
        return v;
      }
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'gantry-kubectl-home-'));
  g = await startGantry();
  nodes = [
    await startFakeNode(g.client, { name: 'node-a', leaseRenewMs: 1000 }),
    await startFakeNode(g.client, { name: 'node-b', leaseRenewMs: 1000 }),
  ];
}, 60_000);

afterAll(async () => {
  for (const n of nodes) {
    await n.stop();
  }
  await g?.dispose();
  rmSync(home, { recursive: true, force: true });
});

describe('stock kubectl against gantry server', () => {
  it('reports the version and lists nodes and namespaces', async () => {
    expect(await ok('version', '-o', 'json')).toContain('"serverVersion"');
    const nodesOut = await ok('get', 'nodes');
    expect(nodesOut).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION/);
    expect(nodesOut).toMatch(/node-a\s+Ready/);
    expect(await ok('get', 'ns')).toMatch(/default\s+Active/);
  });

  it('applies manifests with validation, and a second apply is unchanged', async () => {
    const first = await ok('apply', '-f', APP);
    expect(first).toContain('namespace/shop created');
    expect(first).toContain('replicaset.apps/web created');
    expect(first).toContain('service/web created');
    const second = await ok('apply', '-f', APP);
    expect(second).toContain('namespace/shop unchanged');
    expect(second).toContain('configmap/web-config unchanged');
    expect(second).toContain('replicaset.apps/web unchanged');
    expect(second).toContain('service/web unchanged');
  });

  it('rejects an unknown field the way Kubernetes does (strict validation)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gantry-bad-'));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\n  namespace: shop\ndata:\n  a: b\nsurprise: true\n',
    );
    const r = await kubectl('apply', '-f', bad);
    rmSync(dir, { recursive: true, force: true });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown field "surprise"/);
    expect((await kubectl('get', 'configmap', 'bad', '-n', 'shop')).code).not.toBe(0);
  });

  it('runs the ReplicaSet: pods scheduled, Running, with IP and NODE in -o wide', async () => {
    await until('2 running pods', async () => {
      const out = await ok('get', 'pods', '-n', 'shop', '--no-headers');
      const running = out.split('\n').filter((l) => /\s1\/1\s+Running\s/.test(l));
      return running.length === 2 ? running : undefined;
    });
    const wide = await ok('get', 'pods', '-n', 'shop', '-o', 'wide');
    expect(wide).toMatch(
      /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES/,
    );
    expect(wide).toMatch(/web-\w{5}\s+1\/1\s+Running\s+0\s+\S+\s+10\.244\.\d+\.\d+\s+node-[ab]/);
    const yaml = await ok('get', 'pods', '-n', 'shop', '-o', 'yaml');
    expect(yaml).toContain('kind: List');
    expect(yaml).toContain('ownerReferences:');
    const rs = await ok('get', 'rs', '-n', 'shop');
    expect(rs).toMatch(/web\s+2\s+2\s+2\s/);
    const svc = await ok('get', 'svc', '-n', 'shop');
    expect(svc).toMatch(/web\s+NodePort\s+10\.96\.\d+\.\d+\s+<none>\s+80:3\d{4}\/TCP/);
  });

  it('selects with set-based label selectors', async () => {
    const prod = await ok('get', 'pods', '-A', '-l', 'env in (prod,qa)', '--no-headers');
    expect(prod.trim().split('\n')).toHaveLength(2);
    const none = await kubectl('get', 'pods', '-A', '-l', 'env notin (prod)');
    expect(none.stderr + none.stdout).toMatch(/No resources found/);
  });

  it('scales, describes and shows events', async () => {
    expect(await ok('scale', 'rs', 'web', '-n', 'shop', '--replicas=3')).toMatch(
      /replicaset.apps\/web scaled/,
    );
    await until('3 pods', async () => {
      const out = await ok('get', 'pods', '-n', 'shop', '--no-headers');
      return out
        .trim()
        .split('\n')
        .filter((l) => /Running/.test(l)).length === 3
        ? true
        : undefined;
    });
    const d = await ok('describe', 'rs', 'web', '-n', 'shop');
    expect(d).toMatch(/Replicas:\s+3 current \/ 3 desired/);
    expect(d).toMatch(/SuccessfulCreate/);
    const ev = await ok('get', 'events', '-n', 'shop');
    expect(ev).toMatch(/LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE/);
    expect(ev).toMatch(/Scheduled\s+pod\/web-/);
    const dp = await ok('describe', 'pod', '-n', 'shop', '-l', 'app=web');
    expect(dp).toMatch(/Node:\s+node-[ab]/);
    expect(dp).toMatch(/Status:\s+Running/);
  });

  it('kubectl create (protobuf bodies) for the common kinds', async () => {
    expect(await ok('create', 'namespace', 'made')).toContain('namespace/made created');
    expect(await ok('create', 'configmap', 'cm1', '-n', 'made', '--from-literal=a=b')).toContain(
      'configmap/cm1 created',
    );
    expect(await ok('create', 'secret', 'generic', 's1', '-n', 'made', '--from-literal=k=v')).toContain(
      'secret/s1 created',
    );
    expect(await ok('create', 'service', 'nodeport', 'np', '-n', 'made', '--tcp=80:8080')).toContain(
      'service/np created',
    );
    expect(await ok('create', 'job', 'once', '-n', 'made', '--image=busybox', '--', 'true')).toContain(
      'job.batch/once created',
    );
    expect(await ok('get', 'secret', 's1', '-n', 'made', '-o', 'jsonpath={.data.k}')).toBe(
      Buffer.from('v').toString('base64'),
    );
    expect(
      await ok('get', 'job', 'once', '-n', 'made', '-o', 'jsonpath={.spec.selector.matchLabels}'),
    ).toContain('batch.kubernetes.io/controller-uid');
    await until('job complete', async () => {
      const out = await ok('get', 'job', 'once', '-n', 'made', '--no-headers');
      return /Complete\s+1\/1/.test(out) ? out : undefined;
    });
  });

  it('rolls a Deployment with kubectl: create, rollout status, set image, history, undo, scale, restart', async () => {
    expect(
      await ok('create', 'deployment', 'api', '-n', 'made', '--image=registry.local/api:v1', '--replicas=3'),
    ).toContain('deployment.apps/api created');
    expect(await ok('rollout', 'status', 'deployment/api', '-n', 'made', '--timeout=60s')).toContain(
      'deployment "api" successfully rolled out',
    );
    await ok('set', 'image', 'deployment/api', '-n', 'made', 'api=registry.local/api:v2');
    expect(await ok('rollout', 'status', 'deployment/api', '-n', 'made', '--timeout=60s')).toContain(
      'successfully rolled out',
    );
    const history = await ok('rollout', 'history', 'deployment/api', '-n', 'made');
    expect(history).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    expect(await ok('rollout', 'undo', 'deployment/api', '-n', 'made')).toContain(
      'deployment.apps/api rolled back',
    );
    await ok('rollout', 'status', 'deployment/api', '-n', 'made', '--timeout=60s');
    expect(
      await ok(
        'get',
        'deployment',
        'api',
        '-n',
        'made',
        '-o',
        'jsonpath={.spec.template.spec.containers[0].image}',
      ),
    ).toBe('registry.local/api:v1');
    expect(await ok('get', 'rs', '-n', 'made', '--no-headers')).toMatch(/api-\w+\s+3\s+3\s+3/);
    expect(await ok('scale', 'deployment', 'api', '-n', 'made', '--replicas=1')).toContain(
      'deployment.apps/api scaled',
    );
    await ok('rollout', 'restart', 'deployment/api', '-n', 'made');
    await ok('rollout', 'status', 'deployment/api', '-n', 'made', '--timeout=60s');
    expect(await ok('get', 'deployment', 'api', '-n', 'made', '--no-headers')).toMatch(/api\s+1\/1\s+1\s+1/);
  });

  it('creates a namespace, lists everything across namespaces, deletes', async () => {
    expect(await ok('create', 'namespace', 'scratch')).toContain('namespace/scratch created');
    const all = await ok('get', 'all', '-A');
    expect(all).toMatch(/shop\s+pod\/web-/);
    expect(all).toMatch(/shop\s+service\/web\s/);
    expect(all).toMatch(/shop\s+replicaset.apps\/web\s/);
    expect(await ok('delete', 'namespace', 'scratch')).toContain('namespace "scratch" deleted');
    expect(await ok('delete', 'rs', 'web', '-n', 'shop')).toContain('replicaset.apps "web" deleted');
    await until('pods gone', async () => {
      const list = await g.client.list(R.pods, { namespace: 'shop' });
      return list.items.length === 0 ? true : undefined;
    });
  });
});
