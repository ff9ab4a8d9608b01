import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../../src/cluster/store/sqlite.js';
import { StoreError } from '../../../src/cluster/store/types.js';
import { deployment, Recorder, storeSuite } from './store-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'gantry-sqlite-'));
let n = 0;
const nextPath = () => join(dir, `store-${++n}.db`);

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

storeSuite('sqlite', () => SqliteStore.open(nextPath()), {
  newStoreWithHistory: (historySize) => SqliteStore.open(nextPath(), { historySize }),
});

describe('SqliteStore on disk', () => {
  const key = (name: string) => `/apps/deployments/ns1/${name}`;

  it('keeps data and revision across a reopen, and never reuses a revision', async () => {
    const path = nextPath();
    const s1 = SqliteStore.open(path);
    await s1.create(key('a'), deployment('ns1', 'a', 1));
    await s1.create(key('b'), deployment('ns1', 'b', 2));
    await s1.update(key('a'), deployment('ns1', 'a', 3));
    const deleted = await s1.delete(key('b'));
    const rev = s1.revision();
    expect(Number(deleted.metadata.resourceVersion)).toBe(rev);
    const a = await s1.get(key('a'));
    await s1.close();

    const s2 = SqliteStore.open(path);
    try {
      // The newest write was a delete: the revision must still not go back to max(rv) of the rows.
      expect(s2.revision()).toBe(rev);
      expect(await s2.get(key('a'))).toEqual(a);
      expect(await s2.get(key('b'))).toBeUndefined();
      expect(await s2.list('/apps/deployments/')).toEqual({ items: [a], revision: rev });
      const c = await s2.create(key('c'), deployment('ns1', 'c'));
      expect(c.metadata.resourceVersion).toBe(String(rev + 1));
    } finally {
      await s2.close();
    }
  });

  it('after a reopen serves watches from the current revision and answers Gone for older ones', async () => {
    const path = nextPath();
    const s1 = SqliteStore.open(path);
    await s1.create(key('a'), deployment('ns1', 'a'));
    await s1.create(key('b'), deployment('ns1', 'b'));
    await s1.close();

    const s2 = SqliteStore.open(path);
    try {
      const rev = s2.revision();
      expect(() => s2.watch('/apps/', rev - 1, () => {})).toThrow(StoreError);
      const r = new Recorder();
      r.watch = s2.watch('/apps/', rev, r.onEvent);
      await s2.update(key('a'), deployment('ns1', 'a', 2));
      const [e] = await r.exactly(1);
      expect(e).toMatchObject({ type: 'MODIFIED', key: key('a'), revision: rev + 1 });
      expect(e!.prevObject?.metadata.resourceVersion).toBe('1');
    } finally {
      await s2.close();
    }
  });

  it('creates the parent directory of a new database file', async () => {
    const path = join(dir, 'nested', 'deeper', 'gantry.db');
    const s = SqliteStore.open(path);
    try {
      await s.create(key('a'), deployment('ns1', 'a'));
      expect(await s.count('/apps/')).toBe(1);
    } finally {
      await s.close();
    }
  });
});
