// A container's environment and argv, as Kubernetes computes them (pure):
//  - env: the image's env, overridden by the container's `envFrom` (in order, with prefixes) and
//    then `env` (valueFrom configMapKeyRef / secretKeyRef / fieldRef / resourceFieldRef);
//  - `$(VAR)` in env values refers to variables defined earlier in the container's list; in
//    command/args to the container's variables; `$$` escapes a `$`; unknown references stay as is;
//  - argv: `command` replaces the image's entrypoint (and drops its cmd), `args` replaces its cmd.
import { parseMilli, parseQuantity } from '../../api/quantity.js';
import type { Container, KObject, Pod } from '../../api/types.js';
import type { ImageConfig } from '../types.js';

/** The container cannot be configured from its pod (reason CreateContainerConfigError). */
export class ConfigError extends Error {
  readonly reason = 'CreateContainerConfigError';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The objects and node facts a container's env may refer to. */
export interface EnvContext {
  /** ConfigMaps / Secrets of the pod's namespace by name; null (or absent) = not found. */
  readonly configMaps: ReadonlyMap<string, KObject | null>;
  readonly secrets: ReadonlyMap<string, KObject | null>;
  readonly podIP?: string;
  readonly hostIP?: string;
  /** Node allocatable, the value of a `limits.*` resourceFieldRef without a limit. */
  readonly nodeAllocatable: { readonly cpuMilli: number; readonly memoryBytes: number };
}

/** Expands `$(NAME)` references with lookup; `$$` becomes `$`; unresolved references stay literal. */
export function expandVars(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      i++;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
      continue;
    }
    if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close > i + 2) {
        const name = input.slice(i + 2, close);
        const value = lookup(name);
        out += value ?? input.slice(i, close + 1);
        i = close + 1;
        continue;
      }
    }
    out += ch;
    i++;
  }
  return out;
}

/** The names of the ConfigMaps and Secrets a pod refers to (env, envFrom, volumes). */
export function referencedObjects(pod: Pod): { configMaps: Set<string>; secrets: Set<string> } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  const containers = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  for (const c of containers) {
    for (const e of c.envFrom ?? []) {
      if (e?.configMapRef?.name) {
        configMaps.add(e.configMapRef.name);
      }
      if (e?.secretRef?.name) {
        secrets.add(e.secretRef.name);
      }
    }
    for (const e of c.env ?? []) {
      const vf = e.valueFrom;
      if (vf?.configMapKeyRef?.name) {
        configMaps.add(vf.configMapKeyRef.name);
      }
      if (vf?.secretKeyRef?.name) {
        secrets.add(vf.secretKeyRef.name);
      }
    }
  }
  for (const v of pod.spec.volumes ?? []) {
    if (v?.configMap?.name) {
      configMaps.add(v.configMap.name);
    }
    if (v?.secret?.secretName) {
      secrets.add(v.secret.secretName);
    }
    for (const s of v?.projected?.sources ?? []) {
      if (s?.configMap?.name) {
        configMaps.add(s.configMap.name);
      }
      if (s?.secret?.name) {
        secrets.add(s.secret.name);
      }
    }
  }
  return { configMaps, secrets };
}

/** The value of `key` in a ConfigMap (data, then binaryData) or Secret (base64 data, stringData). */
export function objectValue(obj: KObject, key: string, kind: 'ConfigMap' | 'Secret'): string | undefined {
  if (kind === 'ConfigMap') {
    const d = obj.data?.[key];
    if (typeof d === 'string') {
      return d;
    }
    const b = obj.binaryData?.[key];
    return typeof b === 'string' ? Buffer.from(b, 'base64').toString('utf8') : undefined;
  }
  const d = obj.data?.[key];
  if (typeof d === 'string') {
    return Buffer.from(d, 'base64').toString('utf8');
  }
  const s = obj.stringData?.[key];
  return typeof s === 'string' ? s : undefined;
}

function lookupObject(ctx: EnvContext, kind: 'ConfigMap' | 'Secret', name: string): KObject | undefined {
  const map = kind === 'ConfigMap' ? ctx.configMaps : ctx.secrets;
  return map.get(name) ?? undefined;
}

function keyRef(
  ctx: EnvContext,
  kind: 'ConfigMap' | 'Secret',
  ref: any,
  envName: string,
): string | undefined {
  const name = String(ref?.name ?? '');
  const key = String(ref?.key ?? '');
  const optional = ref?.optional === true;
  const obj = lookupObject(ctx, kind, name);
  if (!obj) {
    if (optional) {
      return undefined;
    }
    throw new ConfigError(
      `${kind.toLowerCase() === 'configmap' ? 'configmap' : 'secret'} "${name}" not found`,
    );
  }
  const value = objectValue(obj, key, kind);
  if (value === undefined && !optional) {
    throw new ConfigError(
      `couldn't find key ${key} in ${kind} ${obj.metadata.namespace}/${name} (env ${envName})`,
    );
  }
  return value;
}

/** `metadata.labels['app']` → ['labels', 'app']. */
function bracketField(path: string, field: 'labels' | 'annotations'): string | undefined {
  const m = new RegExp(`^metadata\\.${field}\\['(.*)'\\]$`).exec(path);
  return m?.[1];
}

export function fieldRefValue(
  pod: Pod,
  fieldPath: string,
  ctx: Pick<EnvContext, 'podIP' | 'hostIP'>,
): string {
  const label = bracketField(fieldPath, 'labels');
  if (label !== undefined) {
    return pod.metadata.labels?.[label] ?? '';
  }
  const annotation = bracketField(fieldPath, 'annotations');
  if (annotation !== undefined) {
    return pod.metadata.annotations?.[annotation] ?? '';
  }
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'spec.nodeName':
      return pod.spec.nodeName ?? '';
    case 'spec.serviceAccountName':
      return String(pod.spec.serviceAccountName ?? 'default');
    case 'status.podIP':
    case 'status.podIPs':
      return ctx.podIP ?? '';
    case 'status.hostIP':
    case 'status.hostIPs':
      return ctx.hostIP ?? '';
    default:
      throw new ConfigError(`unsupported fieldRef ${fieldPath}`);
  }
}

export function resourceFieldValue(pod: Pod, container: Container, ref: any, ctx: EnvContext): string {
  const target =
    ref?.containerName && ref.containerName !== container.name
      ? [...(pod.spec.initContainers ?? []), ...pod.spec.containers].find((c) => c.name === ref.containerName)
      : container;
  if (!target) {
    throw new ConfigError(`resourceFieldRef: container ${ref.containerName} not found`);
  }
  const resource = String(ref?.resource ?? '');
  const [section, name] = resource.split('.', 2) as [string, string | undefined];
  if (
    (section !== 'limits' && section !== 'requests') ||
    (name !== 'cpu' && name !== 'memory' && name !== 'ephemeral-storage')
  ) {
    throw new ConfigError(`unsupported resourceFieldRef resource ${resource}`);
  }
  const divisor = ref?.divisor ?? '1';
  const q =
    target.resources?.[section]?.[name] ??
    (section === 'requests' ? target.resources?.limits?.[name] : undefined);
  if (name === 'cpu') {
    const milli = q === undefined ? (section === 'limits' ? ctx.nodeAllocatable.cpuMilli : 0) : parseMilli(q);
    return String(Math.ceil(milli / parseMilli(divisor)));
  }
  const bytes =
    q === undefined
      ? section === 'limits' && name === 'memory'
        ? ctx.nodeAllocatable.memoryBytes
        : 0
      : parseQuantity(q);
  return String(Math.ceil(bytes / parseQuantity(divisor)));
}

/** The container's own variables (envFrom, then env), in definition order; throws ConfigError. */
export function containerEnv(pod: Pod, container: Container, ctx: EnvContext): Map<string, string> {
  const vars = new Map<string, string>();
  for (const from of container.envFrom ?? []) {
    const kind = from?.configMapRef ? 'ConfigMap' : from?.secretRef ? 'Secret' : undefined;
    if (!kind) {
      continue;
    }
    const ref = kind === 'ConfigMap' ? from.configMapRef : from.secretRef;
    const obj = lookupObject(ctx, kind, String(ref.name ?? ''));
    if (!obj) {
      if (ref.optional === true) {
        continue;
      }
      throw new ConfigError(`${kind === 'ConfigMap' ? 'configmap' : 'secret'} "${ref.name}" not found`);
    }
    const keys = new Set([
      ...Object.keys(obj.data ?? {}),
      ...Object.keys(kind === 'ConfigMap' ? (obj.binaryData ?? {}) : (obj.stringData ?? {})),
    ]);
    for (const key of keys) {
      const name = `${from.prefix ?? ''}${key}`;
      // Kubernetes skips keys that are not valid variable names (any printable without '=').
      if (name === '' || name.includes('=') || [...name].some((ch) => ch < ' ' || ch === '\u007f')) {
        continue;
      }
      const v = objectValue(obj, key, kind);
      if (v !== undefined) {
        vars.set(name, v);
      }
    }
  }
  for (const e of container.env ?? []) {
    let value: string | undefined;
    const vf = e.valueFrom;
    if (vf?.configMapKeyRef) {
      value = keyRef(ctx, 'ConfigMap', vf.configMapKeyRef, e.name);
    } else if (vf?.secretKeyRef) {
      value = keyRef(ctx, 'Secret', vf.secretKeyRef, e.name);
    } else if (vf?.fieldRef) {
      value = fieldRefValue(pod, String(vf.fieldRef.fieldPath ?? ''), ctx);
    } else if (vf?.resourceFieldRef) {
      value = resourceFieldValue(pod, container, vf.resourceFieldRef, ctx);
    } else {
      value = expandVars(e.value ?? '', (n) => vars.get(n));
    }
    if (value !== undefined) {
      vars.set(e.name, value);
    }
  }
  return vars;
}

/** `KEY=value` list: the image's env overridden by the container's (image order first, then new names). */
export function mergeEnv(image: ImageConfig, vars: ReadonlyMap<string, string>): string[] {
  const merged = new Map<string, string>();
  for (const kv of image.env ?? []) {
    const i = kv.indexOf('=');
    if (i > 0) {
      merged.set(kv.slice(0, i), kv.slice(i + 1));
    }
  }
  for (const [k, v] of vars) {
    merged.set(k, v);
  }
  return [...merged].map(([k, v]) => `${k}=${v}`);
}

/** The argv: `command`/`args` over the image's entrypoint/cmd, with `$(VAR)` expanded from vars. */
export function buildArgs(
  container: Container,
  image: ImageConfig,
  vars: ReadonlyMap<string, string>,
): string[] {
  const expand = (s: string) => expandVars(s, (n) => vars.get(n));
  const command = container.command?.length ? container.command.map(expand) : undefined;
  const args = container.args?.length ? container.args.map(expand) : undefined;
  if (command) {
    return [...command, ...(args ?? [])];
  }
  return [...(image.entrypoint ?? []), ...(args ?? image.cmd ?? [])];
}
