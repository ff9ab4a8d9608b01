// Follows one Application through a watch (as `kubectl get application -w` would) and records each
// distinct state it passes through with the time it was seen: sync status and revision, the
// operation's phase ("Syncing" while Running) and the health. Tests wait on predicates over it;
// benchmarks read the timestamps.
import type { KObject } from '../../src/api/types.js';
import { R } from '../../src/client/resources.js';
import type { Client, WatchHandle } from '../../src/client/types.js';

export const APPS_NAMESPACE = 'gantry';

export interface AppState {
  /** performance.now() when the watch event arrived. */
  readonly at: number;
  readonly sync?: string;
  readonly revision?: string;
  /** operationState.phase (Running = syncing). */
  readonly phase?: string;
  readonly opRevision?: string;
  readonly health?: string;
  readonly conditions: readonly string[];
  readonly app: KObject;
}

export function stateOf(app: KObject, at: number): AppState {
  const s = app.status ?? {};
  return {
    at,
    sync: s.sync?.status,
    revision: s.sync?.revision,
    phase: s.operationState?.phase,
    opRevision: s.operationState?.syncResult?.revision,
    health: s.health?.status,
    conditions: (s.conditions ?? []).map((c: { type: string; message: string }) => `${c.type}: ${c.message}`),
    app,
  };
}

/** `OutOfSync/Running/Progressing@abc1234` — for failure messages. */
export function describeState(s: AppState): string {
  const rev = s.revision ? `@${s.revision.slice(0, 7)}` : '';
  const op = s.phase ? `${s.phase}${s.opRevision ? `(${s.opRevision.slice(0, 7)})` : ''}` : '-';
  return `${s.sync ?? '-'}/${op}/${s.health ?? '-'}${rev}`;
}

const key = (s: AppState) => `${s.sync}|${s.revision}|${s.phase}|${s.opRevision}|${s.health}`;

interface Waiter {
  readonly pred: (s: AppState) => boolean;
  readonly from: number;
  readonly resolve: (s: AppState) => void;
}

export class AppTimeline {
  readonly states: AppState[] = [];
  private handle?: WatchHandle;
  private stopped = false;
  private waiters = new Set<Waiter>();
  private lastRv?: string;

  private constructor(
    private readonly client: Client,
    readonly name: string,
  ) {}

  static async start(client: Client, name: string): Promise<AppTimeline> {
    const t = new AppTimeline(client, name);
    await t.connect();
    return t;
  }

  /** The latest state seen. */
  get current(): AppState | undefined {
    return this.states.at(-1);
  }

  /** A mark to pass to waitFor/since: only states recorded after it count. */
  mark(): number {
    return this.states.length;
  }

  since(mark: number): AppState[] {
    return this.states.slice(mark);
  }

  /** The first state at or after `mark` satisfying pred (already recorded, or the next one to come). */
  waitFor(pred: (s: AppState) => boolean, what: string, timeoutMs: number, mark = 0): Promise<AppState> {
    const seen = this.states.slice(mark).find(pred);
    if (seen) {
      return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        pred,
        from: mark,
        resolve: (s) => {
          clearTimeout(timer);
          resolve(s);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(w);
        const trail = this.states.slice(mark).map(describeState).join(' → ');
        const cur = this.current;
        reject(
          new Error(
            `${this.name}: timed out after ${timeoutMs} ms waiting for ${what}; seen: ${trail || '(nothing)'}` +
              (cur && cur.conditions.length > 0 ? `; conditions: ${cur.conditions.join('; ')}` : ''),
          ),
        );
      }, timeoutMs);
      this.waiters.add(w);
    });
  }

  stop(): void {
    this.stopped = true;
    this.handle?.stop();
  }

  private record(app: KObject): void {
    this.lastRv = app.metadata.resourceVersion ?? this.lastRv;
    const s = stateOf(app, performance.now());
    const prev = this.current;
    if (prev && key(prev) === key(s)) {
      return;
    }
    this.states.push(s);
    const index = this.states.length - 1;
    for (const w of [...this.waiters]) {
      if (index >= w.from && w.pred(s)) {
        this.waiters.delete(w);
        w.resolve(s);
      }
    }
  }

  private async connect(): Promise<void> {
    if (this.lastRv === undefined) {
      const app = await this.client.get(R.applications, APPS_NAMESPACE, this.name);
      this.record(app);
    }
    this.handle = await this.client.watch(
      R.applications,
      {
        namespace: APPS_NAMESPACE,
        fieldSelector: `metadata.name=${this.name}`,
        resourceVersion: this.lastRv,
      },
      (ev) => {
        if (ev.type === 'ADDED' || ev.type === 'MODIFIED') {
          this.record(ev.object);
        }
      },
    );
    void this.handle.done.then(async (err) => {
      if (this.stopped) {
        return;
      }
      if (err) {
        // e.g. 410 Gone: start over from a fresh read
        this.lastRv = undefined;
      }
      await new Promise((r) => setTimeout(r, 100));
      if (!this.stopped) {
        await this.connect().catch(() => undefined);
      }
    });
  }
}
