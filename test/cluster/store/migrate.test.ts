// `gantry store migrate`: SQLite → etcd (and back) through the library, then the whole path a
// user takes with the real CLI: a server on SQLite, migrate, a server on etcd serving the same objects.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KObject } from '../../../src/api/types.js';
import { R } from '../../../src/client/resources.js';
import { EtcdStore } from '../../../src/cluster/store/etcd.js';
import { migrateStore, openMigrationStore } from '../../../src/cluster/store/migrate.js';
import { SqliteStore } from '../../../src/cluster/store/sqlite.js';
import type { EnumerableStore, StoreEntry } from '../../../src/cluster/store/types.js';
import { startEtcd, type TestEtcd } from '../../helpers/etcd.js';
import { CLI, startGantry } from '../../helpers/gantry-process.js';
import { deployment } from './store-suite.js';

const exec = promisify(execFile);
let etcd: TestEtcd;
const dir = mkdtempSync(join(tmpdir(), 'gantry-migrate-'));
let n = 0;

beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  await etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function all(s: EnumerableStore): Promise<StoreEntry[]> {
  const out: StoreEntry[] = [];
  for await (const e of s.entries()) {
    out.push(e);
  }
  return out;
}

const strip = (e: StoreEntry) => {
  const { resourceVersion, ...metadata } = e.object.metadata;
  return { key: e.key, object: { ...e.object, metadata }, hadRv: resourceVersion !== undefined };
};

/** A sqlite store with 1,200 objects of several kinds, after updates and deletes. */
async function filledSqlite(): Promise<string> {
  const path = join(dir, `src-${++n}.db`);
  const s = SqliteStore.open(path);
  try {
    const writes: Promise<KObject>[] = [];
    for (let i = 0; i < 1000; i++) {
      writes.push(s.create(`/apps/deployments/ns${i % 7}/d${i}`, deployment(`ns${i % 7}`, `d${i}`, i)));
    }
    for (let i = 0; i < 200; i++) {
      writes.push(
        s.create(`/core/configmaps/ns1/cm${i}`, {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: `cm${i}`, namespace: 'ns1', uid: `u${i}`, annotations: { 'a/b': 'ü ✓' } },
          data: { text: `line\n${'x'.repeat(i)}` },
        }),
      );
    }
    await Promise.all(writes);
    await s.update('/apps/deployments/ns0/d0', deployment('ns0', 'd0', 42));
    await s.delete('/apps/deployments/ns1/d1');
    await s.create('/core/namespaces/ns1', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'ns1' },
    });
  } finally {
    await s.close();
  }
  return path;
}

describe('migrateStore', () => {
  it('copies sqlite → etcd without loss, refuses a non-empty destination, replaces it with force', async () => {
    const path = await filledSqlite();
    const from = await openMigrationStore(`sqlite:${path}`, 'source');
    const to = await EtcdStore.open(etcd.endpoints, { prefix: `/m${++n}`, compactIntervalMs: 0 });
    try {
      const lines: string[] = [];
      const report = await migrateStore(from, to, { log: (l) => lines.push(l) });
      expect(report.copied).toBe(1200);
      expect(report.cleared).toBe(0);
      const a = (await all(from)).map(strip);
      const b = (await all(to)).map(strip);
      expect(b).toEqual(a);
      expect(b.every((e) => e.hadRv)).toBe(true);
      expect((await to.get('/apps/deployments/ns0/d0'))?.spec.replicas).toBe(42);
      expect(await to.get('/apps/deployments/ns1/d1')).toBeUndefined();
      expect(lines.join('\n')).toMatch(/verified: 1200 keys/);

      await expect(migrateStore(from, to)).rejects.toThrow(/already holds 1200 objects.*--force/);
      await to.create('/core/configmaps/other/extra', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'extra' },
      });
      const again = await migrateStore(from, to, { force: true });
      expect(again).toMatchObject({ copied: 1200, cleared: 1201 });
      expect(await to.get('/core/configmaps/other/extra')).toBeUndefined();
      expect((await all(to)).map(strip)).toEqual(a);

      // and back: etcd → a new sqlite file
      const back = await openMigrationStore(`sqlite:${join(dir, `back-${n}.db`)}`, 'destination');
      try {
        await migrateStore(to, back);
        expect((await all(back)).map(strip)).toEqual(a);
      } finally {
        await back.close();
      }
    } finally {
      await from.close();
      await to.close();
    }
  });

  it('refuses a missing source file and unknown specs', async () => {
    await expect(openMigrationStore(`sqlite:${join(dir, 'nope.db')}`, 'source')).rejects.toThrow(
      /no such database file/,
    );
    expect(existsSync(join(dir, 'nope.db'))).toBe(false);
    await expect(openMigrationStore('memory', 'destination')).rejects.toThrow(
      /expected sqlite:PATH or etcd:/,
    );
  });
});

describe.skipIf(!existsSync(CLI))('gantry store migrate (real CLI and servers)', () => {
  it('moves a running installation from sqlite to etcd: the etcd server serves the same objects', async () => {
    const sqliteServer = await startGantry();
    const dataDir = sqliteServer.dataDir;
    let etcdServer: Awaited<ReturnType<typeof startGantry>> | undefined;
    try {
      const made: KObject[] = [];
      for (let i = 0; i < 5; i++) {
        made.push(
          await sqliteServer.client.create(R.configmaps, {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: `cm${i}`, namespace: 'default' },
            data: { i: String(i) },
          }),
        );
      }
      await sqliteServer.stop();
      const spec = `etcd:${etcd.endpoints[0]}`;
      const { stdout } = await exec(process.execPath, [
        CLI,
        'store',
        'migrate',
        '--from',
        `sqlite:${join(dataDir, 'gantry.db')}`,
        '--to',
        spec,
      ]);
      expect(stdout).toMatch(/migrated \d+ objects from sqlite:.* to etcd:/);
      expect(stdout).toMatch(/Revisions cannot be carried across stores/);
      const refused = await exec(process.execPath, [
        CLI,
        'store',
        'migrate',
        '--from',
        `sqlite:${join(dataDir, 'gantry.db')}`,
        '--to',
        spec,
      ]).catch((e: { stderr: string; code: number }) => e);
      expect((refused as { code: number }).code).toBe(1);
      expect((refused as { stderr: string }).stderr).toMatch(/already holds \d+ objects/);

      etcdServer = await startGantry({ dataDir, args: ['--store', spec] });
      const list = await etcdServer.client.list(R.configmaps, { namespace: 'default' });
      const byName = new Map(list.items.map((o) => [o.metadata.name, o]));
      for (const o of made) {
        const got = byName.get(o.metadata.name);
        expect(got?.metadata.uid).toBe(o.metadata.uid);
        expect(got?.data).toEqual(o.data);
        expect(got?.metadata.creationTimestamp).toBe(o.metadata.creationTimestamp);
      }
      // and it keeps working as a server on etcd
      const more = await etcdServer.client.create(R.configmaps, {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'after', namespace: 'default' },
      });
      expect(Number(more.metadata.resourceVersion)).toBeGreaterThan(0);
    } finally {
      await etcdServer?.stop();
      await sqliteServer.dispose();
    }
  });
});
