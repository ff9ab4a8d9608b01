// Service and Endpoints checks.
import { isIP } from 'node:net';
import type { KObject, StatusCause } from '../types.js';
import {
  child,
  duplicate,
  forbidden,
  IMMUTABLE,
  index,
  invalid,
  invalidEach,
  isObject,
  oneOf,
  required,
} from './causes.js';
import { PROTOCOLS, validatePortNumOrName } from './containers.js';
import { validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './metadata.js';
import { dns1123LabelErrors, dns1123SubdomainErrors, portNumberErrors } from './names.js';

export const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
export const NODE_PORT_MIN = 30000;
export const NODE_PORT_MAX = 32767;

function validateServicePorts(ports: unknown[], type: string, out: StatusCause[]): void {
  const names = new Set<string>();
  const portProtos = new Set<string>();
  const nodePorts = new Set<string>();
  ports.forEach((port: unknown, i) => {
    const p = index('spec.ports', i);
    if (!isObject(port)) {
      out.push(invalid(p, port, 'must be an object'));
      return;
    }
    if (typeof port.name === 'string' && port.name !== '') {
      out.push(...invalidEach(child(p, 'name'), port.name, dns1123LabelErrors(port.name)));
      if (names.has(port.name)) {
        out.push(duplicate(child(p, 'name'), port.name));
      }
      names.add(port.name);
    } else if (ports.length > 1) {
      out.push(required(child(p, 'name')));
    }
    const protocol = port.protocol ?? 'TCP';
    out.push(...oneOf(child(p, 'protocol'), protocol, PROTOCOLS));
    if (port.port === undefined || port.port === null) {
      out.push(required(child(p, 'port')));
    } else {
      out.push(...invalidEach(child(p, 'port'), port.port, portNumberErrors(port.port)));
      const pp = `${String(port.port)}/${String(protocol)}`;
      if (portProtos.has(pp)) {
        out.push(duplicate(p, { port: port.port, protocol }));
      }
      portProtos.add(pp);
    }
    if (port.targetPort !== undefined && port.targetPort !== 0 && port.targetPort !== '') {
      out.push(...validatePortNumOrName(port.targetPort, child(p, 'targetPort')));
    }
    const np = port.nodePort;
    if (np !== undefined && np !== null && np !== 0) {
      const npPath = child(p, 'nodePort');
      if (type === 'ClusterIP' || type === 'ExternalName') {
        out.push(forbidden(npPath, `may not be used when \`type\` is '${type}'`));
      } else if (
        typeof np !== 'number' ||
        !Number.isInteger(np) ||
        np < NODE_PORT_MIN ||
        np > NODE_PORT_MAX
      ) {
        out.push(
          invalid(
            npPath,
            np,
            `provided port is not in the valid range. The range of valid ports is ${NODE_PORT_MIN}-${NODE_PORT_MAX}`,
          ),
        );
      } else {
        const key = `${np}/${String(protocol)}`;
        if (nodePorts.has(key)) {
          out.push(duplicate(npPath, np));
        }
        nodePorts.add(key);
      }
    }
  });
}

function validateClusterIP(spec: Record<string, any>, type: string, out: StatusCause[]): void {
  const ip = spec.clusterIP;
  if (type === 'ExternalName') {
    if (typeof ip === 'string' && ip !== '') {
      out.push(forbidden('spec.clusterIP', 'may not be set for ExternalName services'));
    }
    return;
  }
  if (ip === undefined || ip === '' || ip === 'None') {
    return;
  }
  if (typeof ip !== 'string' || isIP(ip) === 0) {
    out.push(invalid('spec.clusterIP', ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
  }
  if (Array.isArray(spec.clusterIPs) && spec.clusterIPs.length > 0 && spec.clusterIPs[0] !== ip) {
    out.push(invalid('spec.clusterIPs', spec.clusterIPs, 'first value must match `clusterIP`'));
  }
}

export function validateService(obj: KObject, old?: KObject): StatusCause[] {
  const out = validateObjectMeta(obj.metadata, 'dns1035');
  if (old) {
    out.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
  }
  const spec = obj.spec;
  if (!isObject(spec)) {
    return [...out, required('spec')];
  }
  const type = spec.type ?? 'ClusterIP';
  out.push(...oneOf('spec.type', type, SERVICE_TYPES));
  const headless = spec.clusterIP === 'None';
  if (type === 'ExternalName') {
    const en = spec.externalName;
    if (typeof en !== 'string' || en === '') {
      out.push(required('spec.externalName'));
    } else {
      out.push(...invalidEach('spec.externalName', en, dns1123SubdomainErrors(en.replace(/\.$/, ''))));
    }
  }
  if (headless && (type === 'NodePort' || type === 'LoadBalancer')) {
    out.push(invalid('spec.clusterIP', 'None', `may not be set to 'None' for ${type} services`));
  }
  validateClusterIP(spec, type, out);
  const ports = spec.ports;
  if (ports === undefined || ports === null || (Array.isArray(ports) && ports.length === 0)) {
    if (type !== 'ExternalName' && !headless) {
      out.push(required('spec.ports'));
    }
  } else if (!Array.isArray(ports)) {
    out.push(invalid('spec.ports', ports, 'must be a list'));
  } else {
    validateServicePorts(ports, type, out);
  }
  out.push(...validateLabels(spec.selector, 'spec.selector'));
  out.push(...oneOf('spec.sessionAffinity', spec.sessionAffinity, ['ClientIP', 'None']));
  out.push(...oneOf('spec.internalTrafficPolicy', spec.internalTrafficPolicy, ['Cluster', 'Local']));
  out.push(...oneOf('spec.externalTrafficPolicy', spec.externalTrafficPolicy, ['Cluster', 'Local']));
  out.push(
    ...oneOf('spec.ipFamilyPolicy', spec.ipFamilyPolicy, [
      'SingleStack',
      'PreferDualStack',
      'RequireDualStack',
    ]),
  );
  if (old && isObject(old.spec)) {
    const before = old.spec.clusterIP;
    const now = spec.clusterIP;
    const involvesExternalName = type === 'ExternalName' || old.spec.type === 'ExternalName';
    if (
      !involvesExternalName &&
      typeof before === 'string' &&
      before !== '' &&
      typeof now === 'string' &&
      now !== '' &&
      now !== before
    ) {
      out.push(invalid('spec.clusterIP', now, IMMUTABLE));
    }
  }
  return out;
}

function validateEndpointAddresses(addrs: unknown, path: string, out: StatusCause[]): void {
  if (addrs === undefined || addrs === null) {
    return;
  }
  if (!Array.isArray(addrs)) {
    out.push(invalid(path, addrs, 'must be a list'));
    return;
  }
  addrs.forEach((a: unknown, i) => {
    const p = index(path, i);
    if (!isObject(a)) {
      out.push(invalid(p, a, 'must be an object'));
    } else if (typeof a.ip !== 'string' || a.ip === '') {
      out.push(required(child(p, 'ip')));
    } else if (isIP(a.ip) === 0) {
      out.push(invalid(child(p, 'ip'), a.ip, 'must be a valid IP address'));
    }
  });
}

export function validateEndpoints(obj: KObject, old?: KObject): StatusCause[] {
  const out = validateObjectMeta(obj.metadata, 'subdomain');
  if (old) {
    out.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
  }
  const subsets: unknown = obj.subsets;
  if (subsets === undefined || subsets === null) {
    return out;
  }
  if (!Array.isArray(subsets)) {
    return [...out, invalid('subsets', subsets, 'must be a list')];
  }
  subsets.forEach((s: unknown, i) => {
    const p = index('subsets', i);
    if (!isObject(s)) {
      out.push(invalid(p, s, 'must be an object'));
      return;
    }
    validateEndpointAddresses(s.addresses, child(p, 'addresses'), out);
    validateEndpointAddresses(s.notReadyAddresses, child(p, 'notReadyAddresses'), out);
    const ports: unknown[] = Array.isArray(s.ports) ? s.ports : [];
    const names = new Set<string>();
    ports.forEach((port: unknown, j) => {
      const pp = index(child(p, 'ports'), j);
      if (!isObject(port)) {
        out.push(invalid(pp, port, 'must be an object'));
        return;
      }
      out.push(...invalidEach(child(pp, 'port'), port.port, portNumberErrors(port.port)));
      out.push(...oneOf(child(pp, 'protocol'), port.protocol, PROTOCOLS));
      if (typeof port.name === 'string' && port.name !== '') {
        out.push(...invalidEach(child(pp, 'name'), port.name, dns1123LabelErrors(port.name)));
        if (names.has(port.name)) {
          out.push(duplicate(child(pp, 'name'), port.name));
        }
        names.add(port.name);
      } else if (ports.length > 1) {
        out.push(required(child(pp, 'name')));
      }
    });
  });
  return out;
}
