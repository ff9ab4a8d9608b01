import { describe, expect, it } from 'vitest';
import { lookupService, serviceRules } from '../../../src/agent/kubelet/service-sync.js';
import type { KObject } from '../../../src/api/types.js';

const svc = (spec: Record<string, unknown>, name = 'web'): KObject => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, namespace: 'shop' },
  spec,
});
const eps: KObject = {
  apiVersion: 'v1',
  kind: 'Endpoints',
  metadata: { name: 'web', namespace: 'shop' },
  subsets: [
    {
      addresses: [{ ip: '10.244.0.5' }],
      notReadyAddresses: [{ ip: '10.244.0.6' }],
      ports: [
        { name: 'http', port: 8080, protocol: 'TCP' },
        { name: 'dns', port: 5353, protocol: 'UDP' },
      ],
    },
  ],
};

describe('serviceRules', () => {
  it('maps each port to its endpoints, ready or not, with NodePorts', () => {
    const rules = serviceRules(
      svc({
        type: 'NodePort',
        clusterIP: '10.96.0.10',
        ports: [
          { name: 'http', port: 80, nodePort: 30080 },
          { name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 },
        ],
      }),
      eps,
    );
    expect(rules).toEqual([
      {
        namespace: 'shop',
        service: 'web',
        portName: 'http',
        protocol: 'TCP',
        clusterIP: '10.96.0.10',
        port: 80,
        nodePort: 30080,
        endpoints: [
          { ip: '10.244.0.5', port: 8080, ready: true, terminating: false },
          { ip: '10.244.0.6', port: 8080, ready: false, terminating: false },
        ],
      },
      {
        namespace: 'shop',
        service: 'web',
        portName: 'dns',
        protocol: 'UDP',
        clusterIP: '10.96.0.10',
        port: 53,
        nodePort: 30053,
        endpoints: [
          { ip: '10.244.0.5', port: 5353, ready: true, terminating: false },
          { ip: '10.244.0.6', port: 5353, ready: false, terminating: false },
        ],
      },
    ]);
  });

  it('has no rules for headless or ExternalName services, and no endpoints without Endpoints', () => {
    expect(serviceRules(svc({ clusterIP: 'None', ports: [{ port: 80 }] }), eps)).toEqual([]);
    expect(serviceRules(svc({ type: 'ExternalName', externalName: 'x.example' }), undefined)).toEqual([]);
    expect(
      serviceRules(svc({ clusterIP: '10.96.0.9', ports: [{ port: 80 }] }), undefined)[0]?.endpoints,
    ).toEqual([]);
  });
});

describe('lookupService', () => {
  const objects: Record<string, KObject> = {
    'svc/shop/web': svc({ clusterIP: '10.96.0.10' }),
    'svc/shop/db': svc({ clusterIP: 'None' }, 'db'),
    'ep/shop/db': { ...eps, metadata: { name: 'db', namespace: 'shop' } },
  };
  const get = (kind: 'svc' | 'ep', ns: string, name: string) => objects[`${kind}/${ns}/${name}`];
  it('answers ClusterIPs, headless pod IPs, and nothing for unknown names', () => {
    expect(lookupService('web.shop.svc.cluster.local', 'cluster.local', get)).toEqual(['10.96.0.10']);
    expect(lookupService('db.shop.svc.cluster.local', 'cluster.local', get)).toEqual(['10.244.0.5']);
    expect(lookupService('nope.shop.svc.cluster.local', 'cluster.local', get)).toBeUndefined();
    expect(lookupService('example.com', 'cluster.local', get)).toBeUndefined();
  });
});
