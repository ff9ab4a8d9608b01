// The planners' scratch pad: each ReplicaSet's replicas and annotations as the plan wants them,
// starting from what was observed. At the end the differences become actions, at most one write
// per ReplicaSet per pass (so no action invalidates another's resourceVersion).
import type { KObject } from '../../api/types.js';
import type { RSView } from './replica-sets.js';

export type ReplicaSetAction =
  | { readonly kind: 'createRS'; readonly rs: KObject }
  | {
      readonly kind: 'scaleRS';
      readonly rs: KObject;
      readonly from: number;
      readonly to: number;
      /** Annotations to set (string) or remove (null) in the same write. */
      readonly annotations?: Readonly<Record<string, string | null>>;
      readonly minReadySeconds?: number;
    }
  | {
      readonly kind: 'annotateRS';
      readonly rs: KObject;
      readonly annotations: Readonly<Record<string, string | null>>;
      readonly minReadySeconds?: number;
    }
  | { readonly kind: 'deleteRS'; readonly rs: KObject };

interface Entry {
  readonly view: RSView | undefined;
  body: KObject | undefined;
  replicas: number;
  annotations: Record<string, string | null>;
  minReadySeconds?: number;
  deleted: boolean;
}

export class ReplicaSetWork {
  private readonly entries = new Map<string, Entry>();

  constructor(views: readonly RSView[]) {
    for (const v of views) {
      this.entries.set(v.name, {
        view: v,
        body: undefined,
        replicas: v.specReplicas,
        annotations: {},
        deleted: false,
      });
    }
  }

  replicas(name: string): number {
    return this.entries.get(name)?.replicas ?? 0;
  }

  /** The annotation as it will be after this pass. */
  annotation(name: string, key: string): string | undefined {
    const e = this.entries.get(name);
    if (!e) {
      return undefined;
    }
    if (key in e.annotations) {
      return e.annotations[key] ?? undefined;
    }
    return (e.body ?? e.view?.rs)?.metadata.annotations?.[key];
  }

  isCreated(name: string): boolean {
    return this.entries.get(name)?.body !== undefined;
  }

  create(body: KObject): void {
    const name = body.metadata.name ?? '';
    this.entries.set(name, {
      view: undefined,
      body,
      replicas: Number(body.spec?.replicas ?? 0),
      annotations: {},
      deleted: false,
    });
  }

  scale(name: string, replicas: number): void {
    const e = this.entries.get(name);
    if (e) {
      e.replicas = Math.max(0, replicas);
    }
  }

  annotate(name: string, annotations: Readonly<Record<string, string | null>>): void {
    const e = this.entries.get(name);
    if (!e) {
      return;
    }
    const current = (e.body ?? e.view?.rs)?.metadata.annotations ?? {};
    for (const [k, v] of Object.entries(annotations)) {
      if (v === null ? k in current : current[k] !== v) {
        e.annotations[k] = v;
      } else {
        delete e.annotations[k];
      }
    }
  }

  setMinReadySeconds(name: string, seconds: number): void {
    const e = this.entries.get(name);
    if (e?.view && Number(e.view.rs.spec?.minReadySeconds ?? 0) !== seconds) {
      e.minReadySeconds = seconds;
    }
  }

  delete(name: string): void {
    const e = this.entries.get(name);
    if (e) {
      e.deleted = true;
    }
  }

  /** The writes this pass needs: creates first, then updates, then deletes. */
  actions(): ReplicaSetAction[] {
    const creates: ReplicaSetAction[] = [];
    const updates: ReplicaSetAction[] = [];
    const deletes: ReplicaSetAction[] = [];
    for (const e of this.entries.values()) {
      if (e.body) {
        const annotations: Record<string, string> = { ...(e.body.metadata.annotations ?? {}) };
        for (const [k, v] of Object.entries(e.annotations)) {
          if (v === null) {
            delete annotations[k];
          } else {
            annotations[k] = v;
          }
        }
        creates.push({
          kind: 'createRS',
          rs: {
            ...e.body,
            metadata: { ...e.body.metadata, annotations },
            spec: { ...e.body.spec, replicas: e.replicas },
          },
        });
        continue;
      }
      const v = e.view;
      if (!v) {
        continue;
      }
      if (e.deleted) {
        deletes.push({ kind: 'deleteRS', rs: v.rs });
        continue;
      }
      const hasAnnotations = Object.keys(e.annotations).length > 0;
      const extra = {
        ...(hasAnnotations ? { annotations: { ...e.annotations } } : {}),
        ...(e.minReadySeconds !== undefined ? { minReadySeconds: e.minReadySeconds } : {}),
      };
      if (e.replicas !== v.specReplicas) {
        updates.push({ kind: 'scaleRS', rs: v.rs, from: v.specReplicas, to: e.replicas, ...extra });
      } else if (hasAnnotations || e.minReadySeconds !== undefined) {
        updates.push({ kind: 'annotateRS', rs: v.rs, annotations: { ...e.annotations }, ...extra });
      }
    }
    return [...creates, ...updates, ...deletes];
  }
}
