import { describe, expect, it } from 'vitest';
import { applyDefaults } from '../../../src/api/defaults/index.js';
import type { KObject } from '../../../src/api/types.js';

function svc(spec: Record<string, unknown>): KObject {
  const o: KObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec };
  applyDefaults(o);
  return o;
}

describe('service defaults', () => {
  it('ClusterIP', () => {
    expect(svc({ ports: [{ port: 80 }, { port: 443, targetPort: 'https', protocol: 'TCP' }] }).spec).toEqual({
      type: 'ClusterIP',
      sessionAffinity: 'None',
      internalTrafficPolicy: 'Cluster',
      ports: [
        { port: 80, protocol: 'TCP', targetPort: 80 },
        { port: 443, targetPort: 'https', protocol: 'TCP' },
      ],
    });
  });

  it('NodePort and LoadBalancer get an external traffic policy', () => {
    expect(svc({ type: 'NodePort', ports: [{ port: 80 }] }).spec.externalTrafficPolicy).toBe('Cluster');
    const lb = svc({ type: 'LoadBalancer', ports: [{ port: 80 }] }).spec;
    expect(lb.externalTrafficPolicy).toBe('Cluster');
    expect(lb.allocateLoadBalancerNodePorts).toBe(true);
    expect(svc({ ports: [{ port: 80 }] }).spec.externalTrafficPolicy).toBeUndefined();
  });

  it('ExternalName gets no traffic policies and no IP', () => {
    const s = svc({ type: 'ExternalName', externalName: 'db.example.com' }).spec;
    expect(s).toEqual({ type: 'ExternalName', externalName: 'db.example.com', sessionAffinity: 'None' });
  });

  it('ClientIP affinity gets the default timeout', () => {
    expect(svc({ sessionAffinity: 'ClientIP', ports: [{ port: 80 }] }).spec.sessionAffinityConfig).toEqual({
      clientIP: { timeoutSeconds: 10800 },
    });
  });

  it('a zero targetPort means "same as port"', () => {
    expect(svc({ ports: [{ port: 8080, targetPort: 0 }] }).spec.ports[0].targetPort).toBe(8080);
  });
});

describe('endpoints defaults', () => {
  it('fills the port protocol', () => {
    const o: KObject = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'web' },
      subsets: [{ ports: [{ port: 80 }] }],
    };
    applyDefaults(o);
    expect(o.subsets[0].ports[0]).toEqual({ port: 80, protocol: 'TCP' });
  });
});
