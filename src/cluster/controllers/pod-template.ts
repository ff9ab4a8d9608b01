// Pods from templates, and the stable template hash that names a revision
// (`controller-revision-hash`, as Kubernetes' DaemonSet and StatefulSet controllers label pods).
import type { KObject, OwnerReference, Pod, PodTemplateSpec } from '../../api/types.js';

export const REVISION_HASH_LABEL = 'controller-revision-hash';

/** JSON with object keys sorted, so equal values always give equal strings. */
export function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : x,
  );
}

function fnv32a(s: string): number {
  let h = 0x811c9dc5;
  const bytes = Buffer.from(s, 'utf8');
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

// The alphabet Kubernetes uses for generated suffixes: no vowels, no look-alike digits.
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

/** A short, label-safe, stable hash of a pod template (and an optional collision count). */
export function templateHash(template: unknown, collisionCount?: number): string {
  let n = fnv32a(stableJson(template) + (collisionCount ? `#${collisionCount}` : ''));
  let out = '';
  do {
    out = SAFE[n % SAFE.length] + out;
    n = Math.floor(n / SAFE.length);
  } while (n > 0);
  return out;
}

export interface PodFromTemplateOptions {
  readonly namespace: string;
  readonly owner: OwnerReference;
  readonly name?: string;
  readonly generateName?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  /** Extra spec fields to set over the template's (nodeName, hostname, subdomain, …). */
  readonly spec?: Readonly<Record<string, unknown>>;
}

/** A new pod body from a template: the template's metadata and spec, the owner's reference, extra labels. */
export function podFromTemplate(template: PodTemplateSpec | undefined, opts: PodFromTemplateOptions): Pod {
  const t = structuredClone(template ?? { spec: { containers: [] } });
  const meta = t.metadata ?? {};
  const labels = { ...(meta.labels ?? {}), ...(opts.labels ?? {}) };
  const annotations = { ...(meta.annotations ?? {}), ...(opts.annotations ?? {}) };
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      namespace: opts.namespace,
      labels,
      ownerReferences: [opts.owner],
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      ...(meta.finalizers ? { finalizers: [...meta.finalizers] } : {}),
    },
    spec: { ...t.spec, ...(opts.spec ?? {}) },
  };
  if (opts.name) {
    pod.metadata.name = opts.name;
  } else {
    pod.metadata.generateName = opts.generateName ?? `${opts.owner.name}-`;
  }
  return pod;
}

/** The spec.template of a workload object, typed. */
export function templateOf(obj: KObject): PodTemplateSpec | undefined {
  return obj.spec?.template as PodTemplateSpec | undefined;
}
