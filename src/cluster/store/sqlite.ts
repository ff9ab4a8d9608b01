// The embedded, durable Store: one SQLite file (WAL, synchronous=FULL) through better-sqlite3.
// Each mutation bumps the revision kept in `meta` and writes or removes the object row, so an
// acknowledged write survives a crash of the process and a revision is never reused, also
// across restarts. Group commit: the mutations that arrive in one event-loop turn run in one
// IMMEDIATE transaction (each in its own savepoint, so one failing precondition affects only
// itself) and are acknowledged after its single fsync — better-sqlite3 is synchronous, so
// committing one write at a time would stall every other request for each fsync. Watch history lives in memory (WatchHub):
// after a reopen only watches from the current revision on can be served. One process owns a
// database file at a time.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { KObject } from '../../api/types.js';
import { alreadyExists, checkPrecondition, notFound, prefixUpperBound, stamp } from './mutation.js';
import type {
  EnumerableStore,
  ListRange,
  Precondition,
  StoreEntry,
  StoreError,
  StoreEvent,
  Watch,
} from './types.js';
import { type RawEvent, WatchHub, type WatchRoute } from './watch-hub.js';

export interface SqliteStoreOptions {
  /** Events kept in memory for resuming watches (default 4,096). */
  readonly historySize?: number;
  /** How long a statement waits for a lock held by another connection (default 5,000 ms). */
  readonly busyTimeoutMs?: number;
}

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS objects (
  key   TEXT    NOT NULL PRIMARY KEY,
  value TEXT    NOT NULL,
  rv    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
  id       INTEGER NOT NULL PRIMARY KEY CHECK (id = 0),
  revision INTEGER NOT NULL
);
INSERT OR IGNORE INTO meta (id, revision) SELECT 0, COALESCE(MAX(rv), 0) FROM objects;
UPDATE meta SET revision = (SELECT MAX(rv) FROM objects)
  WHERE revision < (SELECT COALESCE(MAX(rv), 0) FROM objects);
`;

interface Row {
  value: string;
  rv: number;
}

type Mutation<A extends unknown[]> = Database.Transaction<(...args: A) => RawEvent>;

function prepareStatements(db: Database.Database) {
  return {
    row: db.prepare<[string], Row>('SELECT value, rv FROM objects WHERE key = ?'),
    value: db.prepare<[string], string>('SELECT value FROM objects WHERE key = ?').pluck(),
    insert: db.prepare<[string, string, number]>('INSERT INTO objects (key, value, rv) VALUES (?, ?, ?)'),
    replace: db.prepare<[string, number, string]>('UPDATE objects SET value = ?, rv = ? WHERE key = ?'),
    remove: db.prepare<[string]>('DELETE FROM objects WHERE key = ?'),
    bump: db
      .prepare<[], number>('UPDATE meta SET revision = revision + 1 WHERE id = 0 RETURNING revision')
      .pluck(),
    revision: db.prepare<[], number>('SELECT revision FROM meta WHERE id = 0').pluck(),
    listRange: db
      .prepare<[string, string], string>('SELECT value FROM objects WHERE key >= ? AND key < ? ORDER BY key')
      .pluck(),
    listFrom: db.prepare<[string], string>('SELECT value FROM objects WHERE key >= ? ORDER BY key').pluck(),
    // paged: keys in [lo, hi) after a start key, at most N (hi '' = no upper bound)
    listPage: db
      .prepare<[string, string, string, string, number], string>(
        "SELECT value FROM objects WHERE key >= ? AND (? = '' OR key < ?) AND key > ? ORDER BY key LIMIT ?",
      )
      .pluck(),
    countRange: db
      .prepare<[string, string], number>('SELECT COUNT(*) FROM objects WHERE key >= ? AND key < ?')
      .pluck(),
    countFrom: db.prepare<[string], number>('SELECT COUNT(*) FROM objects WHERE key >= ?').pluck(),
  };
}

interface PendingWrite {
  readonly run: () => RawEvent;
  readonly resolve: (o: KObject) => void;
  readonly reject: (e: unknown) => void;
}

export class SqliteStore implements EnumerableStore {
  private rev: number;
  private pending: PendingWrite[] = [];
  private flushScheduled = false;
  private readonly batch: Database.Transaction<
    (ops: readonly PendingWrite[]) => (RawEvent | { error: unknown })[]
  >;
  private readonly hub: WatchHub;
  private readonly stmt: ReturnType<typeof prepareStatements>;
  private readonly tx: {
    create: Mutation<[string, KObject]>;
    update: Mutation<[string, KObject, Precondition | undefined]>;
    delete: Mutation<[string, Precondition | undefined]>;
  };

  /** Opens (creating if needed, with its directory) the database file at path. */
  static open(path: string, opts: SqliteStoreOptions = {}): SqliteStore {
    if (path !== ':memory:') {
      mkdirSync(dirname(path), { recursive: true });
    }
    const db = new Database(path);
    try {
      return new SqliteStore(db, opts);
    } catch (err) {
      db.close();
      throw new Error(`open sqlite store ${path}`, { cause: err });
    }
  }

  private constructor(
    private readonly db: Database.Database,
    opts: SqliteStoreOptions,
  ) {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(opts.busyTimeoutMs ?? 5000))}`);
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(
        `database schema version ${version} is newer than this build supports (${SCHEMA_VERSION})`,
      );
    }
    db.transaction(() => {
      db.exec(SCHEMA);
      db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }).immediate();

    this.stmt = prepareStatements(db);
    const s = this.stmt;

    this.tx = {
      create: db.transaction((key: string, obj: KObject): RawEvent => {
        if (s.value.get(key) !== undefined) {
          throw alreadyExists(key);
        }
        const revision = s.bump.get()!;
        const object = stamp(obj, revision);
        s.insert.run(key, object, revision);
        return { type: 'ADDED', key, revision, object };
      }),
      update: db.transaction((key: string, obj: KObject, pre: Precondition | undefined): RawEvent => {
        const prev = s.row.get(key);
        if (prev === undefined) {
          throw notFound(key);
        }
        checkPrecondition(key, prev.rv, prev.value, pre);
        const revision = s.bump.get()!;
        const object = stamp(obj, revision);
        s.replace.run(object, revision, key);
        return { type: 'MODIFIED', key, revision, object, prevObject: prev.value };
      }),
      delete: db.transaction((key: string, pre: Precondition | undefined): RawEvent => {
        const prev = s.row.get(key);
        if (prev === undefined) {
          throw notFound(key);
        }
        checkPrecondition(key, prev.rv, prev.value, pre);
        const revision = s.bump.get()!;
        s.remove.run(key);
        const object = stamp(JSON.parse(prev.value) as KObject, revision);
        return { type: 'DELETED', key, revision, object, prevObject: prev.value };
      }),
    };

    this.batch = db.transaction((ops: readonly PendingWrite[]) =>
      ops.map((op) => {
        try {
          return op.run();
        } catch (error) {
          return { error };
        }
      }),
    );

    this.rev = s.revision.get() ?? 0;
    this.hub = new WatchHub({ historySize: opts.historySize, initialRevision: this.rev });
  }

  revision(): number {
    return this.rev;
  }

  async get(key: string): Promise<KObject | undefined> {
    const value = this.stmt.value.get(key);
    return value === undefined ? undefined : (JSON.parse(value) as KObject);
  }

  async list(prefix: string, opts: ListRange = {}): Promise<{ items: KObject[]; revision: number }> {
    // Synchronous, and this process is the only writer: the rows and this.rev are one snapshot.
    const upper = prefixUpperBound(prefix);
    const values =
      opts.startAfter !== undefined || opts.limit !== undefined
        ? this.stmt.listPage.all(prefix, upper ?? '', upper ?? '', opts.startAfter ?? '', opts.limit ?? -1)
        : upper === undefined
          ? this.stmt.listFrom.all(prefix)
          : this.stmt.listRange.all(prefix, upper);
    return { items: values.map((v) => JSON.parse(v) as KObject), revision: this.rev };
  }

  async count(prefix: string): Promise<number> {
    const upper = prefixUpperBound(prefix);
    return (
      (upper === undefined ? this.stmt.countFrom.get(prefix) : this.stmt.countRange.get(prefix, upper)) ?? 0
    );
  }

  /** Every key under prefix with its object, in key order, read in pages (migration, backups). */
  async *entries(prefix = ''): AsyncIterable<StoreEntry> {
    const upper = prefixUpperBound(prefix) ?? '';
    const page = this.db.prepare<[string, string, string, string], { key: string; value: string }>(
      "SELECT key, value FROM objects WHERE key >= ? AND (? = '' OR key < ?) AND key > ? ORDER BY key LIMIT 500",
    );
    let after = '';
    for (;;) {
      const rows = page.all(prefix, upper, upper, after);
      for (const r of rows) {
        yield { key: r.key, object: JSON.parse(r.value) as KObject };
      }
      const last = rows.at(-1);
      if (last === undefined || rows.length < 500) {
        return;
      }
      after = last.key;
    }
  }

  create(key: string, obj: KObject): Promise<KObject> {
    const json = structuredClone(obj); // the caller may change obj before the batch commits
    return this.enqueue(() => this.tx.create(key, json));
  }

  update(key: string, obj: KObject, pre?: Precondition): Promise<KObject> {
    const json = structuredClone(obj);
    return this.enqueue(() => this.tx.update(key, json, pre));
  }

  delete(key: string, pre?: Precondition): Promise<KObject> {
    return this.enqueue(() => this.tx.delete(key, pre));
  }

  private enqueue(run: () => RawEvent): Promise<KObject> {
    if (!this.db.open) {
      return Promise.reject(new Error('sqlite store is closed'));
    }
    return new Promise((resolve, reject) => {
      this.pending.push({ run, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits every pending write in one transaction, then publishes and acknowledges in order. */
  private flush(): void {
    this.flushScheduled = false;
    const ops = this.pending;
    this.pending = [];
    if (ops.length === 0) {
      return;
    }
    let results: (RawEvent | { error: unknown })[];
    try {
      results = this.batch.immediate(ops);
    } catch (err) {
      for (const op of ops) {
        op.reject(err);
      }
      return;
    }
    ops.forEach((op, i) => {
      const r = results[i]!;
      if ('error' in r) {
        op.reject(r.error);
      } else {
        op.resolve(this.commit(r));
      }
    });
  }

  watch(
    prefix: string,
    fromRevision: number | undefined,
    onEvent: (e: StoreEvent) => void,
    _onEnd?: (err: StoreError) => void,
    route?: WatchRoute,
  ): Watch {
    return this.hub.watch(prefix, fromRevision, onEvent, route);
  }

  async close(): Promise<void> {
    this.flush();
    this.hub.close();
    if (this.db.open) {
      this.db.close();
    }
  }

  /** After a transaction committed: advance the revision, fan the event out, answer the caller. */
  private commit(e: RawEvent): KObject {
    this.rev = e.revision;
    this.hub.publish(e);
    return JSON.parse(e.object) as KObject;
  }
}
