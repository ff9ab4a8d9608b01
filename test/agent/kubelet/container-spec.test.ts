import { describe, expect, it } from 'vitest';
import {
  buildContainerSpec,
  containerResources,
  resolveUser,
} from '../../../src/agent/kubelet/container-spec.js';
import {
  buildArgs,
  ConfigError,
  containerEnv,
  type EnvContext,
  expandVars,
  mergeEnv,
} from '../../../src/agent/kubelet/env.js';
import { planVolumes } from '../../../src/agent/kubelet/volumes.js';
import type { LocalImage } from '../../../src/agent/types.js';
import type { KObject } from '../../../src/api/types.js';
import { pod } from './plan-fixtures.js';

const cm = (name: string, data: Record<string, string>): KObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'default' },
  data,
});
const secret = (name: string, data: Record<string, string>): KObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, namespace: 'default' },
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
});

const ctx = (over: Partial<EnvContext> = {}): EnvContext => ({
  configMaps: new Map([['cfg', cm('cfg', { MODE: 'prod', LEVEL: 'debug', 'bad=key': 'x' })]]),
  secrets: new Map([['creds', secret('creds', { PASSWORD: 's3cret' })]]),
  podIP: '10.244.1.7',
  hostIP: '192.168.1.10',
  nodeAllocatable: { cpuMilli: 4000, memoryBytes: 8 * 2 ** 30 },
  ...over,
});

const image = (config: LocalImage['config'] = {}): LocalImage => ({
  ref: 'docker.io/library/httpd:2.4',
  digest: 'sha256:1234',
  layerDirs: [],
  config,
  sizeBytes: 1,
});

describe('expandVars', () => {
  it('expands $(VAR), keeps unknown references and unescapes $$', () => {
    const vars = new Map([
      ['A', 'x'],
      ['B', 'y'],
    ]);
    const look = (n: string) => vars.get(n);
    expect(expandVars('$(A)-$(B)', look)).toBe('x-y');
    expect(expandVars('$(C) $(A', look)).toBe('$(C) $(A');
    expect(expandVars('$$(A) $$ $x $', look)).toBe('$(A) $ $x $');
    expect(expandVars('$()', look)).toBe('$()');
  });
});

describe('container env', () => {
  it('layers envFrom, env with valueFrom, and expands earlier definitions', () => {
    const p = pod(
      {
        containers: [
          {
            name: 'app',
            image: 'httpd:2.4',
            envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }],
            env: [
              { name: 'GREETING', value: 'hello $(CFG_MODE) $(NOPE)' },
              { name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'PASSWORD' } } },
              { name: 'MISSING', valueFrom: { configMapKeyRef: { name: 'nope', key: 'x', optional: true } } },
              { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
              { name: 'UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
              { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
              { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
              { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
              { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
              { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
            ],
            resources: { limits: { memory: '64Mi' } },
          },
        ],
      },
      { labels: { app: 'web' } },
    );
    const vars = containerEnv(p, p.spec.containers[0]!, ctx());
    expect(Object.fromEntries(vars)).toEqual({
      CFG_MODE: 'prod',
      CFG_LEVEL: 'debug',
      GREETING: 'hello prod $(NOPE)',
      PW: 's3cret',
      POD: 'web',
      NS: 'default',
      UID: 'uid-1',
      IP: '10.244.1.7',
      NODE: 'n1',
      APP: 'web',
      MEM: '64',
      CPU: '4',
    });
    expect(mergeEnv({ env: ['PATH=/bin', 'MODE=dev', 'CFG_MODE=img'] }, vars).slice(0, 3)).toEqual([
      'PATH=/bin',
      'MODE=dev',
      'CFG_MODE=prod',
    ]);
  });

  it('fails with CreateContainerConfigError on a missing object or key that is not optional', () => {
    const c = (env: any[]) => ({ name: 'app', image: 'x', env });
    expect(() =>
      containerEnv(
        pod(),
        c([{ name: 'A', valueFrom: { configMapKeyRef: { name: 'nope', key: 'k' } } }]),
        ctx(),
      ),
    ).toThrow(new ConfigError('configmap "nope" not found'));
    expect(() =>
      containerEnv(
        pod(),
        c([{ name: 'A', valueFrom: { secretKeyRef: { name: 'creds', key: 'nokey' } } }]),
        ctx(),
      ),
    ).toThrow(/couldn't find key nokey in Secret default\/creds/);
    expect(() =>
      containerEnv(pod(), { name: 'app', envFrom: [{ secretRef: { name: 'gone' } }] }, ctx()),
    ).toThrow(/secret "gone" not found/);
    expect(
      containerEnv(pod(), { name: 'app', envFrom: [{ secretRef: { name: 'gone', optional: true } }] }, ctx())
        .size,
    ).toBe(0);
  });
});

describe('argv', () => {
  const img = { entrypoint: ['/entry'], cmd: ['--default'] };
  const vars = new Map([['PORT', '8080']]);
  it.each([
    [{}, ['/entry', '--default']],
    [{ args: ['--port=$(PORT)'] }, ['/entry', '--port=8080']],
    [{ command: ['/bin/sh', '-c'] }, ['/bin/sh', '-c']],
    [{ command: ['/bin/sh', '-c'], args: ['echo $(PORT) $$(PORT)'] }, ['/bin/sh', '-c', 'echo 8080 $(PORT)']],
  ])('%j → %j', (over, argv) => {
    expect(buildArgs({ name: 'c', ...over }, img, vars)).toEqual(argv);
  });
});

describe('users and resources', () => {
  const db = {
    passwd: 'root:x:0:0::/:/bin/sh\nwww-data:x:33:33::/var/www:/bin/sh\n',
    group: 'root:x:0:\nstaff:x:50:\n',
  };
  it('resolves image users by name and securityContext overrides', () => {
    const p = pod();
    const c = p.spec.containers[0]!;
    expect(resolveUser(p, c, image({ user: 'www-data' }), db)).toEqual({
      uid: 33,
      gid: 33,
      additionalGids: [],
    });
    expect(resolveUser(p, c, image({ user: '1000:staff' }), db)).toEqual({
      uid: 1000,
      gid: 50,
      additionalGids: [],
    });
    const sc = pod({
      securityContext: { runAsUser: 2000, runAsGroup: 3000, fsGroup: 4000, supplementalGroups: [5000] },
    });
    expect(resolveUser(sc, c, image({ user: 'www-data' }), db)).toEqual({
      uid: 2000,
      gid: 3000,
      additionalGids: [4000, 5000],
    });
    expect(() => resolveUser(p, c, image({ user: 'nobody' }), db)).toThrow(/unable to find user nobody/);
    expect(() => resolveUser(pod({ securityContext: { runAsNonRoot: true } }), c, image(), db)).toThrow(
      /runAsNonRoot/,
    );
  });

  it('maps limits to cgroup values and rejects bad quantities', () => {
    expect(
      containerResources({ name: 'c', resources: { limits: { cpu: '500m', memory: '128Mi' } } }),
    ).toEqual({
      cpuLimitMilli: 500,
      cpuRequestMilli: 500,
      memoryLimitBytes: 128 * 2 ** 20,
    });
    expect(() => containerResources({ name: 'c', resources: { limits: { memory: 'lots' } } })).toThrow(
      ConfigError,
    );
  });
});

describe('buildContainerSpec', () => {
  it('builds the bundle inputs of one attempt from pod, image, network and volumes', () => {
    const p = pod(
      {
        volumes: [
          { name: 'data', emptyDir: {} },
          { name: 'claim', persistentVolumeClaim: { claimName: 'db' } },
        ],
        containers: [
          {
            name: 'web',
            image: 'httpd:2.4',
            args: ['-p', '$(PORT)'],
            env: [{ name: 'PORT', value: '80' }],
            workingDir: '/srv',
            volumeMounts: [
              { name: 'data', mountPath: '/data' },
              { name: 'claim', mountPath: '/var/lib/db', subPath: 'one', readOnly: true },
            ],
            securityContext: {
              readOnlyRootFilesystem: true,
              capabilities: { add: ['NET_ADMIN'], drop: ['MKNOD'] },
            },
            resources: { limits: { memory: '64Mi' } },
          },
        ],
      },
      { name: 'web-1' },
    );
    const volumes = planVolumes(p, { dataDir: '/d', allowedHostPaths: [] });
    const spec = buildContainerSpec({
      pod: p,
      container: p.spec.containers[0]!,
      kind: 'regular',
      attempt: 2,
      image: image({ entrypoint: ['httpd-foreground'], env: ['PATH=/usr/bin'] }),
      rootfs: '/d/pods/uid-1/containers/web-2/rootfs',
      network: { netnsPath: '/var/run/netns/gantry-x', ip: '10.244.1.7', gateway: '10.244.1.1' },
      volumes,
      etc: { hosts: '/e/hosts', hostname: '/e/hostname', resolvConf: '/e/resolv.conf' },
      env: ctx(),
      user: { uid: 0, gid: 0, additionalGids: [] },
      dataDir: '/d',
      cgroupParent: '/gantry/poduid-1',
    });
    expect(spec).toMatchObject({
      id: 'uid-1-web-2',
      podUid: 'uid-1',
      containerName: 'web',
      attempt: 2,
      args: ['httpd-foreground', '-p', '80'],
      env: ['PATH=/usr/bin', 'PORT=80'],
      cwd: '/srv',
      hostname: 'web-1',
      netnsPath: '/var/run/netns/gantry-x',
      readOnlyRootfs: true,
      privileged: false,
      capAdd: ['NET_ADMIN'],
      capDrop: ['MKNOD'],
      resources: { memoryLimitBytes: 64 * 2 ** 20 },
      cgroupParent: '/gantry/poduid-1',
      logPath: '/d/pods/uid-1/logs/web/2.log',
      annotations: {
        'gantry.dev/pod-uid': 'uid-1',
        'gantry.dev/pod-name': 'web-1',
        'gantry.dev/pod-namespace': 'default',
        'gantry.dev/container-name': 'web',
        'gantry.dev/attempt': '2',
        'gantry.dev/container-kind': 'regular',
        'gantry.dev/image': 'httpd:2.4',
        'gantry.dev/image-ref': 'docker.io/library/httpd:2.4',
        'gantry.dev/image-digest': 'sha256:1234',
      },
    });
    expect(spec.mounts).toEqual([
      {
        destination: '/data',
        source: '/d/pods/uid-1/volumes/data',
        type: 'bind',
        options: ['rbind', 'rprivate', 'rw'],
      },
      {
        destination: '/var/lib/db',
        source: '/d/volumes/default/db/one',
        type: 'bind',
        options: ['rbind', 'rprivate', 'ro'],
      },
      { destination: '/etc/hosts', source: '/e/hosts', type: 'bind', options: ['rbind', 'rprivate', 'rw'] },
      {
        destination: '/etc/hostname',
        source: '/e/hostname',
        type: 'bind',
        options: ['rbind', 'rprivate', 'rw'],
      },
      {
        destination: '/etc/resolv.conf',
        source: '/e/resolv.conf',
        type: 'bind',
        options: ['rbind', 'rprivate', 'rw'],
      },
    ]);
  });
});
