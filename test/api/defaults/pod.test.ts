import { describe, expect, it } from 'vitest';
import { applyDefaults, defaultPullPolicy } from '../../../src/api/defaults/index.js';
import type { KObject } from '../../../src/api/types.js';

function pod(spec: Record<string, unknown>, status?: unknown): KObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec, ...(status ? { status } : {}) };
}

describe('pod defaults', () => {
  it('fills the pod spec, container and status defaults', () => {
    const p = pod({ containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] });
    applyDefaults(p);
    expect(p.spec).toEqual({
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
      terminationGracePeriodSeconds: 30,
      schedulerName: 'default-scheduler',
      securityContext: {},
      enableServiceLinks: true,
      serviceAccountName: 'default',
      containers: [
        {
          name: 'web',
          image: 'nginx:1.27',
          imagePullPolicy: 'IfNotPresent',
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
          ports: [{ containerPort: 80, protocol: 'TCP' }],
        },
      ],
    });
    expect(p.status).toEqual({ phase: 'Pending' });
  });

  it('keeps values that are set', () => {
    const p = pod(
      {
        restartPolicy: 'Never',
        dnsPolicy: 'Default',
        terminationGracePeriodSeconds: 0,
        enableServiceLinks: false,
        serviceAccountName: 'builder',
        containers: [
          {
            name: 'a',
            image: 'x:1',
            imagePullPolicy: 'Always',
            ports: [{ containerPort: 53, protocol: 'UDP' }],
          },
        ],
      },
      { phase: 'Running' },
    );
    applyDefaults(p);
    expect(p.spec.restartPolicy).toBe('Never');
    expect(p.spec.dnsPolicy).toBe('Default');
    expect(p.spec.terminationGracePeriodSeconds).toBe(0);
    expect(p.spec.enableServiceLinks).toBe(false);
    expect(p.spec.serviceAccountName).toBe('builder');
    expect(p.spec.containers[0].imagePullPolicy).toBe('Always');
    expect(p.spec.containers[0].ports[0].protocol).toBe('UDP');
    expect(p.status.phase).toBe('Running');
  });

  it('treats null as unset', () => {
    const p = pod({ restartPolicy: null, containers: [{ name: 'a', image: 'x', imagePullPolicy: null }] });
    applyDefaults(p);
    expect(p.spec.restartPolicy).toBe('Always');
    expect(p.spec.containers[0].imagePullPolicy).toBe('Always');
  });

  it.each([
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['nginx:1.27', 'IfNotPresent'],
    ['registry.local:5000/team/web', 'Always'],
    ['registry.local:5000/team/web:v2', 'IfNotPresent'],
    ['registry.local:5000/team/web:latest', 'Always'],
    ['nginx@sha256:0123456789abcdef', 'IfNotPresent'],
    ['nginx:1.27@sha256:0123456789abcdef', 'IfNotPresent'],
  ])('imagePullPolicy for %s is %s', (image, want) => {
    expect(defaultPullPolicy(image)).toBe(want);
  });

  it('defaults probes and lifecycle handlers, for init containers too', () => {
    const p = pod({
      initContainers: [
        { name: 'i', image: 'x', restartPolicy: 'Always', startupProbe: { tcpSocket: { port: 80 } } },
      ],
      containers: [
        {
          name: 'a',
          image: 'x',
          readinessProbe: { httpGet: { port: 8080 }, periodSeconds: 5 },
          livenessProbe: { exec: { command: ['true'] } },
          lifecycle: { preStop: { httpGet: { port: 80 } } },
        },
      ],
    });
    applyDefaults(p);
    const c = p.spec.containers[0];
    expect(c.readinessProbe).toEqual({
      httpGet: { port: 8080, path: '/', scheme: 'HTTP' },
      periodSeconds: 5,
      timeoutSeconds: 1,
      successThreshold: 1,
      failureThreshold: 3,
    });
    expect(c.livenessProbe).toEqual({
      exec: { command: ['true'] },
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
    expect(c.lifecycle.preStop.httpGet).toEqual({ port: 80, path: '/', scheme: 'HTTP' });
    expect(p.spec.initContainers[0].startupProbe.failureThreshold).toBe(3);
    expect(p.spec.initContainers[0].terminationMessagePolicy).toBe('File');
  });

  it('defaults volumes and downward API references', () => {
    const p = pod({
      volumes: [
        { name: 'scratch' },
        { name: 's', secret: { secretName: 'x' } },
        { name: 'c', configMap: { name: 'x', defaultMode: 0o400 } },
        {
          name: 'd',
          downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] },
        },
      ],
      containers: [
        {
          name: 'a',
          image: 'x',
          env: [{ name: 'N', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
        },
      ],
    });
    applyDefaults(p);
    expect(p.spec.volumes).toEqual([
      { name: 'scratch', emptyDir: {} },
      { name: 's', secret: { secretName: 'x', defaultMode: 420 } },
      { name: 'c', configMap: { name: 'x', defaultMode: 0o400 } },
      {
        name: 'd',
        downwardAPI: {
          defaultMode: 420,
          items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels', apiVersion: 'v1' } }],
        },
      },
    ]);
    expect(p.spec.containers[0].env[0].valueFrom.fieldRef.apiVersion).toBe('v1');
  });

  it('copies containerPort to hostPort on the host network', () => {
    const p = pod({
      hostNetwork: true,
      containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 9100 }] }],
    });
    applyDefaults(p);
    expect(p.spec.containers[0].ports[0]).toEqual({ containerPort: 9100, hostPort: 9100, protocol: 'TCP' });
  });
});
