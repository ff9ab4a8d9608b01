// Follows the pods of one namespace through a watch and notes, on the bench's monotonic clock,
// when each was seen scheduled (spec.nodeName set), Running (status.phase) and deleted; the bench
// notes when it sent the create. "created → Running" is runningAt − sentAt. Pod names are
// expected to be unique within a run.
import type { Pod } from '../../src/api/types.js';
import { R } from '../../src/client/resources.js';
import type { Client, WatchHandle } from '../../src/client/types.js';
import { nowMs, sleep } from './stats.js';

export interface PodTimes {
  sentAt?: number;
  scheduledAt?: number;
  runningAt?: number;
  deletedAt?: number;
  uid?: string;
  podIP?: string;
  phase?: string;
  reason?: string;
}

export class PodTracker {
  private readonly pods = new Map<string, PodTimes>();
  private handle?: WatchHandle;

  constructor(
    private readonly client: Client,
    private readonly namespace: string,
  ) {}

  async start(): Promise<void> {
    this.handle = await this.client.watch(R.pods, { namespace: this.namespace }, (e) => {
      const at = nowMs();
      const pod = e.object as Pod;
      const name = pod.metadata.name;
      if (!name || (e.type !== 'ADDED' && e.type !== 'MODIFIED' && e.type !== 'DELETED')) {
        return;
      }
      const t = this.times(name);
      this.note(t, pod, e.type, at);
    });
  }

  private note(t: PodTimes, pod: Pod, type: string, at: number): void {
    t.uid ??= pod.metadata.uid;
    if (type === 'DELETED') {
      t.deletedAt ??= at;
      return;
    }
    if (pod.spec?.nodeName) {
      t.scheduledAt ??= at;
    }
    t.phase = pod.status?.phase;
    t.podIP = pod.status?.podIP ?? t.podIP;
    const waiting = pod.status?.containerStatuses?.find((c) => c.state?.waiting)?.state?.waiting;
    t.reason = waiting?.reason ?? pod.status?.reason;
    if (pod.status?.phase === 'Running') {
      t.runningAt ??= at;
    }
  }

  times(name: string): PodTimes {
    let t = this.pods.get(name);
    if (!t) {
      t = {};
      this.pods.set(name, t);
    }
    return t;
  }

  /** Marks the moment the create for `name` is sent (clears what an earlier pod of that name left). */
  sent(name: string): void {
    this.pods.set(name, { sentAt: nowMs() });
  }

  async waitRunning(names: readonly string[], timeoutMs: number): Promise<void> {
    await this.waitUntil(names, (t) => t.runningAt !== undefined, 'Running', timeoutMs);
  }

  async waitDeleted(names: readonly string[], timeoutMs: number): Promise<void> {
    await this.waitUntil(names, (t) => t.deletedAt !== undefined, 'deleted', timeoutMs);
  }

  private async waitUntil(
    names: readonly string[],
    done: (t: PodTimes) => boolean,
    what: string,
    timeoutMs: number,
  ): Promise<void> {
    const deadline = nowMs() + timeoutMs;
    for (;;) {
      const missing = names.filter((n) => !done(this.times(n)));
      if (missing.length === 0) {
        return;
      }
      if (nowMs() > deadline) {
        const sample = missing
          .slice(0, 5)
          .map(
            (n) =>
              `${n} (${this.times(n).phase ?? 'no status'}${this.times(n).reason ? `, ${this.times(n).reason}` : ''})`,
          );
        throw new Error(`${missing.length} pod(s) not ${what} after ${timeoutMs} ms: ${sample.join(', ')}`);
      }
      await sleep(2);
    }
  }

  stop(): void {
    this.handle?.stop();
  }
}
