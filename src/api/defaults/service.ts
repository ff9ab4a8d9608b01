// Service and Endpoints defaults. IP and node-port allocation is the server's job, not a default.
import type { KObject } from '../types.js';
import { fill, obj } from './pod.js';

type Obj = Record<string, any>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function defaultService(o: KObject): void {
  if (!isObj(o.spec)) {
    return;
  }
  const spec = o.spec;
  const type = fill<string>(spec, 'type', 'ClusterIP');
  fill(spec, 'sessionAffinity', 'None');
  if (spec.sessionAffinity === 'ClientIP') {
    fill(obj(obj(spec, 'sessionAffinityConfig'), 'clientIP'), 'timeoutSeconds', 10800);
  }
  if (Array.isArray(spec.ports)) {
    for (const port of spec.ports) {
      if (!isObj(port)) {
        continue;
      }
      fill(port, 'protocol', 'TCP');
      if (
        port.targetPort === undefined ||
        port.targetPort === null ||
        port.targetPort === 0 ||
        port.targetPort === ''
      ) {
        if (port.port !== undefined) {
          port.targetPort = port.port;
        }
      }
    }
  }
  if (type !== 'ExternalName') {
    fill(spec, 'internalTrafficPolicy', 'Cluster');
  }
  if (type === 'NodePort' || type === 'LoadBalancer') {
    fill(spec, 'externalTrafficPolicy', 'Cluster');
  }
  if (type === 'LoadBalancer') {
    fill(spec, 'allocateLoadBalancerNodePorts', true);
  }
}

export function defaultEndpoints(o: KObject): void {
  if (!Array.isArray(o.subsets)) {
    return;
  }
  for (const subset of o.subsets) {
    if (isObj(subset) && Array.isArray(subset.ports)) {
      for (const port of subset.ports) {
        if (isObj(port)) {
          fill(port, 'protocol', 'TCP');
        }
      }
    }
  }
}
