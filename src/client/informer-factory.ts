// One informer per resource, shared by every controller in a process.
import type { ResourceInfo } from '../api/resources.js';
import { Informer, type InformerOptions } from './informer.js';
import type { Client } from './types.js';

export class InformerFactory {
  private readonly informers = new Map<string, Informer>();
  private started = false;

  constructor(
    readonly client: Client,
    private readonly opts: Pick<InformerOptions, 'resyncMs' | 'onError' | 'transform'> = {},
  ) {}

  for(res: ResourceInfo): Informer {
    const key = `${res.group}/${res.plural}`;
    let inf = this.informers.get(key);
    if (!inf) {
      inf = new Informer(this.client, res, this.opts);
      this.informers.set(key, inf);
      if (this.started) {
        void inf.start();
      }
    }
    return inf;
  }

  /** Starts every informer asked for so far (and later ones at once); resolves when all synced. */
  async start(): Promise<void> {
    this.started = true;
    await Promise.all([...this.informers.values()].map((i) => i.start()));
  }

  async waitForSync(): Promise<void> {
    await Promise.all([...this.informers.values()].map((i) => i.waitForSync()));
  }

  stop(): void {
    for (const i of this.informers.values()) {
      i.stop();
    }
  }
}
