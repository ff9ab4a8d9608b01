// Kubernetes Events: what controllers (and later sync, rollouts, the agent) tell users
// through `kubectl get events` / `kubectl describe`. Repeats of the same event bump `count`.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { type Clock, rfc3339, systemClock } from '../api/clock.js';
import { isApiError } from '../api/errors.js';
import type { KObject } from '../api/types.js';
import { R } from '../client/resources.js';
import type { Client } from '../client/types.js';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  event(obj: KObject, type: EventType, reason: string, message: string): void;
}

export class ApiEventRecorder implements EventRecorder {
  private readonly recent = new Map<string, { name: string; count: number }>();

  constructor(
    private readonly client: Client,
    private readonly component: string,
    private readonly opts: { clock?: Clock; logger?: Logger; host?: string } = {},
  ) {}

  event(obj: KObject, type: EventType, reason: string, message: string): void {
    void this.record(obj, type, reason, message).catch((e) => {
      this.opts.logger?.debug({ err: (e as Error).message, reason }, 'event not recorded');
    });
  }

  private async record(obj: KObject, type: EventType, reason: string, message: string): Promise<void> {
    const ns = obj.metadata.namespace || 'default';
    const now = rfc3339((this.opts.clock ?? systemClock).now());
    const dedupe = `${obj.metadata.uid}/${type}/${reason}/${message}`;
    const prev = this.recent.get(dedupe);
    if (prev) {
      prev.count++;
      try {
        await this.client.patch(R.events, ns, prev.name, 'merge', { count: prev.count, lastTimestamp: now });
        return;
      } catch (e) {
        if (!isApiError(e, 404)) {
          throw e;
        }
        this.recent.delete(dedupe);
      }
    }
    const name = `${obj.metadata.name}.${randomBytes(8).toString('hex')}`;
    await this.client.create(R.events, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: ns },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: this.component, ...(this.opts.host ? { host: this.opts.host } : {}) },
      reportingComponent: this.component,
      reportingInstance: this.opts.host ?? '',
    });
    if (this.recent.size > 4096) {
      this.recent.clear();
    }
    this.recent.set(dedupe, { name, count: 1 });
  }
}

/** Keeps events in memory: for unit tests of controllers. */
export class MemoryEventRecorder implements EventRecorder {
  readonly events: { obj: KObject; type: EventType; reason: string; message: string }[] = [];
  event(obj: KObject, type: EventType, reason: string, message: string): void {
    this.events.push({ obj, type, reason, message });
  }
}
