// The four ways the API benchmark creates ConfigMaps, each behind one small interface so they can
// be run in interleaved blocks (the same machine conditions for each, on a shared machine):
// raw better-sqlite3 INSERTs (the ceiling a durable store can reach), the production SqliteStore,
// the production Registry (admission) over a SqliteStore, and the HTTP API of a real server.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { storeKey } from '../../src/api/keys.js';
import { resourceByPlural } from '../../src/api/resources.js';
import type { HttpClient } from '../../src/client/http.js';
import { Registry } from '../../src/cluster/registry/index.js';
import { SqliteStore } from '../../src/cluster/store/sqlite.js';
import { benchConfigMap, configMapName } from './configmap-payload.js';
import { runPool } from './stats.js';

export const CONFIGMAPS = resourceByPlural('', 'configmaps')!;
const NAMESPACES = resourceByPlural('', 'namespaces')!;

export interface CreatePath {
  readonly name: string;
  /** Creates objects from … to-1 of the benchmark namespace; resolves with per-op latencies (ms) when measured. */
  run(from: number, to: number): Promise<readonly number[] | undefined>;
  /** Untimed creates of `count` objects that leave the measured namespace alone. */
  warmup(count: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * INSERTs of the same JSON payloads into a table shaped like the store's, with the store's
 * pragmas (WAL, synchronous=FULL) and one IMMEDIATE transaction per insert, into a fresh file.
 * The JSON text is made before the clock starts: this is the database alone.
 */
export function rawInsertPath(dir: string, namespace: string): CreatePath {
  const db = new Database(join(dir, 'raw-insert.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE objects (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL, rv INTEGER NOT NULL)');
  const insert = db.prepare<[string, string, number]>(
    'INSERT INTO objects (key, value, rv) VALUES (?, ?, ?)',
  );
  const tx = db.transaction((key: string, value: string, rv: number) => {
    insert.run(key, value, rv);
  });
  let rv = 0;
  const rows = (ns: string, from: number, to: number) =>
    Array.from({ length: to - from }, (_, k) => ({
      key: storeKey('', 'configmaps', ns, configMapName(from + k)),
      value: JSON.stringify(benchConfigMap(ns, from + k)),
    }));
  return {
    name: 'raw better-sqlite3 insert',
    async run(from, to) {
      for (const r of rows(namespace, from, to)) {
        tx.immediate(r.key, r.value, ++rv);
      }
      return undefined;
    },
    async warmup(count) {
      for (const r of rows(`${namespace}-warmup`, 0, count)) {
        tx.immediate(r.key, r.value, ++rv);
      }
    },
    async close() {
      if (db.open) {
        db.close();
      }
    },
  };
}

/** SqliteStore.create, one awaited call after the other (the store is synchronous inside). */
export function storeCreatePath(dir: string, namespace: string): CreatePath {
  const store = SqliteStore.open(join(dir, 'store-create.db'));
  const create = async (ns: string, from: number, to: number) => {
    for (let i = from; i < to; i++) {
      await store.create(storeKey('', 'configmaps', ns, configMapName(i)), benchConfigMap(ns, i));
    }
  };
  return {
    name: 'SqliteStore.create',
    async run(from, to) {
      await create(namespace, from, to);
      return undefined;
    },
    warmup: (count) => create(`${namespace}-warmup`, 0, count),
    close: () => store.close(),
  };
}

/**
 * Registry.create (decode checks, schema validation, defaulting, validation, namespace and
 * quota reads, store) over a fresh SqliteStore with `concurrency` in flight: the API server's
 * work minus HTTP, TLS and JSON on the wire.
 */
export async function registryCreatePath(
  dir: string,
  namespace: string,
  concurrency: number,
): Promise<CreatePath> {
  const store = SqliteStore.open(join(dir, 'registry-create.db'));
  const registry = new Registry({ store });
  await registry.bootstrap();
  for (const name of [namespace, `${namespace}-warmup`]) {
    await registry.create(NAMESPACES, undefined, { metadata: { name } });
  }
  const create = (ns: string, from: number, to: number) =>
    runPool(to - from, concurrency, (k) => registry.create(CONFIGMAPS, ns, benchConfigMap(ns, from + k)));
  return {
    name: 'Registry.create',
    async run(from, to) {
      return (await create(namespace, from, to)).samples;
    },
    async warmup(count) {
      await create(`${namespace}-warmup`, 0, count);
    },
    close: () => store.close(),
  };
}

/** POSTs through the production HttpClient; the warm-up uses dry-run creates (nothing stored). */
export function apiCreatePath(client: HttpClient, namespace: string, concurrency: number): CreatePath {
  return {
    name: 'API create',
    async run(from, to) {
      const r = await runPool(to - from, concurrency, (k) =>
        client.create(CONFIGMAPS, benchConfigMap(namespace, from + k)),
      );
      return r.samples;
    },
    async warmup(count) {
      await runPool(count, concurrency, (i) =>
        client.create(CONFIGMAPS, benchConfigMap(namespace, i), { dryRun: true }),
      );
    },
    async close() {},
  };
}
