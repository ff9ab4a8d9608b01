// Conformance suite every Store backend runs (memory, sqlite, later etcd): import storeSuite
// from a backend's test file and hand it a factory for empty stores. Backend-agnostic: the cases
// (store-suite-data.ts, store-suite-watch.ts) only talk to the Store interface.
import { afterEach, describe } from 'vitest';
import type { Store } from '../../../src/cluster/store/types.js';
import { dataCases } from './store-suite-data.js';
import { Recorder, type SuiteContext } from './store-suite-helpers.js';
import { watchCases } from './store-suite-watch.js';

export { deployment, Recorder } from './store-suite-helpers.js';

export interface StoreSuiteOptions {
  /**
   * An empty store that keeps only `historySize` events for resuming watches. Enables the
   * 'Gone' tests; without it they are skipped.
   */
  readonly newStoreWithHistory?: (historySize: number) => Promise<Store> | Store;
}

export function storeSuite(
  name: string,
  newStore: () => Promise<Store> | Store,
  opts: StoreSuiteOptions = {},
): void {
  describe(`Store conformance: ${name}`, () => {
    const open: Store[] = [];
    const ctx: SuiteContext = {
      async fresh(historySize?: number): Promise<Store> {
        const s = historySize === undefined ? await newStore() : await opts.newStoreWithHistory!(historySize);
        open.push(s);
        return s;
      },
      record(store: Store, prefix: string, from?: number): Recorder {
        const r = new Recorder();
        r.watch = store.watch(prefix, from, r.onEvent);
        return r;
      },
      hasHistoryLimit: opts.newStoreWithHistory !== undefined,
    };
    afterEach(async () => {
      for (const s of open.splice(0)) {
        await s.close();
      }
    });
    dataCases(ctx);
    watchCases(ctx);
  });
}
