// Turns a `--store` flag into a Store: `memory`, `sqlite:PATH`, or nothing (the default
// `sqlite:<dataDir>/gantry.db`). etcd joins here when its backend lands.
import { join, resolve } from 'node:path';
import { MemoryStore } from './memory.js';
import { SqliteStore } from './sqlite.js';
import type { Store } from './types.js';

export const STORE_SPEC_FORMS = 'memory | sqlite:PATH';

/** Opens the store named by spec; relative sqlite paths resolve against the working directory. */
export function openStore(spec?: string, dataDir?: string): Store {
  const s = spec?.trim() ?? '';
  if (s === '') {
    if (dataDir === undefined || dataDir === '') {
      throw new Error(
        `no store given and no data dir to put the default sqlite store in (use ${STORE_SPEC_FORMS})`,
      );
    }
    return SqliteStore.open(join(resolve(dataDir), 'gantry.db'));
  }
  if (s === 'memory') {
    return new MemoryStore();
  }
  if (s.startsWith('sqlite:')) {
    const path = s.slice('sqlite:'.length);
    if (path === '') {
      throw new Error(`store "${spec}": sqlite needs a file path (sqlite:PATH)`);
    }
    return SqliteStore.open(path === ':memory:' ? path : resolve(path));
  }
  throw new Error(`unknown store "${spec}": expected ${STORE_SPEC_FORMS}`);
}
