// A tiny async mutex: admission steps that check-then-write (quota, IP allocation) run one at a time.
export class Mutex {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => {
      release = r;
    });
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

/**
 * Runs the tasks of one key one after another, in arrival order; different keys run at once.
 * The registry's read-modify-write updates of one object go through it: with a store that
 * commits in groups, concurrent writers of one key would all read the same revision and all but
 * one fail their precondition and retry (a storm that can exhaust the retries).
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key);
    let release!: () => void;
    const mine = new Promise<void>((r) => {
      release = r;
    });
    this.tails.set(key, mine);
    if (prev !== undefined) {
      await prev;
    }
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === mine) {
        this.tails.delete(key);
      }
    }
  }

  /** Keys with a task running or waiting (for tests). */
  get size(): number {
    return this.tails.size;
  }
}
