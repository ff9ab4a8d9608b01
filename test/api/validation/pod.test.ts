import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../../src/api/defaults/index.js';
import type { KObject } from '../../../src/api/types.js';
import { POD_UPDATE_MESSAGE, validatePod, validatePodSpec } from '../../../src/api/validation/pod.js';
import { validObject } from '../fixtures.js';
import { lines, pairs } from './helpers.js';

function spec(
  extra: Record<string, unknown> = {},
  container: Record<string, unknown> = {},
): Record<string, unknown> {
  return { containers: [{ name: 'web', image: 'nginx:1.27', ...container }], ...extra };
}

describe('validatePodSpec', () => {
  it('accepts the fixture pod', () => {
    expect(validatePod(validObject('Pod'))).toEqual([]);
  });

  it.each<[string, unknown, string[]]>([
    ['no containers', { containers: [] }, ['spec.containers FieldValueRequired']],
    ['missing containers', {}, ['spec.containers FieldValueRequired']],
    ['missing spec', undefined, ['spec FieldValueRequired']],
    ['missing image', { containers: [{ name: 'web' }] }, ['spec.containers[0].image FieldValueRequired']],
    ['missing name', { containers: [{ image: 'x' }] }, ['spec.containers[0].name FieldValueRequired']],
    [
      'bad container name',
      { containers: [{ name: 'Web_1', image: 'x' }] },
      ['spec.containers[0].name FieldValueInvalid'],
    ],
    [
      'duplicate container names across init and regular containers',
      { initContainers: [{ name: 'a', image: 'x' }], containers: [{ name: 'a', image: 'x' }] },
      ['spec.containers[0].name FieldValueDuplicate'],
    ],
    [
      'restartPolicy enum',
      spec({ restartPolicy: 'Sometimes' }),
      ['spec.restartPolicy FieldValueNotSupported'],
    ],
    ['dnsPolicy enum', spec({ dnsPolicy: 'Google' }), ['spec.dnsPolicy FieldValueNotSupported']],
    [
      'negative grace period',
      spec({ terminationGracePeriodSeconds: -1 }),
      ['spec.terminationGracePeriodSeconds FieldValueInvalid'],
    ],
    [
      'zero active deadline',
      spec({ activeDeadlineSeconds: 0 }),
      ['spec.activeDeadlineSeconds FieldValueInvalid'],
    ],
    ['bad nodeSelector', spec({ nodeSelector: { 'bad key': 'x' } }), ['spec.nodeSelector FieldValueInvalid']],
    [
      'port out of range',
      spec({}, { ports: [{ containerPort: 70000 }] }),
      ['spec.containers[0].ports[0].containerPort FieldValueInvalid'],
    ],
    [
      'port zero',
      spec({}, { ports: [{ containerPort: 0 }] }),
      ['spec.containers[0].ports[0].containerPort FieldValueInvalid'],
    ],
    [
      'port missing',
      spec({}, { ports: [{ name: 'http' }] }),
      ['spec.containers[0].ports[0].containerPort FieldValueRequired'],
    ],
    [
      'duplicate port names',
      spec(
        {},
        {
          ports: [
            { name: 'http', containerPort: 80 },
            { name: 'http', containerPort: 81 },
          ],
        },
      ),
      ['spec.containers[0].ports[1].name FieldValueDuplicate'],
    ],
    [
      'bad port name',
      spec({}, { ports: [{ name: 'http--x', containerPort: 80 }] }),
      ['spec.containers[0].ports[0].name FieldValueInvalid'],
    ],
    [
      'bad protocol',
      spec({}, { ports: [{ containerPort: 80, protocol: 'ICMP' }] }),
      ['spec.containers[0].ports[0].protocol FieldValueNotSupported'],
    ],
    [
      'duplicate host ports across containers',
      {
        containers: [
          { name: 'a', image: 'x', ports: [{ containerPort: 80, hostPort: 8080 }] },
          { name: 'b', image: 'x', ports: [{ containerPort: 81, hostPort: 8080 }] },
        ],
      },
      ['spec.containers[1].ports[0].hostPort FieldValueDuplicate'],
    ],
    [
      'pull policy enum',
      spec({}, { imagePullPolicy: 'Sometimes' }),
      ['spec.containers[0].imagePullPolicy FieldValueNotSupported'],
    ],
    [
      'env without name',
      spec({}, { env: [{ value: 'x' }] }),
      ['spec.containers[0].env[0].name FieldValueRequired'],
    ],
    [
      'env name with =',
      spec({}, { env: [{ name: 'A=B' }] }),
      ['spec.containers[0].env[0].name FieldValueInvalid'],
    ],
    [
      'restartPolicy on a regular container',
      spec({}, { restartPolicy: 'Always' }),
      ['spec.containers[0].restartPolicy FieldValueForbidden'],
    ],
  ])('%s', (_name, s, want) => {
    expect(pairs(validatePodSpec(s, 'spec'))).toEqual(want);
  });

  describe('resources', () => {
    it.each<[string, unknown, string[]]>([
      ['valid', { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '64Mi' } }, []],
      [
        'bad quantity',
        { requests: { cpu: 'lots' } },
        ['spec.containers[0].resources.requests[cpu] FieldValueInvalid'],
      ],
      [
        'negative quantity',
        { limits: { memory: '-1Mi' } },
        ['spec.containers[0].resources.limits[memory] FieldValueInvalid'],
      ],
      [
        'bad resource name',
        { limits: { 'bad name': '1' } },
        ['spec.containers[0].resources.limits[bad name] FieldValueInvalid'],
      ],
      [
        'request above limit',
        { requests: { cpu: '2', memory: '1Gi' }, limits: { cpu: '1', memory: '2Gi' } },
        ['spec.containers[0].resources.requests[cpu] FieldValueInvalid'],
      ],
    ])('%s', (_name, resources, want) => {
      expect(pairs(validatePodSpec(spec({}, { resources }), 'spec'))).toEqual(want);
    });

    it('explains a request above its limit like Kubernetes', () => {
      const causes = validatePodSpec(
        spec({}, { resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } }),
        'spec',
      );
      expect(lines(causes)).toEqual([
        'spec.containers[0].resources.requests[cpu]: Invalid value: "2": must be less than or equal to cpu limit of 1',
      ]);
    });
  });

  describe('volumes', () => {
    it.each<[string, unknown, unknown, string[]]>([
      ['valid', [{ name: 'data', emptyDir: {} }], [{ name: 'data', mountPath: '/data' }], []],
      [
        'mount of an unknown volume',
        [],
        [{ name: 'data', mountPath: '/data' }],
        ['spec.containers[0].volumeMounts[0].name FieldValueNotFound'],
      ],
      [
        'duplicate volume names',
        [
          { name: 'data', emptyDir: {} },
          { name: 'data', emptyDir: {} },
        ],
        [],
        ['spec.volumes[1].name FieldValueDuplicate'],
      ],
      ['no source', [{ name: 'data' }], [], ['spec.volumes[0] FieldValueRequired']],
      [
        'two sources',
        [{ name: 'data', emptyDir: {}, hostPath: { path: '/x' } }],
        [],
        ['spec.volumes[0].emptyDir FieldValueForbidden'],
      ],
      [
        'secret without name',
        [{ name: 'data', secret: {} }],
        [],
        ['spec.volumes[0].secret.secretName FieldValueRequired'],
      ],
      ['bad volume name', [{ name: 'Data', emptyDir: {} }], [], ['spec.volumes[0].name FieldValueInvalid']],
      [
        'mountPath missing and duplicated',
        [{ name: 'data', emptyDir: {} }],
        [{ name: 'data' }, { name: 'data', mountPath: '/d' }, { name: 'data', mountPath: '/d' }],
        [
          'spec.containers[0].volumeMounts[0].mountPath FieldValueRequired',
          'spec.containers[0].volumeMounts[2].mountPath FieldValueInvalid',
        ],
      ],
    ])('%s', (_name, volumes, volumeMounts, want) => {
      expect(pairs(validatePodSpec(spec({ volumes }, { volumeMounts }), 'spec'))).toEqual(want);
    });
  });

  describe('probes', () => {
    it.each<[string, unknown, string[]]>([
      ['httpGet', { httpGet: { path: '/', port: 8080 } }, []],
      ['named port', { tcpSocket: { port: 'http' } }, []],
      ['exec', { exec: { command: ['true'] } }, []],
      ['no handler', { periodSeconds: 5 }, ['spec.containers[0].readinessProbe FieldValueRequired']],
      [
        'two handlers',
        { httpGet: { port: 80 }, tcpSocket: { port: 80 } },
        ['spec.containers[0].readinessProbe.tcpSocket FieldValueForbidden'],
      ],
      [
        'exec without command',
        { exec: {} },
        ['spec.containers[0].readinessProbe.exec.command FieldValueRequired'],
      ],
      [
        'bad port',
        { httpGet: { port: 0 } },
        ['spec.containers[0].readinessProbe.httpGet.port FieldValueInvalid'],
      ],
      [
        'bad scheme',
        { httpGet: { port: 80, scheme: 'FTP' } },
        ['spec.containers[0].readinessProbe.httpGet.scheme FieldValueNotSupported'],
      ],
      [
        'negative period',
        { httpGet: { port: 80 }, periodSeconds: -1 },
        ['spec.containers[0].readinessProbe.periodSeconds FieldValueInvalid'],
      ],
    ])('readiness %s', (_name, probe, want) => {
      expect(pairs(validatePodSpec(spec({}, { readinessProbe: probe }), 'spec'))).toEqual(want);
    });

    it('liveness successThreshold must be 1', () => {
      const causes = validatePodSpec(
        spec({}, { livenessProbe: { exec: { command: ['x'] }, successThreshold: 2 } }),
        'spec',
      );
      expect(lines(causes)).toEqual([
        'spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1',
      ]);
    });

    it('probes are forbidden on plain init containers but allowed on sidecars', () => {
      const probe = { tcpSocket: { port: 80 } };
      expect(
        pairs(
          validatePodSpec(
            { ...spec(), initContainers: [{ name: 'i', image: 'x', readinessProbe: probe }] },
            'spec',
          ),
        ),
      ).toEqual(['spec.initContainers[0].readinessProbe FieldValueForbidden']);
      expect(
        validatePodSpec(
          {
            ...spec(),
            initContainers: [{ name: 'i', image: 'x', restartPolicy: 'Always', readinessProbe: probe }],
          },
          'spec',
        ),
      ).toEqual([]);
    });
  });

  it('validates tolerations', () => {
    expect(
      validatePodSpec(
        spec({ tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }] }),
        'spec',
      ),
    ).toEqual([]);
    expect(
      pairs(validatePodSpec(spec({ tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }] }), 'spec')),
    ).toEqual(['spec.tolerations[0].operator FieldValueInvalid']);
    expect(
      pairs(validatePodSpec(spec({ tolerations: [{ key: 'k', effect: 'Sometimes' }] }), 'spec')),
    ).toEqual(['spec.tolerations[0].effect FieldValueNotSupported']);
  });

  it('returns every problem at once', () => {
    const causes = validatePodSpec(
      {
        restartPolicy: 'Maybe',
        containers: [{ name: 'A' }, { name: 'b', image: 'x', ports: [{ containerPort: -1 }] }],
      },
      'spec',
    );
    expect(pairs(causes)).toEqual([
      'spec.containers[0].name FieldValueInvalid',
      'spec.containers[0].image FieldValueRequired',
      'spec.containers[1].ports[0].containerPort FieldValueInvalid',
      'spec.restartPolicy FieldValueNotSupported',
    ]);
  });
});

describe('pod updates', () => {
  function stored(): KObject {
    const p = validObject('Pod');
    applyDefaults(p);
    p.spec.nodeName = 'node-1';
    return p;
  }

  it('allows image, activeDeadlineSeconds and added tolerations', () => {
    const old = stored();
    const next = structuredClone(old);
    next.spec.containers[0].image = 'registry.local/web:1.2.4';
    next.spec.initContainers[0].image = 'registry.local/web:1.2.4';
    next.spec.activeDeadlineSeconds = 600;
    next.spec.tolerations = [{ key: 'k', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }];
    next.metadata.labels = { app: 'web', extra: 'yes' };
    next.status = { phase: 'Running' };
    expect(validatePod(next, old)).toEqual([]);
  });

  it('forbids other spec changes', () => {
    const old = stored();
    const next = structuredClone(old);
    next.spec.containers[0].ports[0].containerPort = 9090;
    expect(lines(validatePod(next, old))).toEqual([`spec: Forbidden: ${POD_UPDATE_MESSAGE}`]);
    const moved = structuredClone(old);
    moved.spec.nodeName = 'node-2';
    expect(pairs(validatePod(moved, old))).toEqual(['spec FieldValueForbidden']);
  });

  it('forbids removing tolerations and raising activeDeadlineSeconds', () => {
    const old = stored();
    old.spec.tolerations = [{ key: 'a', operator: 'Exists' }];
    old.spec.activeDeadlineSeconds = 100;
    const fewer = structuredClone(old);
    fewer.spec.tolerations = [];
    expect(pairs(validatePod(fewer, old))).toEqual(['spec FieldValueForbidden']);
    const longer = structuredClone(old);
    longer.spec.activeDeadlineSeconds = 200;
    expect(pairs(validatePod(longer, old))).toEqual(['spec.activeDeadlineSeconds FieldValueInvalid']);
  });
});
