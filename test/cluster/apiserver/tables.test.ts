import { describe, expect, it } from 'vitest';
import { RESOURCES, type ResourceInfo, resourceByPlural } from '../../../src/api/resources.js';
import type { KObject } from '../../../src/api/types.js';
import { humanDuration, type Table, toTable } from '../../../src/cluster/apiserver/tables.js';

const NOW = new Date('2024-05-01T12:00:00Z');
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

function info(group: string, plural: string): ResourceInfo {
  const i = resourceByPlural(group, plural);
  if (!i) {
    throw new Error(`no resource ${group}/${plural}`);
  }
  return i;
}

function table(group: string, plural: string, objects: KObject[]): Table {
  return toTable(info(group, plural), objects, { includeObject: 'None', now: NOW });
}

/** Header names as kubectl prints them: upper-cased, wide ones only with -o wide. */
function headers(t: Table, wide = false): string[] {
  return t.columnDefinitions.filter((c) => wide || c.priority === 0).map((c) => c.name.toUpperCase());
}

/** One row's cells keyed by upper-cased column name. */
function row(group: string, plural: string, obj: KObject): Record<string, unknown> {
  const t = table(group, plural, [obj]);
  const r = t.rows[0];
  if (!r) {
    throw new Error('no row');
  }
  expect(r.cells).toHaveLength(t.columnDefinitions.length);
  return Object.fromEntries(t.columnDefinitions.map((c, i) => [c.name.toUpperCase(), r.cells[i]]));
}

describe('humanDuration', () => {
  it.each([
    [-2 * S, '<invalid>'],
    [-1500, '0s'],
    [-999, '0s'],
    [0, '0s'],
    [999, '0s'],
    [45 * S, '45s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [5 * M + 12 * S, '5m12s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M + 30 * S, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [3 * H + 4 * M, '3h4m'],
    [7 * H + 59 * M + 59 * S, '7h59m'],
    [8 * H + 30 * M, '8h'],
    [47 * H + 59 * M, '47h'],
    [2 * D, '2d'],
    [2 * D + 3 * H, '2d3h'],
    [7 * D + 23 * H, '7d23h'],
    [8 * D + 5 * H, '8d'],
    [45 * D, '45d'],
    [729 * D, '729d'],
    [730 * D, '2y'],
    [3 * 365 * D + 12 * D, '3y12d'],
    [8 * 365 * D, '8y'],
    [9 * 365 * D + 100 * D, '9y'],
  ])('%d ms → %s', (ms, want) => {
    expect(humanDuration(ms)).toBe(want);
  });
});

function pod(status: any, spec: any = {}, meta: any = {}): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-7d4b9c8f6-abcde',
      namespace: 'default',
      creationTimestamp: ago(3 * H + 4 * M),
      ...meta,
    },
    spec: { containers: [{ name: 'web', image: 'nginx:1.25' }], nodeName: 'node-1', ...spec },
    status,
  };
}

const running = (name: string, ready: boolean, restartCount = 0) => ({
  name,
  ready,
  restartCount,
  started: true,
  state: { running: { startedAt: ago(H) } },
});

describe('pods', () => {
  it('has the kubectl columns, wide ones at priority 1', () => {
    const t = table('', 'pods', []);
    expect(headers(t)).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    expect(headers(t, true)).toEqual([
      'NAME',
      'READY',
      'STATUS',
      'RESTARTS',
      'AGE',
      'IP',
      'NODE',
      'NOMINATED NODE',
      'READINESS GATES',
    ]);
    expect(t.columnDefinitions[0]).toMatchObject({
      name: 'Name',
      type: 'string',
      format: 'name',
      priority: 0,
    });
  });

  it('running pod with one of two containers ready', () => {
    const p = pod(
      {
        phase: 'Running',
        podIP: '10.244.0.5',
        podIPs: [{ ip: '10.244.0.5' }],
        containerStatuses: [running('web', true), running('sidecar', false)],
      },
      { containers: [{ name: 'web' }, { name: 'sidecar' }] },
    );
    expect(row('', 'pods', p)).toEqual({
      NAME: 'web-7d4b9c8f6-abcde',
      READY: '1/2',
      STATUS: 'Running',
      RESTARTS: '0',
      AGE: '3h4m',
      IP: '10.244.0.5',
      NODE: 'node-1',
      'NOMINATED NODE': '<none>',
      'READINESS GATES': '<none>',
    });
  });

  it('CrashLoopBackOff with restarts and the time of the last one', () => {
    const p = pod({
      phase: 'Running',
      podIP: '10.244.0.9',
      containerStatuses: [
        {
          name: 'web',
          ready: false,
          restartCount: 3,
          state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s' } },
          lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(5 * M) } },
        },
      ],
    });
    const r = row('', 'pods', p);
    expect(r.READY).toBe('0/1');
    expect(r.STATUS).toBe('CrashLoopBackOff');
    expect(r.RESTARTS).toBe('3 (5m ago)');
    expect(r.IP).toBe('10.244.0.9');
  });

  it('restarts without a recorded termination show the bare count', () => {
    const p = pod({ phase: 'Running', containerStatuses: [running('web', true, 2)] });
    expect(row('', 'pods', p).RESTARTS).toBe('2');
  });

  it('ErrImagePull on a pending pod', () => {
    const p = pod({
      phase: 'Pending',
      containerStatuses: [
        { name: 'web', ready: false, restartCount: 0, state: { waiting: { reason: 'ErrImagePull' } } },
      ],
    });
    expect(row('', 'pods', p)).toMatchObject({ READY: '0/1', STATUS: 'ErrImagePull', IP: '<none>' });
  });

  it('unscheduled pod: Pending, no node', () => {
    const p = pod({ phase: 'Pending' }, { nodeName: undefined });
    expect(row('', 'pods', p)).toMatchObject({
      READY: '0/1',
      STATUS: 'Pending',
      NODE: '<none>',
      IP: '<none>',
    });
  });

  it('Completed pod carries the Completed row condition', () => {
    const p = pod({
      phase: 'Succeeded',
      containerStatuses: [
        {
          name: 'web',
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode: 0, reason: 'Completed' } },
        },
      ],
    });
    expect(row('', 'pods', p)).toMatchObject({ READY: '0/1', STATUS: 'Completed' });
    const t = table('', 'pods', [p]);
    expect(t.rows[0]?.conditions).toEqual([
      expect.objectContaining({ type: 'Completed', status: 'True', reason: 'Succeeded' }),
    ]);
  });

  it('Error, and ExitCode/Signal when the runtime gave no reason', () => {
    const failed = (terminated: any) =>
      pod({
        phase: 'Failed',
        containerStatuses: [{ name: 'web', ready: false, restartCount: 0, state: { terminated } }],
      });
    expect(row('', 'pods', failed({ exitCode: 1, reason: 'Error' })).STATUS).toBe('Error');
    expect(row('', 'pods', failed({ exitCode: 137 })).STATUS).toBe('ExitCode:137');
    expect(row('', 'pods', failed({ exitCode: 0, signal: 9 })).STATUS).toBe('Signal:9');
    expect(
      table('', 'pods', [failed({ exitCode: 1, reason: 'Error' })]).rows[0]?.conditions?.[0]?.reason,
    ).toBe('Failed');
  });

  it('Terminating once deletionTimestamp is set, unless already finished', () => {
    const p = pod(
      { phase: 'Running', containerStatuses: [running('web', true)] },
      {},
      { deletionTimestamp: ago(10 * S) },
    );
    expect(row('', 'pods', p)).toMatchObject({ READY: '1/1', STATUS: 'Terminating' });
    const done = pod(
      {
        phase: 'Succeeded',
        containerStatuses: [
          { name: 'web', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
        ],
      },
      {},
      { deletionTimestamp: ago(10 * S) },
    );
    expect(row('', 'pods', done).STATUS).toBe('Completed');
  });

  it('Unknown when deleted on an unreachable node', () => {
    const p = pod(
      { phase: 'Running', reason: 'NodeLost', containerStatuses: [running('web', true)] },
      {},
      { deletionTimestamp: ago(S) },
    );
    expect(row('', 'pods', p).STATUS).toBe('Unknown');
  });

  it('init containers: Init:0/1, Init:CrashLoopBackOff, Init:Error, Init:ExitCode', () => {
    const spec = { initContainers: [{ name: 'migrate', image: 'migrate:1' }] };
    const withInit = (state: any, restartCount = 0) =>
      pod(
        {
          phase: 'Pending',
          initContainerStatuses: [{ name: 'migrate', ready: false, restartCount, state }],
          containerStatuses: [
            { name: 'web', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } },
          ],
        },
        spec,
      );
    expect(row('', 'pods', withInit({ running: { startedAt: ago(S) } }))).toMatchObject({
      READY: '0/1',
      STATUS: 'Init:0/1',
    });
    expect(row('', 'pods', withInit({ waiting: { reason: 'PodInitializing' } })).STATUS).toBe('Init:0/1');
    const crash = row('', 'pods', withInit({ waiting: { reason: 'CrashLoopBackOff' } }, 4));
    expect(crash.STATUS).toBe('Init:CrashLoopBackOff');
    expect(crash.RESTARTS).toBe('4');
    expect(row('', 'pods', withInit({ terminated: { exitCode: 1, reason: 'Error' } })).STATUS).toBe(
      'Init:Error',
    );
    expect(row('', 'pods', withInit({ terminated: { exitCode: 3 } })).STATUS).toBe('Init:ExitCode:3');
  });

  it('second of two init containers running: Init:1/2', () => {
    const p = pod(
      {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'a', restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
          { name: 'b', restartCount: 0, state: { running: {} } },
        ],
      },
      { initContainers: [{ name: 'a' }, { name: 'b' }] },
    );
    expect(row('', 'pods', p).STATUS).toBe('Init:1/2');
  });

  it('a started sidecar (restartable init container) counts in READY and its restarts show', () => {
    const p = pod(
      {
        phase: 'Running',
        conditions: [{ type: 'Initialized', status: 'True' }],
        initContainerStatuses: [
          {
            name: 'proxy',
            ready: true,
            started: true,
            restartCount: 1,
            state: { running: {} },
            lastState: { terminated: { exitCode: 1, finishedAt: ago(4 * H) } },
          },
        ],
        containerStatuses: [running('web', true)],
      },
      { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }] },
    );
    expect(row('', 'pods', p)).toMatchObject({ READY: '2/2', STATUS: 'Running', RESTARTS: '1 (4h ago)' });
  });

  it('Completed container next to a running one: Running when Ready, else NotReady', () => {
    const status = (ready: boolean) => ({
      phase: 'Running',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: [
        running('web', true),
        {
          name: 'job',
          ready: false,
          restartCount: 0,
          state: { terminated: { exitCode: 0, reason: 'Completed' } },
        },
      ],
    });
    const spec = { containers: [{ name: 'web' }, { name: 'job' }] };
    expect(row('', 'pods', pod(status(true), spec))).toMatchObject({ READY: '1/2', STATUS: 'Running' });
    expect(row('', 'pods', pod(status(false), spec)).STATUS).toBe('NotReady');
  });

  it('SchedulingGated and readiness gates', () => {
    const gated = pod(
      {
        phase: 'Pending',
        conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }],
      },
      { nodeName: undefined },
    );
    expect(row('', 'pods', gated).STATUS).toBe('SchedulingGated');
    const gates = pod(
      {
        phase: 'Running',
        nominatedNodeName: 'node-2',
        conditions: [
          { type: 'example.com/lb-ready', status: 'True' },
          { type: 'example.com/dns', status: 'False' },
        ],
        containerStatuses: [running('web', true)],
      },
      { readinessGates: [{ conditionType: 'example.com/lb-ready' }, { conditionType: 'example.com/dns' }] },
    );
    expect(row('', 'pods', gates)).toMatchObject({ 'READINESS GATES': '1/2', 'NOMINATED NODE': 'node-2' });
  });
});

function obj(apiVersion: string, kind: string, name: string, rest: any = {}, meta: any = {}): KObject {
  return { apiVersion, kind, metadata: { name, creationTimestamp: ago(2 * D + 3 * H), ...meta }, ...rest };
}

describe('nodes', () => {
  const node = (conditions: any[], extra: any = {}, labels: Record<string, string> = {}) =>
    obj(
      'v1',
      'Node',
      'node-1',
      {
        spec: extra.spec ?? {},
        status: {
          conditions,
          addresses: [
            { type: 'InternalIP', address: '10.0.0.5' },
            { type: 'Hostname', address: 'node-1' },
          ],
          nodeInfo: {
            kubeletVersion: 'v1.30.0-gantry',
            osImage: 'Debian GNU/Linux 12 (bookworm)',
            kernelVersion: '6.1.0-18-amd64',
            containerRuntimeVersion: 'runc://1.1.12',
          },
        },
      },
      { labels },
    );

  it('Ready node with roles and wide columns', () => {
    const n = node(
      [{ type: 'Ready', status: 'True' }],
      {},
      {
        'node-role.kubernetes.io/control-plane': '',
        'node-role.kubernetes.io/worker': '',
        'kubernetes.io/hostname': 'node-1',
      },
    );
    expect(headers(table('', 'nodes', []))).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
    expect(row('', 'nodes', n)).toEqual({
      NAME: 'node-1',
      STATUS: 'Ready',
      ROLES: 'control-plane,worker',
      AGE: '2d3h',
      VERSION: 'v1.30.0-gantry',
      'INTERNAL-IP': '10.0.0.5',
      'EXTERNAL-IP': '<none>',
      'OS-IMAGE': 'Debian GNU/Linux 12 (bookworm)',
      'KERNEL-VERSION': '6.1.0-18-amd64',
      'CONTAINER-RUNTIME': 'runc://1.1.12',
    });
  });

  it('NotReady, Unknown, SchedulingDisabled, <none> roles', () => {
    expect(row('', 'nodes', node([{ type: 'Ready', status: 'False' }])).STATUS).toBe('NotReady');
    expect(row('', 'nodes', node([{ type: 'Ready', status: 'Unknown' }])).STATUS).toBe('NotReady');
    expect(row('', 'nodes', node([{ type: 'MemoryPressure', status: 'False' }])).STATUS).toBe('Unknown');
    const cordoned = node([{ type: 'Ready', status: 'True' }], { spec: { unschedulable: true } });
    expect(row('', 'nodes', cordoned)).toMatchObject({ STATUS: 'Ready,SchedulingDisabled', ROLES: '<none>' });
    expect(row('', 'nodes', node([], {}, { 'kubernetes.io/role': 'edge' })).ROLES).toBe('edge');
  });
});

describe('namespaces and services', () => {
  it('namespace', () => {
    const ns = obj('v1', 'Namespace', 'staging', { status: { phase: 'Active' } });
    expect(row('', 'namespaces', ns)).toEqual({ NAME: 'staging', STATUS: 'Active', AGE: '2d3h' });
    const gone = obj('v1', 'Namespace', 'old', { status: { phase: 'Terminating' } });
    expect(row('', 'namespaces', gone).STATUS).toBe('Terminating');
  });

  const svc = (spec: any, status: any = {}) =>
    obj('v1', 'Service', 'web', { spec, status }, { namespace: 'default' });

  it('NodePort service with selector', () => {
    expect(headers(table('', 'services', []), true)).toEqual([
      'NAME',
      'TYPE',
      'CLUSTER-IP',
      'EXTERNAL-IP',
      'PORT(S)',
      'AGE',
      'SELECTOR',
    ]);
    const s = svc({
      type: 'NodePort',
      clusterIP: '10.96.12.34',
      clusterIPs: ['10.96.12.34'],
      selector: { tier: 'frontend', app: 'web' },
      ports: [
        { name: 'http', port: 80, targetPort: 8080, nodePort: 30080, protocol: 'TCP' },
        { name: 'dns', port: 53, nodePort: 30053, protocol: 'UDP' },
      ],
    });
    expect(row('', 'services', s)).toEqual({
      NAME: 'web',
      TYPE: 'NodePort',
      'CLUSTER-IP': '10.96.12.34',
      'EXTERNAL-IP': '<none>',
      'PORT(S)': '80:30080/TCP,53:30053/UDP',
      AGE: '2d3h',
      SELECTOR: 'app=web,tier=frontend',
    });
  });

  it('ClusterIP, headless, LoadBalancer and ExternalName', () => {
    expect(
      row('', 'services', svc({ type: 'ClusterIP', clusterIP: '10.96.0.10', ports: [{ port: 80 }] })),
    ).toMatchObject({
      'CLUSTER-IP': '10.96.0.10',
      'EXTERNAL-IP': '<none>',
      'PORT(S)': '80/TCP',
      SELECTOR: '<none>',
    });
    expect(row('', 'services', svc({ clusterIP: 'None', clusterIPs: ['None'] }))).toMatchObject({
      TYPE: 'ClusterIP',
      'CLUSTER-IP': 'None',
      'PORT(S)': '<none>',
    });
    const lb = {
      type: 'LoadBalancer',
      clusterIPs: ['10.96.1.1'],
      ports: [{ port: 443, nodePort: 31443, protocol: 'TCP' }],
    };
    expect(row('', 'services', svc(lb))['EXTERNAL-IP']).toBe('<pending>');
    expect(
      row('', 'services', svc(lb, { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } }))['EXTERNAL-IP'],
    ).toBe('203.0.113.7');
    expect(row('', 'services', svc({ type: 'ExternalName', externalName: 'db.example.com' }))).toMatchObject({
      'CLUSTER-IP': '<none>',
      'EXTERNAL-IP': 'db.example.com',
    });
  });
});

describe('endpoints, configmaps, secrets, service accounts, leases', () => {
  it('endpoints list three then "+ N more..."', () => {
    const addresses = ['10.244.0.5', '10.244.0.6', '10.244.1.7', '10.244.1.8', '10.244.2.9'].map((ip) => ({
      ip,
    }));
    const ep = obj('v1', 'Endpoints', 'web', {
      subsets: [{ addresses, ports: [{ name: 'http', port: 80 }] }],
    });
    expect(row('', 'endpoints', ep)).toEqual({
      NAME: 'web',
      ENDPOINTS: '10.244.0.5:80,10.244.0.6:80,10.244.1.7:80 + 2 more...',
      AGE: '2d3h',
    });
    const two = obj('v1', 'Endpoints', 'api', {
      subsets: [{ addresses: [{ ip: '10.244.0.5' }, { ip: 'fd00::5' }], ports: [{ port: 8080 }] }],
    });
    expect(row('', 'endpoints', two).ENDPOINTS).toBe('10.244.0.5:8080,[fd00::5]:8080');
    expect(row('', 'endpoints', obj('v1', 'Endpoints', 'none', {})).ENDPOINTS).toBe('<none>');
    const headless = obj('v1', 'Endpoints', 'h', { subsets: [{ addresses: [{ ip: '10.244.0.5' }] }] });
    expect(row('', 'endpoints', headless).ENDPOINTS).toBe('10.244.0.5');
  });

  it('configmap DATA counts data and binaryData', () => {
    const cm = obj('v1', 'ConfigMap', 'web-config', {
      data: { 'nginx.conf': '...', mode: 'prod' },
      binaryData: { logo: 'AA==' },
    });
    expect(row('', 'configmaps', cm)).toEqual({ NAME: 'web-config', DATA: 3, AGE: '2d3h' });
    expect(row('', 'configmaps', obj('v1', 'ConfigMap', 'empty')).DATA).toBe(0);
  });

  it('secret TYPE and DATA', () => {
    const tls = obj('v1', 'Secret', 'web-tls', {
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': 'x', 'tls.key': 'y' },
    });
    expect(row('', 'secrets', tls)).toEqual({
      NAME: 'web-tls',
      TYPE: 'kubernetes.io/tls',
      DATA: 2,
      AGE: '2d3h',
    });
    expect(row('', 'secrets', obj('v1', 'Secret', 'plain', { data: { a: 'eA==' } })).TYPE).toBe('Opaque');
  });

  it('service account SECRETS', () => {
    expect(row('', 'serviceaccounts', obj('v1', 'ServiceAccount', 'default'))).toEqual({
      NAME: 'default',
      SECRETS: 0,
      AGE: '2d3h',
    });
    expect(
      row('', 'serviceaccounts', obj('v1', 'ServiceAccount', 'ci', { secrets: [{ name: 'ci-token' }] }))
        .SECRETS,
    ).toBe(1);
  });

  it('lease HOLDER', () => {
    const l = obj('coordination.k8s.io/v1', 'Lease', 'node-1', {
      spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: ago(3 * S) },
    });
    expect(row('coordination.k8s.io', 'leases', l)).toEqual({
      NAME: 'node-1',
      HOLDER: 'node-1',
      AGE: '2d3h',
    });
    expect(
      row('coordination.k8s.io', 'leases', obj('coordination.k8s.io/v1', 'Lease', 'free', { spec: {} }))
        .HOLDER,
    ).toBe('');
  });
});

describe('events', () => {
  it('shows LAST SEEN, TYPE, REASON, OBJECT, MESSAGE; wide adds the rest', () => {
    const t = table('', 'events', []);
    expect(headers(t)).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    expect(headers(t, true)).toEqual([
      'LAST SEEN',
      'TYPE',
      'REASON',
      'OBJECT',
      'SUBOBJECT',
      'SOURCE',
      'MESSAGE',
      'FIRST SEEN',
      'COUNT',
      'NAME',
    ]);
    const ev = obj('v1', 'Event', 'web-1.17c2a3b4d5e6f7a8', {
      type: 'Warning',
      reason: 'BackOff',
      message: 'Back-off restarting failed container web in pod web-1_default\n',
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'web-1', fieldPath: 'spec.containers{web}' },
      source: { component: 'kubelet', host: 'node-1' },
      firstTimestamp: ago(10 * M),
      lastTimestamp: ago(2 * M + 5 * S),
      count: 4,
    });
    expect(row('', 'events', ev)).toEqual({
      'LAST SEEN': '2m5s',
      TYPE: 'Warning',
      REASON: 'BackOff',
      OBJECT: 'pod/web-1',
      SUBOBJECT: 'spec.containers{web}',
      SOURCE: 'kubelet, node-1',
      MESSAGE: 'Back-off restarting failed container web in pod web-1_default',
      'FIRST SEEN': '10m',
      COUNT: 4,
      NAME: 'web-1.17c2a3b4d5e6f7a8',
    });
  });

  it('new-style events: eventTime, series, reporting controller', () => {
    const ev = obj('v1', 'Event', 'e2', {
      type: 'Normal',
      reason: 'ScalingReplicaSet',
      message: 'Scaled up replica set web-5d8f7c to 3',
      involvedObject: { kind: 'Deployment', name: 'web' },
      eventTime: ago(50 * S),
      reportingComponent: 'deployment-controller',
    });
    expect(row('', 'events', ev)).toMatchObject({
      'LAST SEEN': '50s',
      'FIRST SEEN': '50s',
      OBJECT: 'deployment/web',
      SOURCE: 'deployment-controller',
      COUNT: 1,
    });
    const series = obj('v1', 'Event', 'e3', {
      involvedObject: { kind: 'Node' },
      eventTime: ago(H),
      series: { count: 7, lastObservedTime: ago(30 * S) },
    });
    expect(row('', 'events', series)).toMatchObject({
      'LAST SEEN': '30s',
      'FIRST SEEN': '60m',
      OBJECT: 'node',
      COUNT: 7,
    });
  });
});

describe('resource quotas', () => {
  it('splits requests and limits, sorted by resource name', () => {
    const q = obj('v1', 'ResourceQuota', 'team-a', {
      spec: { hard: {} },
      status: {
        hard: { 'limits.cpu': '2', 'limits.memory': '2Gi', pods: '10', 'requests.cpu': '1' },
        used: { 'limits.cpu': '1', 'limits.memory': '512Mi', pods: '3', 'requests.cpu': '500m' },
      },
    });
    expect(headers(table('', 'resourcequotas', []))).toEqual(['NAME', 'AGE', 'REQUEST', 'LIMIT']);
    expect(row('', 'resourcequotas', q)).toEqual({
      NAME: 'team-a',
      AGE: '2d3h',
      REQUEST: 'pods: 3/10, requests.cpu: 500m/1',
      LIMIT: 'limits.cpu: 1/2, limits.memory: 512Mi/2Gi',
    });
    const fresh = obj('v1', 'ResourceQuota', 'new', { status: { hard: { pods: '5' } } });
    expect(row('', 'resourcequotas', fresh)).toMatchObject({ REQUEST: 'pods: 0/5', LIMIT: '' });
  });
});

const template = {
  metadata: { labels: { app: 'web' } },
  spec: {
    containers: [
      { name: 'web', image: 'registry.local/web:1.4.2' },
      { name: 'metrics', image: 'prom/statsd-exporter:v0.26.0' },
    ],
  },
};

describe('apps workloads', () => {
  it('deployment', () => {
    const d = obj('apps/v1', 'Deployment', 'web', {
      spec: {
        replicas: 3,
        selector: {
          matchLabels: { app: 'web' },
          matchExpressions: [
            { key: 'env', operator: 'In', values: ['staging', 'prod'] },
            { key: 'legacy', operator: 'DoesNotExist' },
          ],
        },
        template,
      },
      status: { replicas: 3, updatedReplicas: 3, readyReplicas: 2, availableReplicas: 2 },
    });
    expect(headers(table('apps', 'deployments', []), true)).toEqual([
      'NAME',
      'READY',
      'UP-TO-DATE',
      'AVAILABLE',
      'AGE',
      'CONTAINERS',
      'IMAGES',
      'SELECTOR',
    ]);
    expect(row('apps', 'deployments', d)).toEqual({
      NAME: 'web',
      READY: '2/3',
      'UP-TO-DATE': 3,
      AVAILABLE: 2,
      AGE: '2d3h',
      CONTAINERS: 'web,metrics',
      IMAGES: 'registry.local/web:1.4.2,prom/statsd-exporter:v0.26.0',
      SELECTOR: 'app=web,env in (prod,staging),!legacy',
    });
    const fresh = obj('apps/v1', 'Deployment', 'new', {
      spec: { replicas: 2, selector: { matchLabels: { app: 'x' } }, template },
    });
    expect(row('apps', 'deployments', fresh)).toMatchObject({ READY: '0/2', 'UP-TO-DATE': 0, AVAILABLE: 0 });
  });

  it('replicaset', () => {
    const rs = obj('apps/v1', 'ReplicaSet', 'web-5d8f7c9b6', {
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d8f7c9b6' } },
        template,
      },
      status: { replicas: 3, readyReplicas: 2, availableReplicas: 2 },
    });
    expect(headers(table('apps', 'replicasets', []))).toEqual(['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']);
    expect(row('apps', 'replicasets', rs)).toEqual({
      NAME: 'web-5d8f7c9b6',
      DESIRED: 3,
      CURRENT: 3,
      READY: 2,
      AGE: '2d3h',
      CONTAINERS: 'web,metrics',
      IMAGES: 'registry.local/web:1.4.2,prom/statsd-exporter:v0.26.0',
      SELECTOR: 'app=web,pod-template-hash=5d8f7c9b6',
    });
    const old = obj('apps/v1', 'ReplicaSet', 'web-old', {
      spec: { replicas: 0, selector: {}, template },
      status: {},
    });
    expect(row('apps', 'replicasets', old)).toMatchObject({
      DESIRED: 0,
      CURRENT: 0,
      READY: 0,
      SELECTOR: '<none>',
    });
  });

  it('daemonset', () => {
    const ds = obj('apps/v1', 'DaemonSet', 'fluentd', {
      spec: {
        selector: { matchLabels: { app: 'fluentd' } },
        template: {
          spec: {
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            containers: [{ name: 'fluentd', image: 'fluentd:v1.16' }],
          },
        },
      },
      status: {
        desiredNumberScheduled: 3,
        currentNumberScheduled: 3,
        numberReady: 2,
        updatedNumberScheduled: 3,
        numberAvailable: 2,
      },
    });
    expect(row('apps', 'daemonsets', ds)).toEqual({
      NAME: 'fluentd',
      DESIRED: 3,
      CURRENT: 3,
      READY: 2,
      'UP-TO-DATE': 3,
      AVAILABLE: 2,
      'NODE SELECTOR': 'kubernetes.io/os=linux',
      AGE: '2d3h',
      CONTAINERS: 'fluentd',
      IMAGES: 'fluentd:v1.16',
      SELECTOR: 'app=fluentd',
    });
    const any = obj('apps/v1', 'DaemonSet', 'x', { spec: { template: { spec: { containers: [] } } } });
    expect(row('apps', 'daemonsets', any)['NODE SELECTOR']).toBe('<none>');
  });

  it('statefulset', () => {
    const sts = obj('apps/v1', 'StatefulSet', 'db', {
      spec: {
        replicas: 3,
        serviceName: 'db',
        template: { spec: { containers: [{ name: 'postgres', image: 'postgres:16' }] } },
      },
      status: { replicas: 3, readyReplicas: 2 },
    });
    expect(row('apps', 'statefulsets', sts)).toEqual({
      NAME: 'db',
      READY: '2/3',
      AGE: '2d3h',
      CONTAINERS: 'postgres',
      IMAGES: 'postgres:16',
    });
  });

  it('controllerrevision', () => {
    const cr = obj(
      'apps/v1',
      'ControllerRevision',
      'fluentd-6b7c8d9f5',
      { revision: 2, data: {} },
      {
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'fluentd', uid: 'u1', controller: true },
        ],
      },
    );
    expect(row('apps', 'controllerrevisions', cr)).toEqual({
      NAME: 'fluentd-6b7c8d9f5',
      CONTROLLER: 'daemonset.apps/fluentd',
      REVISION: 2,
      AGE: '2d3h',
    });
    expect(
      row('apps', 'controllerrevisions', obj('apps/v1', 'ControllerRevision', 'orphan', { revision: 1 }))
        .CONTROLLER,
    ).toBe('<none>');
  });
});

describe('jobs', () => {
  const job = (spec: any, status: any, meta: any = {}) =>
    obj(
      'batch/v1',
      'Job',
      'migrate',
      {
        spec: {
          selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'c0ffee' } },
          template: { spec: { containers: [{ name: 'migrate', image: 'registry.local/migrate:7' }] } },
          ...spec,
        },
        status,
      },
      meta,
    );

  it('complete job', () => {
    expect(headers(table('batch', 'jobs', []))).toEqual(['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE']);
    const j = job(
      { completions: 1, parallelism: 1 },
      {
        succeeded: 1,
        startTime: ago(2 * D + 3 * H),
        completionTime: ago(2 * D + 3 * H - 14 * S),
        conditions: [
          { type: 'SuccessCriteriaMet', status: 'True' },
          { type: 'Complete', status: 'True' },
        ],
      },
    );
    expect(row('batch', 'jobs', j)).toEqual({
      NAME: 'migrate',
      STATUS: 'Complete',
      COMPLETIONS: '1/1',
      DURATION: '14s',
      AGE: '2d3h',
      CONTAINERS: 'migrate',
      IMAGES: 'registry.local/migrate:7',
      SELECTOR: 'batch.kubernetes.io/controller-uid=c0ffee',
    });
  });

  it('running, failed, suspended, terminating; work-queue completions', () => {
    const runningJob = job(
      { completions: 5, parallelism: 2 },
      { active: 2, succeeded: 2, startTime: ago(3 * M + 20 * S) },
    );
    expect(row('batch', 'jobs', runningJob)).toMatchObject({
      STATUS: 'Running',
      COMPLETIONS: '2/5',
      DURATION: '3m20s',
    });
    const queue = job({ parallelism: 3 }, { active: 3 });
    expect(row('batch', 'jobs', queue)).toMatchObject({ COMPLETIONS: '0/1 of 3', DURATION: '' });
    const failed = job(
      { completions: 1 },
      { failed: 6, conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] },
    );
    expect(row('batch', 'jobs', failed)).toMatchObject({ STATUS: 'Failed', COMPLETIONS: '0/1' });
    const suspended = job(
      { completions: 1, suspend: true },
      { conditions: [{ type: 'Suspended', status: 'True' }] },
    );
    expect(row('batch', 'jobs', suspended).STATUS).toBe('Suspended');
    expect(row('batch', 'jobs', job({ completions: 1 }, {}, { deletionTimestamp: ago(S) })).STATUS).toBe(
      'Terminating',
    );
  });
});

describe('argo kinds', () => {
  it('rollouts follow the Rollout CRD printer columns', () => {
    expect(headers(table('argoproj.io', 'rollouts', []))).toEqual([
      'NAME',
      'DESIRED',
      'CURRENT',
      'UP-TO-DATE',
      'AVAILABLE',
      'AGE',
    ]);
    const ro = obj('argoproj.io/v1alpha1', 'Rollout', 'web', {
      spec: { replicas: 4, strategy: { blueGreen: { activeService: 'web', previewService: 'web-preview' } } },
      status: { replicas: 8, updatedReplicas: 4, availableReplicas: 4, phase: 'Paused' },
    });
    expect(row('argoproj.io', 'rollouts', ro)).toEqual({
      NAME: 'web',
      DESIRED: 4,
      CURRENT: 8,
      'UP-TO-DATE': 4,
      AVAILABLE: 4,
      AGE: '2d3h',
    });
    // Absent status fields are null cells, which kubectl prints as blanks.
    const fresh = obj('argoproj.io/v1alpha1', 'Rollout', 'new', {
      spec: { replicas: 2 },
      status: { replicas: 2 },
    });
    expect(row('argoproj.io', 'rollouts', fresh)).toMatchObject({
      DESIRED: 2,
      CURRENT: 2,
      'UP-TO-DATE': null,
      AVAILABLE: null,
    });
  });

  it('applications show sync and health; revision and project only wide', () => {
    const t = table('argoproj.io', 'applications', []);
    expect(headers(t)).toEqual(['NAME', 'SYNC STATUS', 'HEALTH STATUS']);
    expect(headers(t, true)).toEqual(['NAME', 'SYNC STATUS', 'HEALTH STATUS', 'REVISION', 'PROJECT']);
    const app = obj('argoproj.io/v1alpha1', 'Application', 'web', {
      spec: { project: 'default', source: { repoURL: 'file:///srv/git/manifests', path: 'staging' } },
      status: {
        sync: { status: 'OutOfSync', revision: '9f1c2e7a4b5d6c8e0f1a2b3c4d5e6f708192a3b4' },
        health: { status: 'Progressing' },
      },
    });
    expect(row('argoproj.io', 'applications', app)).toEqual({
      NAME: 'web',
      'SYNC STATUS': 'OutOfSync',
      'HEALTH STATUS': 'Progressing',
      REVISION: '9f1c2e7a4b5d6c8e0f1a2b3c4d5e6f708192a3b4',
      PROJECT: 'default',
    });
    const unsynced = obj('argoproj.io/v1alpha1', 'Application', 'new', { spec: {} });
    expect(row('argoproj.io', 'applications', unsynced)).toMatchObject({
      'SYNC STATUS': null,
      'HEALTH STATUS': null,
    });
  });
});

describe('toTable', () => {
  const cm = obj(
    'v1',
    'ConfigMap',
    'web-config',
    { data: { a: '1' } },
    { namespace: 'default', uid: 'u-1', resourceVersion: '42' },
  );

  it('wraps rows in a meta.k8s.io/v1 Table with list metadata', () => {
    const t = toTable(info('', 'configmaps'), [cm], {
      includeObject: 'Metadata',
      now: NOW,
      listResourceVersion: '57',
      continueToken: 'eyJvZmZzZXQiOjF9',
    });
    expect(t.kind).toBe('Table');
    expect(t.apiVersion).toBe('meta.k8s.io/v1');
    expect(t.metadata).toEqual({ resourceVersion: '57', continue: 'eyJvZmZzZXQiOjF9' });
    for (const c of t.columnDefinitions) {
      expect(Object.keys(c).sort()).toEqual(['description', 'format', 'name', 'priority', 'type']);
    }
    expect(t.rows).toEqual([
      {
        cells: ['web-config', 1, '2d3h'],
        object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: cm.metadata },
      },
    ]);
  });

  it('includeObject Object embeds the object, None leaves it out', () => {
    const full = toTable(info('', 'configmaps'), [cm], { includeObject: 'Object', now: NOW });
    expect(full.rows[0]?.object).toBe(cm);
    expect(full.metadata).toEqual({});
    const none = toTable(info('', 'configmaps'), [cm], { includeObject: 'None', now: NOW });
    expect(none.rows[0]).not.toHaveProperty('object');
  });

  it('falls back to NAME and AGE for resources without a printer', () => {
    const widgets: ResourceInfo = {
      ...info('', 'configmaps'),
      group: 'example.com',
      plural: 'widgets',
      kind: 'Widget',
    };
    const w = obj('example.com/v1', 'Widget', 'w1', {}, { creationTimestamp: ago(45 * D) });
    const t = toTable(widgets, [w], { includeObject: 'None', now: NOW });
    expect(headers(t, true)).toEqual(['NAME', 'AGE']);
    expect(t.rows[0]?.cells).toEqual(['w1', '45d']);
    expect(
      toTable(widgets, [obj('example.com/v1', 'Widget', 'w2', {}, { creationTimestamp: undefined })], {
        includeObject: 'None',
        now: NOW,
      }).rows[0]?.cells,
    ).toEqual(['w2', '<unknown>']);
  });

  it.each(RESOURCES.map((r) => [`${r.group}/${r.plural}`, r] as const))(
    '%s: one cell per column even for a bare object, name column first',
    (_key, r) => {
      const bare: KObject = {
        apiVersion: r.version,
        kind: r.kind,
        metadata: { name: 'x', creationTimestamp: ago(S) },
      };
      const t = toTable(r, [bare], { includeObject: 'None', now: NOW });
      expect(t.rows[0]?.cells).toHaveLength(t.columnDefinitions.length);
      const nameCol = t.columnDefinitions.findIndex((c) => c.format === 'name');
      expect(nameCol).toBeGreaterThanOrEqual(0);
      expect(t.rows[0]?.cells[nameCol]).toBe('x');
    },
  );
});
