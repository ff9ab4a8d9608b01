// A Pod with most of what PodSpec and Container can hold, encoded field by field with the numbers
// from k8s.io/api core/v1 generated.proto (written out here, not taken from the decoder's tables).
// Zero values are written where Go's marshaller writes them, to check they are dropped or kept
// exactly as Go's JSON would.
import { describe, expect, it } from 'vitest';
import { decodeK8sProtobuf, ProtobufUnsupportedError } from '../../../src/api/protobuf/index.js';
import {
  bytes,
  concat,
  entry,
  envelope,
  intOrString,
  quantityEntry,
  rawVarint,
  str,
  sub,
  varint,
} from './proto-writer.js';

const meta = sub(
  1,
  str(1, 'web'),
  str(2, ''),
  str(3, 'prod'),
  str(4, ''),
  str(5, ''),
  str(6, ''),
  varint(7, 0),
  sub(8, varint(1, 1_700_000_000), varint(2, 123)),
  entry(11, 'app', 'web'),
  entry(11, 'tier', 'front'),
  entry(12, 'note', ''),
  sub(13, str(1, 'ReplicaSet'), str(3, 'web-abc'), str(4, 'uid-1'), str(5, 'apps/v1'), varint(6, true)),
  str(14, 'example.com/cleanup'),
);

const container = sub(
  2,
  str(1, 'app'),
  str(2, 'nginx:1.27'),
  str(4, '--port'),
  str(4, '8080'),
  str(5, ''),
  sub(6, str(1, 'http'), varint(2, 0), varint(3, 8080), str(4, 'TCP'), str(5, '')),
  sub(7, str(1, 'A'), str(2, 'x')),
  sub(7, str(1, 'B'), str(2, ''), sub(3, sub(3, sub(1, str(1, 'cm')), str(2, 'k'), varint(3, true)))),
  sub(7, str(1, 'C'), sub(3, sub(4, sub(1, str(1, 's')), str(2, 'pw')))),
  sub(7, str(1, 'IP'), sub(3, sub(1, str(1, 'v1'), str(2, 'status.podIP')))),
  sub(7, str(1, 'MEM'), sub(3, sub(2, str(1, ''), str(2, 'limits.memory'), sub(3, str(1, '1Mi'))))),
  sub(
    8,
    quantityEntry(1, 'cpu', '500m'),
    quantityEntry(1, 'memory', '128Mi'),
    quantityEntry(2, 'cpu', '100m'),
  ),
  sub(9, str(1, 'cfg'), varint(2, true), str(3, '/etc/cfg'), str(4, ''), str(6, '')),
  sub(
    10,
    sub(1, sub(2, str(1, '/healthz'), intOrString(2, 'http'), str(3, ''), str(4, 'HTTP'))),
    varint(2, 5),
    varint(3, 0),
    varint(4, 10),
    varint(5, 0),
    varint(6, 0),
  ),
  sub(11, sub(1, sub(3, intOrString(1, 8080), str(2, '')))),
  sub(12, sub(2, sub(4, varint(1, 5)))),
  str(13, '/dev/termination-log'),
  str(14, 'IfNotPresent'),
  sub(15, sub(1, str(2, 'ALL')), varint(4, 1000), varint(5, true), varint(7, false)),
  varint(16, false),
  varint(17, false),
  varint(18, true),
  sub(19, str(1, 'X_'), sub(2, sub(1, str(1, 'env-cm')))),
  str(20, 'File'),
  sub(22, sub(1, sub(1, str(1, 'cat'), str(1, '/tmp/ready'))), varint(6, 30)),
);

const spec = sub(
  2,
  sub(
    1,
    str(1, 'cfg'),
    sub(2, sub(19, sub(1, str(1, 'app-cfg')), sub(2, str(1, 'a'), str(2, 'a.txt')), varint(3, 420))),
  ),
  sub(1, str(1, 'scratch'), sub(2, sub(2, str(1, ''), sub(2, str(1, '1Gi'))))),
  sub(1, str(1, 'sec'), sub(2, sub(6, str(1, 's'), varint(4, false)))),
  sub(1, str(1, 'data'), sub(2, sub(10, str(1, 'pvc-1'), varint(2, false)))),
  sub(1, str(1, 'host'), sub(2, sub(1, str(1, '/var/log'), str(2, 'Directory')))),
  container,
  str(3, 'Always'),
  varint(4, 0),
  str(6, 'ClusterFirst'),
  entry(7, 'disk', 'ssd'),
  str(8, 'runner'),
  str(9, 'runner'),
  str(10, ''),
  varint(11, false),
  varint(12, false),
  varint(13, false),
  // supplementalGroups (4) once packed and once not; fsGroup (5).
  sub(14, bytes(4, concat(rawVarint(1), rawVarint(2))), varint(4, 3), varint(5, 2000)),
  sub(15, str(1, 'registry-cred')),
  str(16, ''),
  str(17, ''),
  sub(
    18,
    sub(1, sub(1, sub(1, sub(1, str(1, 'zone'), str(2, 'In'), str(3, 'a'), str(3, 'b'))))),
    sub(3, sub(2, varint(1, 50), sub(2, sub(1, entry(1, 'app', 'web')), str(3, 'kubernetes.io/hostname')))),
  ),
  str(19, 'default-scheduler'),
  sub(20, str(1, 'init'), str(2, 'busybox'), str(3, 'sh'), str(3, '-c'), str(3, 'true')),
  sub(22, str(1, 'dedicated'), str(2, 'Equal'), str(3, 'web'), str(4, 'NoExecute'), varint(5, 30)),
  str(24, ''),
  varint(25, -5),
  varint(30, false),
);

const POD = envelope('v1', 'Pod', concat(meta, spec, sub(3, str(1, 'Pending'))));

describe('Pod', () => {
  it('decodes to the object Go would marshal as JSON', () => {
    expect(decodeK8sProtobuf(POD)).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'web',
        namespace: 'prod',
        creationTimestamp: '2023-11-14T22:13:20Z',
        labels: { app: 'web', tier: 'front' },
        annotations: { note: '' },
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: 'uid-1', controller: true },
        ],
        finalizers: ['example.com/cleanup'],
      },
      spec: {
        volumes: [
          {
            name: 'cfg',
            configMap: { name: 'app-cfg', items: [{ key: 'a', path: 'a.txt' }], defaultMode: 420 },
          },
          { name: 'scratch', emptyDir: { sizeLimit: '1Gi' } },
          { name: 'sec', secret: { secretName: 's', optional: false } },
          { name: 'data', persistentVolumeClaim: { claimName: 'pvc-1' } },
          { name: 'host', hostPath: { path: '/var/log', type: 'Directory' } },
        ],
        containers: [
          {
            name: 'app',
            image: 'nginx:1.27',
            args: ['--port', '8080'],
            ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
            env: [
              { name: 'A', value: 'x' },
              { name: 'B', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k', optional: true } } },
              { name: 'C', valueFrom: { secretKeyRef: { name: 's', key: 'pw' } } },
              { name: 'IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } },
              { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
            ],
            resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: '100m' } },
            volumeMounts: [{ name: 'cfg', readOnly: true, mountPath: '/etc/cfg' }],
            livenessProbe: {
              httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP' },
              initialDelaySeconds: 5,
              periodSeconds: 10,
            },
            readinessProbe: { tcpSocket: { port: 8080 } },
            lifecycle: { preStop: { sleep: { seconds: 5 } } },
            terminationMessagePath: '/dev/termination-log',
            imagePullPolicy: 'IfNotPresent',
            securityContext: {
              capabilities: { drop: ['ALL'] },
              runAsUser: 1000,
              runAsNonRoot: true,
              allowPrivilegeEscalation: false,
            },
            tty: true,
            envFrom: [{ prefix: 'X_', configMapRef: { name: 'env-cm' } }],
            terminationMessagePolicy: 'File',
            startupProbe: { exec: { command: ['cat', '/tmp/ready'] }, failureThreshold: 30 },
          },
        ],
        restartPolicy: 'Always',
        terminationGracePeriodSeconds: 0,
        dnsPolicy: 'ClusterFirst',
        nodeSelector: { disk: 'ssd' },
        serviceAccountName: 'runner',
        serviceAccount: 'runner',
        securityContext: { supplementalGroups: [1, 2, 3], fsGroup: 2000 },
        imagePullSecrets: [{ name: 'registry-cred' }],
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [
                { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] },
              ],
            },
          },
          podAntiAffinity: {
            preferredDuringSchedulingIgnoredDuringExecution: [
              {
                weight: 50,
                podAffinityTerm: {
                  labelSelector: { matchLabels: { app: 'web' } },
                  topologyKey: 'kubernetes.io/hostname',
                },
              },
            ],
          },
        },
        schedulerName: 'default-scheduler',
        initContainers: [{ name: 'init', image: 'busybox', command: ['sh', '-c', 'true'] }],
        tolerations: [
          { key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoExecute', tolerationSeconds: 30 },
        ],
        priority: -5,
        enableServiceLinks: false,
      },
      status: {},
    });
  });

  it('makes a map key such as "__proto__" an own property, as JSON.parse does', () => {
    const body = envelope('v1', 'Pod', sub(1, str(1, 'p'), entry(11, '__proto__', 'x'), entry(11, 'a', 'b')));
    const labels = decodeK8sProtobuf(body).metadata.labels as Record<string, string>;
    expect(Object.getPrototypeOf(labels)).toBe(Object.prototype);
    expect(Object.keys(labels)).toEqual(['__proto__', 'a']);
    expect(labels).toEqual(JSON.parse('{"__proto__":"x","a":"b"}'));
  });

  it('skips fields it does not know outside strict messages', () => {
    const body = envelope(
      'v1',
      'Pod',
      concat(
        sub(1, str(1, 'p'), str(99, 'future')),
        sub(2, varint(500, 7), sub(2, str(1, 'c'), str(77, 'x'))),
      ),
    );
    expect(decodeK8sProtobuf(body)).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'c' }] },
    });
  });

  it('refuses a volume of a type it does not describe instead of dropping its source', () => {
    const body = envelope('v1', 'Pod', sub(2, sub(1, str(1, 'disk'), sub(2, sub(3, str(1, 'pd-1'))))));
    expect(() => decodeK8sProtobuf(body)).toThrow(ProtobufUnsupportedError);
    expect(() => decodeK8sProtobuf(body)).toThrow(
      /field 3 of VolumeSource is not supported.*send the object as JSON/,
    );
  });
});
