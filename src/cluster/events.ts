// Kubernetes Events: what controllers (and later sync, rollouts, the agent) tell users
// through `kubectl get events` / `kubectl describe`. Repeats of the same event bump `count`;
// more than AGGREGATE_AFTER different messages of one reason about one object within
// AGGREGATE_WINDOW_MS are folded into one "(combined from similar events)" event, so a chatty
// source (probe output, retries) cannot flood the store. The memory of recent events is bounded.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { type Clock, rfc3339, systemClock } from '../api/clock.js';
import { isApiError } from '../api/errors.js';
import type { KObject } from '../api/types.js';
import { R } from '../client/resources.js';
import type { Client } from '../client/types.js';

export type EventType = 'Normal' | 'Warning';

export interface EventOptions {
  /** The part of the object the event is about, e.g. `spec.containers{web}` (kubelet). */
  readonly fieldPath?: string;
}

export interface EventRecorder {
  event(obj: KObject, type: EventType, reason: string, message: string, opts?: EventOptions): void;
}

const MAX_RECENT = 4096;
const AGGREGATE_AFTER = 10;
const AGGREGATE_WINDOW_MS = 10 * 60_000;

export class ApiEventRecorder implements EventRecorder {
  private readonly recent = new Map<string, RecentEvent>();
  /** Distinct messages per object+reason within the window: key → message → first seen (ms). */
  private readonly similar = new Map<string, Map<string, number>>();

  constructor(
    private readonly client: Client,
    private readonly component: string,
    private readonly opts: { clock?: Clock; logger?: Logger; host?: string } = {},
  ) {}

  event(obj: KObject, type: EventType, reason: string, message: string, opts: EventOptions = {}): void {
    void this.emit(obj, type, reason, message, opts).catch((e) => {
      this.opts.logger?.debug({ err: (e as Error).message, reason }, 'event not recorded');
    });
  }

  /** Records the event and resolves once the API has it (for callers about to exit). */
  async emit(
    obj: KObject,
    type: EventType,
    reason: string,
    message: string,
    opts: EventOptions = {},
  ): Promise<void> {
    const at = (this.opts.clock ?? systemClock).now();
    const combined = this.aggregate(obj, type, reason, message, opts, at.getTime());
    return this.record(obj, type, reason, message, opts, at, combined);
  }

  /** Whether the message is folded into the object's combined event of this reason (a chatty source). */
  private aggregate(
    obj: KObject,
    type: EventType,
    reason: string,
    message: string,
    opts: EventOptions,
    nowMs: number,
  ): boolean {
    const key = `${obj.metadata.uid}/${opts.fieldPath ?? ''}/${type}/${reason}`;
    let seen = this.similar.get(key);
    if (!seen) {
      if (this.similar.size >= MAX_RECENT) {
        this.similar.clear();
      }
      seen = new Map();
      this.similar.set(key, seen);
    }
    for (const [m, t] of seen) {
      if (nowMs - t > AGGREGATE_WINDOW_MS) {
        seen.delete(m);
      }
    }
    if (!seen.has(message)) {
      if (seen.size >= AGGREGATE_AFTER) {
        return true;
      }
      seen.set(message, nowMs);
    }
    return false;
  }

  private record(
    obj: KObject,
    type: EventType,
    reason: string,
    message: string,
    opts: EventOptions,
    at: Date,
    combined: boolean,
  ): Promise<void> {
    const base = `${obj.metadata.uid}/${opts.fieldPath ?? ''}/${type}/${reason}`;
    const dedupe = combined ? `${base}//combined` : `${base}/${message}`;
    let entry = this.recent.get(dedupe);
    if (!entry) {
      if (this.recent.size >= MAX_RECENT) {
        this.recent.clear();
      }
      entry = {
        count: 0,
        sent: 0,
        chain: Promise.resolve(),
        namespace: obj.metadata.namespace || 'default',
        involvedObject: {
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          name: obj.metadata.name,
          namespace: obj.metadata.namespace,
          uid: obj.metadata.uid,
          resourceVersion: obj.metadata.resourceVersion,
          ...(opts.fieldPath ? { fieldPath: opts.fieldPath } : {}),
        },
        type,
        reason,
        message: '',
        at,
      };
      this.recent.set(dedupe, entry);
    }
    entry.count++;
    entry.at = at;
    entry.message = combined ? `(combined from similar events): ${message}` : message;
    // One write per Event at a time; repeats that arrive meanwhile fold into the next write's count.
    const e = entry;
    e.chain = e.chain.then(
      () => this.flush(e),
      () => this.flush(e),
    );
    return e.chain;
  }

  private async flush(e: RecentEvent): Promise<void> {
    if (e.sent === e.count) {
      return;
    }
    const now = rfc3339(e.at);
    const ns = e.namespace;
    if (e.name !== undefined) {
      const count = e.count;
      try {
        await this.client.patch(R.events, ns, e.name, 'merge', {
          count,
          lastTimestamp: now,
          message: e.message,
        });
        e.sent = count;
        return;
      } catch (err) {
        if (!isApiError(err, 404)) {
          throw err;
        }
        // deleted (TTL, namespace cleanup): a new Event counts only the repeats not yet sent
        e.name = undefined;
        e.count -= e.sent;
        e.sent = 0;
      }
    }
    const count = e.count;
    const name = `${String(e.involvedObject.name)}.${randomBytes(8).toString('hex')}`;
    await this.client.create(R.events, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: ns },
      involvedObject: e.involvedObject,
      reason: e.reason,
      message: e.message,
      type: e.type,
      count,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component: this.component, ...(this.opts.host ? { host: this.opts.host } : {}) },
      reportingComponent: this.component,
      reportingInstance: this.opts.host ?? '',
    });
    e.name = name;
    e.sent = count;
  }
}

/** What the recorder remembers of an Event it wrote: its name and how many repeats were sent. */
interface RecentEvent {
  name?: string;
  count: number;
  sent: number;
  chain: Promise<void>;
  readonly namespace: string;
  readonly involvedObject: Readonly<Record<string, unknown>>;
  readonly type: EventType;
  readonly reason: string;
  message: string;
  at: Date;
}

/** Keeps events in memory: for unit tests of controllers. */
export class MemoryEventRecorder implements EventRecorder {
  readonly events: { obj: KObject; type: EventType; reason: string; message: string; fieldPath?: string }[] =
    [];
  event(obj: KObject, type: EventType, reason: string, message: string, opts: EventOptions = {}): void {
    this.events.push({
      obj,
      type,
      reason,
      message,
      ...(opts.fieldPath ? { fieldPath: opts.fieldPath } : {}),
    });
  }
}
