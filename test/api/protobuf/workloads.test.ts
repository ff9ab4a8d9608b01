// apps/v1 and batch/v1 objects and a fully specified Service, encoded field by field with the
// numbers from k8s.io/api generated.proto (written out here, independent of the decoder's tables).
import { describe, expect, it } from 'vitest';
import { decodeK8sProtobuf } from '../../../src/api/protobuf/index.js';
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

const meta = (name: string) => sub(1, str(1, name), str(3, 'prod'), sub(8));
const selector = (field: number) =>
  sub(field, entry(1, 'app', 'web'), sub(2, str(1, 'tier'), str(2, 'NotIn'), str(3, 'db')));
const template = (field: number) =>
  sub(field, sub(1, entry(11, 'app', 'web'), sub(8)), sub(2, sub(2, str(1, 'c'), str(2, 'img:1'))));

const SELECTOR_JSON = {
  matchLabels: { app: 'web' },
  matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }],
};
const TEMPLATE_JSON = {
  metadata: { labels: { app: 'web' }, creationTimestamp: null },
  spec: { containers: [{ name: 'c', image: 'img:1' }] },
};

describe('apps/v1', () => {
  it('Deployment: strategy, IntOrString percentages and pointer fields set to zero', () => {
    const spec = sub(
      2,
      varint(1, 2),
      selector(2),
      template(3),
      sub(4, str(1, 'RollingUpdate'), sub(2, intOrString(1, 0), intOrString(2, '25%'))),
      varint(5, 0),
      varint(6, 0),
      varint(7, false),
      varint(9, 600),
    );
    expect(decodeK8sProtobuf(envelope('apps/v1', 'Deployment', concat(meta('web'), spec, sub(3))))).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'prod', creationTimestamp: null },
      spec: {
        replicas: 2,
        selector: SELECTOR_JSON,
        template: TEMPLATE_JSON,
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
        revisionHistoryLimit: 0,
        progressDeadlineSeconds: 600,
      },
      status: {},
    });
  });

  it('ReplicaSet', () => {
    const spec = sub(2, varint(1, 1), selector(2), template(3), varint(4, 5));
    expect(decodeK8sProtobuf(envelope('apps/v1', 'ReplicaSet', concat(meta('web-1'), spec))).spec).toEqual({
      replicas: 1,
      selector: SELECTOR_JSON,
      template: TEMPLATE_JSON,
      minReadySeconds: 5,
    });
  });

  it('DaemonSet', () => {
    const spec = sub(
      2,
      selector(1),
      template(2),
      sub(3, str(1, 'RollingUpdate'), sub(2, intOrString(1, 1), intOrString(2, 0))),
      varint(4, 0),
      varint(6, 3),
    );
    expect(decodeK8sProtobuf(envelope('apps/v1', 'DaemonSet', concat(meta('agent'), spec))).spec).toEqual({
      selector: SELECTOR_JSON,
      template: TEMPLATE_JSON,
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      revisionHistoryLimit: 3,
    });
  });

  it('StatefulSet with volume claim templates', () => {
    const claim = sub(
      4,
      sub(1, str(1, 'data'), sub(8)),
      sub(2, str(1, 'ReadWriteOnce'), sub(2, quantityEntry(2, 'storage', '1Gi')), str(3, ''), str(5, '')),
      sub(3, str(1, '')),
    );
    const spec = sub(
      2,
      varint(1, 3),
      selector(2),
      template(3),
      claim,
      str(5, 'db'),
      str(6, 'Parallel'),
      sub(7, str(1, 'RollingUpdate'), sub(2, varint(1, 0))),
      varint(9, 0),
      sub(10, str(1, 'Retain'), str(2, 'Delete')),
      sub(11, varint(1, 0)),
    );
    expect(decodeK8sProtobuf(envelope('apps/v1', 'StatefulSet', concat(meta('db'), spec))).spec).toEqual({
      replicas: 3,
      selector: SELECTOR_JSON,
      template: TEMPLATE_JSON,
      volumeClaimTemplates: [
        {
          metadata: { name: 'data', creationTimestamp: null },
          spec: {
            accessModes: ['ReadWriteOnce'],
            resources: { requests: { storage: '1Gi' } },
            storageClassName: '',
          },
          status: {},
        },
      ],
      serviceName: 'db',
      podManagementPolicy: 'Parallel',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' },
      ordinals: { start: 0 },
    });
  });
});

describe('batch/v1', () => {
  it('Job: every pointer field survives, zero or not', () => {
    const spec = sub(
      2,
      varint(1, 2),
      varint(2, 4),
      varint(3, 3600),
      selector(4),
      varint(5, true),
      template(6),
      varint(7, 0),
      varint(8, 100),
      str(9, 'Indexed'),
      varint(10, false),
      sub(
        11,
        sub(
          1,
          str(1, 'FailJob'),
          sub(2, str(1, 'c'), str(2, 'In'), bytes(3, concat(rawVarint(1), rawVarint(42)))),
        ),
        sub(1, str(1, 'Ignore'), sub(3, str(1, 'DisruptionTarget'), str(2, 'True'))),
      ),
      varint(12, 1),
      str(14, 'Failed'),
      sub(16, sub(1, str(1, '0-2'), varint(2, 2))),
    );
    expect(decodeK8sProtobuf(envelope('batch/v1', 'Job', concat(meta('migrate'), spec))).spec).toEqual({
      parallelism: 2,
      completions: 4,
      activeDeadlineSeconds: 3600,
      selector: SELECTOR_JSON,
      manualSelector: true,
      template: TEMPLATE_JSON,
      backoffLimit: 0,
      ttlSecondsAfterFinished: 100,
      completionMode: 'Indexed',
      suspend: false,
      podFailurePolicy: {
        rules: [
          { action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'In', values: [1, 42] } },
          { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
        ],
      },
      backoffLimitPerIndex: 1,
      podReplacementPolicy: 'Failed',
      successPolicy: { rules: [{ succeededIndexes: '0-2', succeededCount: 2 }] },
    });
  });
});

describe('v1 Service', () => {
  it('decodes the whole spec', () => {
    const spec = sub(
      2,
      sub(
        1,
        str(1, 'web'),
        str(2, 'TCP'),
        varint(3, 80),
        intOrString(4, 'http'),
        varint(5, 0),
        str(6, 'http'),
      ),
      entry(2, 'app', 'web'),
      str(3, '10.96.0.10'),
      str(4, 'ClusterIP'),
      str(5, '192.0.2.1'),
      str(7, 'ClientIP'),
      str(8, ''),
      str(10, ''),
      str(11, ''),
      varint(12, 0),
      varint(13, true),
      sub(14, sub(1, varint(1, 10800))),
      str(17, 'SingleStack'),
      str(18, '10.96.0.10'),
      str(19, 'IPv4'),
      str(22, 'Cluster'),
    );
    expect(decodeK8sProtobuf(envelope('v1', 'Service', concat(meta('web'), spec, sub(3, sub(1)))))).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'prod', creationTimestamp: null },
      spec: {
        ports: [{ name: 'web', protocol: 'TCP', port: 80, targetPort: 'http', appProtocol: 'http' }],
        selector: { app: 'web' },
        clusterIP: '10.96.0.10',
        type: 'ClusterIP',
        externalIPs: ['192.0.2.1'],
        sessionAffinity: 'ClientIP',
        publishNotReadyAddresses: true,
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
        ipFamilyPolicy: 'SingleStack',
        clusterIPs: ['10.96.0.10'],
        ipFamilies: ['IPv4'],
        internalTrafficPolicy: 'Cluster',
      },
      status: { loadBalancer: {} },
    });
  });
});
