// Moves an installation's objects from one store to another (`gantry store migrate`, typically
// SQLite → etcd): every key with its object, then a check that both hold the same keys and the
// same objects. Revisions cannot be carried over — each backend numbers its own writes — so every
// object gets a new resourceVersion; uid, timestamps and everything else are kept as they are.
// Run it with the servers stopped: clients (agents, informers) must list again afterwards.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { KObject } from '../../api/types.js';
import { EtcdStore } from './etcd.js';
import { parseEtcdSpec } from './open.js';
import { SqliteStore } from './sqlite.js';
import type { EnumerableStore, StoreEntry } from './types.js';

export interface MigrateOptions {
  /** Replace whatever the destination holds (deleted first); without it a non-empty destination is refused. */
  readonly force?: boolean;
  /** Writes in flight at once (default 32). */
  readonly concurrency?: number;
  /** Progress lines. */
  readonly log?: (line: string) => void;
}

export interface MigrateReport {
  /** Objects copied (= objects in the source). */
  readonly copied: number;
  /** Objects deleted from the destination first (--force). */
  readonly cleared: number;
  readonly sourceRevision: number;
  /** The destination's revision after the copy (revisions are renumbered). */
  readonly destinationRevision: number;
}

/** Opens one side of a migration: `sqlite:PATH` (the source must exist) or `etcd:URL[,URL…]`. */
export async function openMigrationStore(
  spec: string,
  role: 'source' | 'destination',
): Promise<EnumerableStore> {
  const s = spec.trim();
  if (s.startsWith('sqlite:')) {
    const path = s.slice('sqlite:'.length);
    if (path === '' || path === ':memory:') {
      throw new Error(`${role} "${spec}": sqlite needs a database file path`);
    }
    if (role === 'source' && !existsSync(resolve(path))) {
      throw new Error(`source "${spec}": no such database file`);
    }
    return SqliteStore.open(resolve(path));
  }
  const endpoints = parseEtcdSpec(s);
  if (endpoints !== undefined) {
    return EtcdStore.open(endpoints, { compactIntervalMs: 0 });
  }
  throw new Error(`${role} "${spec}": expected sqlite:PATH or etcd:URL[,URL…]`);
}

/** Runs fn over items with at most limit calls pending; rejects with the first failure. */
async function forEachLimited<T>(
  items: AsyncIterable<T>,
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<number> {
  const pending = new Set<Promise<void>>();
  let failure: unknown;
  let n = 0;
  for await (const item of items) {
    if (failure !== undefined) {
      break;
    }
    const p = fn(item).then(
      () => {
        pending.delete(p);
      },
      (err: unknown) => {
        pending.delete(p);
        failure ??= err;
      },
    );
    pending.add(p);
    n++;
    if (pending.size >= limit) {
      await Promise.race(pending);
    }
  }
  await Promise.all(pending);
  if (failure !== undefined) {
    throw failure;
  }
  return n;
}

function withoutRevision(o: KObject): KObject {
  const metadata: Record<string, unknown> = { ...o.metadata };
  delete metadata.resourceVersion;
  return { ...o, metadata } as KObject;
}

/** Keys whose objects differ between the two stores (at most max), in key order. */
async function differences(from: EnumerableStore, to: EnumerableStore, max = 10): Promise<string[]> {
  const a = from.entries()[Symbol.asyncIterator]();
  const b = to.entries()[Symbol.asyncIterator]();
  const out: string[] = [];
  let x = await a.next();
  let y = await b.next();
  while ((!x.done || !y.done) && out.length < max) {
    const ex: StoreEntry | undefined = x.done ? undefined : x.value;
    const ey: StoreEntry | undefined = y.done ? undefined : y.value;
    if (ey === undefined || (ex !== undefined && ex.key < ey.key)) {
      out.push(`${ex!.key}: missing in the destination`);
      x = await a.next();
    } else if (ex === undefined || ey.key < ex.key) {
      out.push(`${ey.key}: only in the destination`);
      y = await b.next();
    } else {
      if (!isDeepStrictEqual(withoutRevision(ex.object), withoutRevision(ey.object))) {
        out.push(`${ex.key}: contents differ`);
      }
      x = await a.next();
      y = await b.next();
    }
  }
  await a.return?.();
  await b.return?.();
  return out;
}

/** Copies every object of from into to, then verifies counts and contents; throws on any loss. */
export async function migrateStore(
  from: EnumerableStore,
  to: EnumerableStore,
  opts: MigrateOptions = {},
): Promise<MigrateReport> {
  const log = opts.log ?? (() => {});
  const limit = Math.max(1, opts.concurrency ?? 32);
  const existing = await to.count('');
  let cleared = 0;
  if (existing > 0) {
    if (!opts.force) {
      throw new Error(
        `the destination already holds ${existing} objects; refusing to mix installations (--force replaces them)`,
      );
    }
    const keys: string[] = [];
    for await (const e of to.entries()) {
      keys.push(e.key);
    }
    cleared = await forEachLimited(
      (async function* () {
        yield* keys;
      })(),
      limit,
      async (k) => {
        await to.delete(k);
      },
    );
    log(`deleted ${cleared} objects the destination held (--force)`);
  }
  const total = await from.count('');
  log(`copying ${total} objects (source at revision ${from.revision()})`);
  let done = 0;
  const copied = await forEachLimited(from.entries(), limit, async (e) => {
    try {
      await to.create(e.key, e.object);
    } catch (err) {
      throw new Error(`copy ${e.key}`, { cause: err });
    }
    done++;
    if (done % 1000 === 0) {
      log(`  ${done}/${total}`);
    }
  });
  const [nFrom, nTo] = [await from.count(''), await to.count('')];
  if (nFrom !== copied || nTo !== copied) {
    throw new Error(
      `verify: copied ${copied} objects, but the source holds ${nFrom} and the destination ${nTo}`,
    );
  }
  const diff = await differences(from, to);
  if (diff.length > 0) {
    throw new Error(`verify: the stores differ after copying:\n  ${diff.join('\n  ')}`);
  }
  log(`verified: ${copied} keys and objects identical in both stores (resourceVersions renumbered)`);
  return { copied, cleared, sourceRevision: from.revision(), destinationRevision: to.revision() };
}
