// Work that runs only while this server leads: each gain of leadership starts it, each loss stops
// it, and starts and stops are serialized so a quick lose/regain never runs two copies at once.
import type { Logger } from 'pino';

/** Something started while leading and stopped when leadership is lost. */
export interface Stoppable {
  stop(): Promise<void>;
}

/**
 * Runs a set of starters on each gain of leadership and stops what they started on its loss.
 * Starts and stops are serialized, so a quick lose/regain never runs two copies at once.
 */
export class LeaderScope {
  private readonly starters: (() => Promise<Stoppable>)[] = [];
  private readonly active: Stoppable[] = [];
  private chain: Promise<void> = Promise.resolve();
  private signal: AbortSignal | undefined;

  constructor(private readonly logger?: Logger) {}

  /** Adds a starter; runs it at once when already leading. */
  add(start: () => Promise<Stoppable>): void {
    this.starters.push(start);
    const signal = this.signal;
    if (signal !== undefined && !signal.aborted) {
      this.enqueue(() => this.startOne(start, signal));
    }
  }

  /** Wire to LeaderElector's onStartedLeading. */
  readonly started = (signal: AbortSignal): void => {
    this.signal = signal;
    this.enqueue(async () => {
      for (const s of this.starters) {
        await this.startOne(s, signal);
      }
    });
    signal.addEventListener('abort', () => this.enqueue(() => this.stopAll()), { once: true });
  };

  /** Settles once every queued start and stop has run. */
  settled(): Promise<void> {
    return this.chain;
  }

  /** Stops everything started (on shutdown). */
  stop(): Promise<void> {
    this.signal = undefined;
    this.enqueue(() => this.stopAll());
    return this.chain;
  }

  private async startOne(start: () => Promise<Stoppable>, signal: AbortSignal): Promise<void> {
    if (signal.aborted) {
      return;
    }
    try {
      this.active.push(await start());
    } catch (e) {
      this.logger?.error({ err: (e as Error).message }, 'start leader task failed');
    }
  }

  private async stopAll(): Promise<void> {
    const all = this.active.splice(0);
    await Promise.all(
      all.map((s) =>
        s.stop().catch((e) => this.logger?.warn({ err: (e as Error).message }, 'stop leader task failed')),
      ),
    );
  }

  private enqueue(fn: () => Promise<void>): void {
    this.chain = this.chain.then(fn, fn);
  }
}
