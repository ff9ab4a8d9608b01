// Turns a `--store` flag into a Store: `memory`, `sqlite:PATH`, `etcd:URL[,URL…]`, or nothing
// (the default `sqlite:<dataDir>/gantry.db`). Async because an etcd store connects first.
import { join, resolve } from 'node:path';
import type { EtcdStoreOptions } from './etcd.js';
import { MemoryStore } from './memory.js';
import { SqliteStore } from './sqlite.js';
import type { Store } from './types.js';

export const STORE_SPEC_FORMS = 'memory | sqlite:PATH | etcd:URL[,URL…]';

/** The endpoints of an `etcd:URL[,URL…]` spec (undefined for other specs). */
export function parseEtcdSpec(spec: string): string[] | undefined {
  const s = spec.trim();
  if (!s.startsWith('etcd:')) {
    return undefined;
  }
  const urls = s
    .slice('etcd:'.length)
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  if (urls.length === 0) {
    throw new Error(`store "${spec}": etcd needs at least one endpoint (etcd:http://HOST:PORT[,…])`);
  }
  for (const u of urls) {
    if (!/^https?:\/\/[^/\s]+\/?$/.test(u)) {
      throw new Error(`store "${spec}": "${u}" is not an etcd endpoint URL (http://HOST:PORT)`);
    }
  }
  return urls;
}

/** Opens the store named by spec; relative sqlite paths resolve against the working directory. */
export async function openStore(spec?: string, dataDir?: string, etcd?: EtcdStoreOptions): Promise<Store> {
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
  const endpoints = parseEtcdSpec(s);
  if (endpoints !== undefined) {
    // loaded only for an etcd store: its gRPC client adds ~16 MB to every other server's RSS
    const { EtcdStore } = await import('./etcd.js');
    return EtcdStore.open(endpoints, etcd);
  }
  throw new Error(`unknown store "${spec}": expected ${STORE_SPEC_FORMS}`);
}
