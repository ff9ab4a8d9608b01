// Container checks inside a pod spec: names, image, ports, env, resources, volume mounts, probes.
import { compareQuantities, isValidQuantity, parseQuantity, QUANTITY_FORMAT_HINT } from '../quantity.js';
import type { StatusCause } from '../types.js';
import {
  child,
  duplicate,
  forbidden,
  index,
  invalid,
  invalidEach,
  isObject,
  key,
  nonNegative,
  notFound,
  oneOf,
  positive,
  required,
} from './causes.js';
import { dns1123LabelErrors, ianaSvcNameErrors, portNumberErrors, qualifiedNameErrors } from './names.js';

export const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'];
const LIFECYCLE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'sleep'];

export interface ContainerContext {
  /** Names of the pod's volumes, for volumeMounts. */
  readonly volumes: ReadonlySet<string>;
  /** Container names seen so far in the pod (containers and init containers share one namespace). */
  readonly names: Set<string>;
  /** `hostPort/protocol` pairs seen so far in the pod. */
  readonly hostPorts: Set<string>;
}

/** A port given as a number (1–65535) or an IANA service name (probes, targetPort). */
export function validatePortNumOrName(port: unknown, path: string): StatusCause[] {
  if (port === undefined || port === null || port === '') {
    return [required(path)];
  }
  if (typeof port === 'number') {
    return invalidEach(path, port, portNumberErrors(port));
  }
  if (typeof port === 'string') {
    if (/^[0-9]+$/.test(port)) {
      return invalidEach(path, port, portNumberErrors(Number(port)));
    }
    return invalidEach(path, port, ianaSvcNameErrors(port));
  }
  return [invalid(path, port, 'must be a port number or name')];
}

function validateHandler(h: Record<string, any>, path: string, kinds: readonly string[]): StatusCause[] {
  const present = kinds.filter((k) => h[k] !== undefined && h[k] !== null);
  if (present.length === 0) {
    return [required(path, 'must specify a handler type')];
  }
  if (present.length > 1) {
    return [forbidden(child(path, present[1] ?? ''), 'may not specify more than 1 handler type')];
  }
  const kind = present[0] ?? '';
  const p = child(path, kind);
  const v = h[kind];
  if (!isObject(v)) {
    return [invalid(p, v, 'must be an object')];
  }
  switch (kind) {
    case 'exec':
      return Array.isArray(v.command) && v.command.length > 0 ? [] : [required(child(p, 'command'))];
    case 'httpGet':
      return [
        ...validatePortNumOrName(v.port, child(p, 'port')),
        ...oneOf(child(p, 'scheme'), v.scheme, ['HTTP', 'HTTPS']),
      ];
    case 'tcpSocket':
      return validatePortNumOrName(v.port, child(p, 'port'));
    case 'grpc':
      return invalidEach(child(p, 'port'), v.port, portNumberErrors(v.port));
    case 'sleep':
      return nonNegative(child(p, 'seconds'), v.seconds);
    default:
      return [];
  }
}

type ProbeKind = 'livenessProbe' | 'readinessProbe' | 'startupProbe';

function validateProbe(probe: unknown, path: string, kind: ProbeKind): StatusCause[] {
  if (probe === undefined || probe === null) {
    return [];
  }
  if (!isObject(probe)) {
    return [invalid(path, probe, 'must be an object')];
  }
  const out = validateHandler(probe, path, PROBE_HANDLERS);
  for (const f of [
    'initialDelaySeconds',
    'timeoutSeconds',
    'periodSeconds',
    'successThreshold',
    'failureThreshold',
  ]) {
    out.push(...nonNegative(child(path, f), probe[f]));
  }
  out.push(...positive(child(path, 'terminationGracePeriodSeconds'), probe.terminationGracePeriodSeconds));
  if (kind !== 'readinessProbe' && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
    out.push(invalid(child(path, 'successThreshold'), probe.successThreshold, 'must be 1'));
  }
  if (kind === 'readinessProbe' && probe.terminationGracePeriodSeconds !== undefined) {
    out.push(
      invalid(
        child(path, 'terminationGracePeriodSeconds'),
        probe.terminationGracePeriodSeconds,
        'must not be set for readinessProbes',
      ),
    );
  }
  return out;
}

function validatePorts(ports: unknown, path: string, ctx: ContainerContext): StatusCause[] {
  if (ports === undefined || ports === null) {
    return [];
  }
  if (!Array.isArray(ports)) {
    return [invalid(path, ports, 'must be a list')];
  }
  const out: StatusCause[] = [];
  const names = new Set<string>();
  ports.forEach((port: unknown, i) => {
    const p = index(path, i);
    if (!isObject(port)) {
      out.push(invalid(p, port, 'must be an object'));
      return;
    }
    if (port.name !== undefined && port.name !== '') {
      if (typeof port.name !== 'string') {
        out.push(invalid(child(p, 'name'), port.name, 'must be a string'));
      } else {
        out.push(...invalidEach(child(p, 'name'), port.name, ianaSvcNameErrors(port.name)));
        if (names.has(port.name)) {
          out.push(duplicate(child(p, 'name'), port.name));
        }
        names.add(port.name);
      }
    }
    if (port.containerPort === undefined || port.containerPort === null) {
      out.push(required(child(p, 'containerPort')));
    } else {
      out.push(
        ...invalidEach(child(p, 'containerPort'), port.containerPort, portNumberErrors(port.containerPort)),
      );
    }
    if (port.hostPort !== undefined && port.hostPort !== 0) {
      out.push(...invalidEach(child(p, 'hostPort'), port.hostPort, portNumberErrors(port.hostPort)));
      const hp = `${String(port.hostPort)}/${String(port.protocol ?? 'TCP')}`;
      if (ctx.hostPorts.has(hp)) {
        out.push(duplicate(child(p, 'hostPort'), hp));
      }
      ctx.hostPorts.add(hp);
    }
    out.push(...oneOf(child(p, 'protocol'), port.protocol, PROTOCOLS));
  });
  return out;
}

function validateEnv(env: unknown, path: string): StatusCause[] {
  if (env === undefined || env === null) {
    return [];
  }
  if (!Array.isArray(env)) {
    return [invalid(path, env, 'must be a list')];
  }
  const out: StatusCause[] = [];
  env.forEach((e: unknown, i) => {
    const p = index(path, i);
    if (!isObject(e)) {
      out.push(invalid(p, e, 'must be an object'));
      return;
    }
    if (typeof e.name !== 'string' || e.name === '') {
      out.push(required(child(p, 'name')));
    } else if (e.name.includes('=') || !/^[\x20-\x7e]+$/.test(e.name)) {
      out.push(
        invalid(
          child(p, 'name'),
          e.name,
          "a valid environment variable name must consist only of printable ASCII characters other than '='",
        ),
      );
    }
    if (e.valueFrom !== undefined && typeof e.value === 'string' && e.value !== '') {
      out.push(invalid(child(p, 'valueFrom'), '', 'may not be specified when `value` is not empty'));
    }
  });
  return out;
}

function validateResourceMap(m: unknown, path: string): StatusCause[] {
  if (m === undefined || m === null) {
    return [];
  }
  if (!isObject(m)) {
    return [invalid(path, m, 'must be a map of resource names to quantities')];
  }
  const out: StatusCause[] = [];
  for (const [name, q] of Object.entries(m)) {
    const p = key(path, name);
    out.push(...invalidEach(p, name, qualifiedNameErrors(name)));
    if (!isValidQuantity(q)) {
      out.push(invalid(p, q, QUANTITY_FORMAT_HINT));
    } else if (parseQuantity(q as string | number) < 0) {
      out.push(invalid(p, q, 'must be greater than or equal to 0'));
    }
  }
  return out;
}

/** Quantities valid and non-negative, and every request at most its limit. */
export function validateResources(res: unknown, path: string): StatusCause[] {
  if (res === undefined || res === null) {
    return [];
  }
  if (!isObject(res)) {
    return [invalid(path, res, 'must be an object')];
  }
  const out = [
    ...validateResourceMap(res.limits, child(path, 'limits')),
    ...validateResourceMap(res.requests, child(path, 'requests')),
  ];
  if (out.length > 0 || !isObject(res.limits) || !isObject(res.requests)) {
    return out;
  }
  for (const [name, req] of Object.entries(res.requests)) {
    const lim = res.limits[name];
    if (lim !== undefined && compareQuantities(req, lim) > 0) {
      out.push(
        invalid(
          key(child(path, 'requests'), name),
          req,
          `must be less than or equal to ${name} limit of ${String(lim)}`,
        ),
      );
    }
  }
  return out;
}

function validateVolumeMounts(mounts: unknown, path: string, ctx: ContainerContext): StatusCause[] {
  if (mounts === undefined || mounts === null) {
    return [];
  }
  if (!Array.isArray(mounts)) {
    return [invalid(path, mounts, 'must be a list')];
  }
  const out: StatusCause[] = [];
  const paths = new Set<string>();
  mounts.forEach((m: unknown, i) => {
    const p = index(path, i);
    if (!isObject(m)) {
      out.push(invalid(p, m, 'must be an object'));
      return;
    }
    if (typeof m.name !== 'string' || m.name === '') {
      out.push(required(child(p, 'name')));
    } else if (!ctx.volumes.has(m.name)) {
      out.push(notFound(child(p, 'name'), m.name));
    }
    if (typeof m.mountPath !== 'string' || m.mountPath === '') {
      out.push(required(child(p, 'mountPath')));
    } else {
      if (paths.has(m.mountPath)) {
        out.push(invalid(child(p, 'mountPath'), m.mountPath, 'must be unique'));
      }
      paths.add(m.mountPath);
    }
  });
  return out;
}

/** Checks one container. `init` marks init containers (sidecars are those with restartPolicy Always). */
export function validateContainer(
  c: unknown,
  path: string,
  ctx: ContainerContext,
  init: boolean,
): StatusCause[] {
  if (!isObject(c)) {
    return [invalid(path, c, 'must be an object')];
  }
  const out: StatusCause[] = [];
  if (typeof c.name !== 'string' || c.name === '') {
    out.push(required(child(path, 'name')));
  } else {
    out.push(...invalidEach(child(path, 'name'), c.name, dns1123LabelErrors(c.name)));
    if (ctx.names.has(c.name)) {
      out.push(duplicate(child(path, 'name'), c.name));
    }
    ctx.names.add(c.name);
  }
  if (typeof c.image !== 'string' || c.image.trim() === '') {
    out.push(required(child(path, 'image')));
  } else if (c.image !== c.image.trim()) {
    out.push(invalid(child(path, 'image'), c.image, 'must not have leading or trailing whitespace'));
  }
  out.push(...oneOf(child(path, 'imagePullPolicy'), c.imagePullPolicy, PULL_POLICIES));
  out.push(
    ...oneOf(child(path, 'terminationMessagePolicy'), c.terminationMessagePolicy, [
      'File',
      'FallbackToLogsOnError',
    ]),
  );
  const sidecar = init && c.restartPolicy === 'Always';
  if (c.restartPolicy !== undefined) {
    if (!init) {
      out.push(forbidden(child(path, 'restartPolicy'), 'may not be set for non-init containers'));
    } else {
      out.push(...oneOf(child(path, 'restartPolicy'), c.restartPolicy, ['Always']));
    }
  }
  out.push(...validatePorts(c.ports, child(path, 'ports'), ctx));
  out.push(...validateEnv(c.env, child(path, 'env')));
  out.push(...validateResources(c.resources, child(path, 'resources')));
  out.push(...validateVolumeMounts(c.volumeMounts, child(path, 'volumeMounts'), ctx));
  for (const kind of ['livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
    if (init && !sidecar && c[kind] !== undefined) {
      out.push(
        forbidden(child(path, kind), 'may not be set for init containers without restartPolicy=Always'),
      );
    } else {
      out.push(...validateProbe(c[kind], child(path, kind), kind));
    }
  }
  if (isObject(c.lifecycle)) {
    for (const hook of ['postStart', 'preStop']) {
      if (c.lifecycle[hook] !== undefined) {
        const h = c.lifecycle[hook];
        const hp = child(child(path, 'lifecycle'), hook);
        out.push(
          ...(isObject(h)
            ? validateHandler(h, hp, LIFECYCLE_HANDLERS)
            : [invalid(hp, h, 'must be an object')]),
        );
      }
    }
  }
  return out;
}
