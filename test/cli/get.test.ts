// `gantry get` and `gantry logs` (the built CLI, as a user runs it) against a real control plane
// over HTTPS, compared byte for byte with stock kubectl against the same server: the same
// objects, the same moment (ages are whole seconds, so a comparison that straddles a second
// boundary is retried).
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { KObject } from '../../src/api/types.js';
import { R } from '../../src/client/resources.js';
import type { PodLogSource } from '../../src/cluster/apiserver/handlers.js';
import { type ControlPlane, startControlPlane } from '../../src/cluster/control-plane.js';
import { CLI } from '../helpers/gantry-process.js';

const run = promisify(execFile);
let dir = '';
let cp: ControlPlane;

interface Result {
  stdout: string;
  stderr: string;
  code: number;
}

async function exec(cmd: string, args: readonly string[]): Promise<Result> {
  try {
    const r = await run(cmd, args, {
      env: { ...process.env, KUBECONFIG: cp.kubeconfigPath, HOME: dir },
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

const gantry = (...args: string[]) => exec(process.execPath, [CLI, ...args]);
const kubectl = (...args: string[]) => exec('kubectl', args);

/**
 * Ages in seconds (`7s`) as `Ns`: the two commands start a few hundred ms apart on a busy machine,
 * so a second boundary may fall between them. Everything else is compared byte for byte.
 */
const ages = (s: string) => s.replace(/(?<=\s)\d+s(?=\s|$)/gm, 'Ns');

/** `gantry get ARGS` and `kubectl get ARGS` print the same (stdout, stderr, exit code). */
async function same(...args: string[]): Promise<Result> {
  let last: [Result, Result] | undefined;
  for (let i = 0; i < 3; i++) {
    const [g, k] = await Promise.all([gantry('get', ...args), kubectl('get', ...args)]);
    if (ages(g.stdout) === ages(k.stdout) && g.stderr === k.stderr && g.code === k.code) {
      return g;
    }
    last = [g, k];
  }
  const [g, k] = last!;
  expect({ stdout: ages(g.stdout), stderr: g.stderr, code: g.code }).toEqual({
    stdout: ages(k.stdout),
    stderr: k.stderr,
    code: k.code,
  });
  return g;
}

const lines: Record<string, string[]> = {
  'web-1/web': ['starting web', 'listening on :8080', 'GET / 200'],
  'web-1/sidecar': ['sidecar up'],
};

/** What the node agents' log endpoint would answer, from memory: tailLines and follow honoured. */
const logSource: PodLogSource = {
  async stream(pod, opts, out, signal) {
    const all = lines[`${pod.metadata.name}/${opts.container ?? ''}`] ?? [];
    const tail = opts.tailLines !== undefined ? all.slice(-opts.tailLines) : all;
    out.writeHead(200, { 'Content-Type': 'text/plain' });
    for (const l of tail) {
      out.write(`${l}\n`);
    }
    if (opts.follow) {
      out.write('followed line\n');
      await new Promise<void>((r) => {
        signal.addEventListener('abort', () => r(), { once: true });
        setTimeout(r, 300);
      });
    }
    out.end();
  },
};

function pod(name: string, ns: string, labels: Record<string, string>, node?: string): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels },
    spec: {
      ...(node ? { nodeName: node } : {}),
      containers: [
        { name: 'web', image: 'web:v1' },
        { name: 'sidecar', image: 'side:v1' },
      ],
    },
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gantry-cli-get-'));
  cp = await startControlPlane({
    dataDir: join(dir, 'cp'),
    port: 0,
    store: 'memory',
    controllers: false,
    logs: () => logSource,
  });
  const c = cp.client;
  for (const name of ['shop', 'gantry', 'empty']) {
    await c.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }
  for (const [name, ip] of [
    ['node-a', '10.0.0.1'],
    ['node-b', '10.0.0.2'],
  ] as const) {
    await c.create(R.nodes, { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { zone: 'z1' } } });
    await c.patch(
      R.nodes,
      undefined,
      name,
      'merge',
      {
        status: {
          conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ok' }],
          addresses: [{ type: 'InternalIP', address: ip }],
          nodeInfo: {
            kubeletVersion: 'v1.30.0-gantry',
            osImage: 'Debian',
            kernelVersion: '6.1',
            containerRuntimeVersion: 'runc://1.1',
          },
        },
      },
      { subresource: 'status' },
    );
  }
  await c.create(R.pods, pod('web-1', 'default', { app: 'web', tier: 'front' }, 'node-a'));
  await c.create(R.pods, pod('web-2', 'default', { app: 'web' }, 'node-b'));
  await c.create(R.pods, pod('db-1', 'default', { app: 'db' }));
  await c.create(R.pods, pod('shop-1', 'shop', { app: 'shop' }, 'node-a'));
  await c.patch(
    R.pods,
    'default',
    'web-1',
    'merge',
    {
      status: {
        phase: 'Running',
        podIP: '10.244.0.5',
        conditions: [{ type: 'Ready', status: 'True' }],
        containerStatuses: [
          {
            name: 'web',
            ready: true,
            restartCount: 2,
            image: 'web:v1',
            imageID: '',
            state: { running: { startedAt: new Date().toISOString() } },
          },
          {
            name: 'sidecar',
            ready: true,
            restartCount: 0,
            image: 'side:v1',
            imageID: '',
            state: { running: {} },
          },
        ],
      },
    },
    { subresource: 'status' },
  );
  await c.create(R.deployments, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'web:v1' }] },
      },
    },
  });
  await c.create(R.services, {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default' },
    spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] },
  });
  await c.create(R.rollouts, {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Rollout',
    metadata: { name: 'shop', namespace: 'shop' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'shop' } },
      template: {
        metadata: { labels: { app: 'shop' } },
        spec: { containers: [{ name: 'shop', image: 'shop:v1' }] },
      },
      strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } },
    },
  });
  for (const name of ['web-staging', 'web-production']) {
    await c.create(R.applications, {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name, namespace: 'gantry' },
      spec: {
        project: 'default',
        source: { repoURL: 'https://example.com/r.git', path: name, targetRevision: 'main' },
        destination: { server: 'https://kubernetes.default.svc', namespace: 'default' },
      },
    });
  }
}, 60_000);

afterAll(async () => {
  await cp?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('gantry get prints what kubectl get prints', () => {
  it('pods: default namespace, -A, -o wide, -l, by name, --show-labels, --no-headers', async () => {
    expect((await same('pods')).stdout).toMatch(/^NAME {3,}READY {3,}STATUS/);
    expect((await same('pods', '-A')).stdout).toMatch(/^NAMESPACE {3,}NAME/);
    expect((await same('po', '-o', 'wide')).stdout).toContain('10.244.0.5');
    await same('pods', '-l', 'app=web');
    await same('pods', '-l', 'app in (web,db),tier!=front', '-A');
    await same('pod', 'web-1', 'web-2');
    await same('pods', '--show-labels');
    await same('pods', '--no-headers', '-n', 'shop');
    await same('pods', '--field-selector', 'spec.nodeName=node-a', '-A');
  });

  it('deployments, services, nodes, namespaces, rollouts, applications', async () => {
    await same('deploy');
    await same('deployments.apps', '-o', 'wide');
    await same('svc', '-A');
    await same('services', 'web', '-o', 'wide');
    await same('nodes');
    await same('no', '-o', 'wide');
    await same('ns');
    await same('ro', '-A');
    await same('rollouts.argoproj.io', '-n', 'shop', '-o', 'wide');
    await same('applications', '-n', 'gantry');
    await same('app', '-A');
  });

  it('-o name, several types, and type/name arguments', async () => {
    expect((await same('pods', '-o', 'name')).stdout).toContain('pod/web-1\n');
    expect((await same('deploy,svc', '-o', 'name')).stdout).toBe('deployment.apps/web\nservice/web\n');
    await same('ro', '-A', '-o', 'name');
    await same('pods,svc');
    await same('pod/web-1', 'svc/web');
  });

  it('-o json and -o yaml: the object, or a List', async () => {
    const one = await gantry('get', 'pod', 'web-1', '-o', 'json');
    const k1 = await kubectl('get', 'pod', 'web-1', '-o', 'json');
    expect(one.stdout).toBe(k1.stdout);
    const list = await gantry('get', 'deploy', '-o', 'json');
    expect(list.stdout).toBe((await kubectl('get', 'deploy', '-o', 'json')).stdout);
    const y = await gantry('get', 'ro', '-A', '-o', 'yaml');
    const ky = await kubectl('get', 'ro', '-A', '-o', 'yaml');
    expect(parse(y.stdout)).toEqual(parse(ky.stdout));
    expect(parse(y.stdout)).toMatchObject({ kind: 'List', apiVersion: 'v1', items: [{ kind: 'Rollout' }] });
  });

  it('says what kubectl says when nothing or the wrong thing is asked for', async () => {
    expect((await same('pods', '-n', 'empty')).stderr).toBe('No resources found in empty namespace.\n');
    await same('pods', '-A', '-l', 'app=nothing');
    await same('pods', '-n', 'empty', '-o', 'json');
    await same('pods', '-n', 'empty', '-o', 'name');
    await same('nodes', '-l', 'zone=nowhere');
    const missing = await same('pods', 'nope');
    expect(missing.stderr).toBe('Error from server (NotFound): pods "nope" not found\n');
    expect(missing.code).toBe(1);
    await same('pods', 'web-1', 'nope');
    const unknown = await gantry('get', 'bogus');
    expect(unknown.stderr).toBe(`error: the server doesn't have a resource type "bogus"\n`);
    expect(unknown.code).toBe(1);
  });
});

describe('gantry logs', () => {
  it("prints a container's log like kubectl logs, with -c, --tail and -f", async () => {
    const g = await gantry('logs', 'web-1', '-c', 'web');
    expect(g.stdout).toBe('starting web\nlistening on :8080\nGET / 200\n');
    expect(g.stdout).toBe((await kubectl('logs', 'web-1', '-c', 'web')).stdout);
    expect((await gantry('logs', 'pod/web-1', '-c', 'web', '--tail', '1')).stdout).toBe('GET / 200\n');
    const defaulted = await gantry('logs', 'web-1');
    expect(defaulted.stderr).toBe('Defaulted container "web" out of: web, sidecar\n');
    expect(defaulted.stdout).toBe(g.stdout);
    const f = await gantry('logs', '-f', 'web-1', '-c', 'sidecar');
    expect(f.stdout).toBe('sidecar up\nfollowed line\n');
    expect(f.code).toBe(0);
    const missing = await gantry('logs', 'nope');
    expect(missing.stderr).toBe('Error from server (NotFound): pods "nope" not found\n');
    expect(missing.code).toBe(1);
  });
});

describe('gantry version', () => {
  it('prints -o json|yaml, and refuses an unknown format', async () => {
    const j = JSON.parse((await gantry('version', '-o', 'json')).stdout);
    expect(j.clientVersion.gitVersion).toMatch(/\d/);
    expect(parse((await gantry('version', '-o', 'yaml')).stdout)).toEqual(j);
    const bad = await gantry('version', '-o', 'xml');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('unknown output format "xml"');
  });

  it('refuses an unknown command, even one named like an Object property', async () => {
    for (const name of ['nosuch', 'toString', 'constructor']) {
      const r = await gantry(name);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`unknown command '${name}'`);
    }
  });
});
