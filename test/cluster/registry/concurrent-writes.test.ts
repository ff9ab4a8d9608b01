// Many writers of one object at once through the registry, over the SQLite store whose group
// commit makes every writer of one event-loop turn read the same revision: without the per-key
// queue all but one would fail their precondition, retry, and run out of retries.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { R } from '../../../src/client/resources.js';
import { Registry } from '../../../src/cluster/registry/index.js';
import { KeyedMutex } from '../../../src/cluster/registry/mutex.js';
import { SqliteStore } from '../../../src/cluster/store/sqlite.js';

let dir: string;
let store: SqliteStore;
let reg: Registry;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gantry-concurrent-'));
  store = SqliteStore.open(join(dir, 'state.db'));
  reg = new Registry({ store });
  await reg.bootstrap();
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('concurrent writes of one object', () => {
  it('applies 60 simultaneous merge patches of one ConfigMap, none lost or refused', async () => {
    await reg.create(R.configmaps, 'default', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'counter' },
      data: {},
    });
    const results = await Promise.allSettled(
      Array.from({ length: 60 }, (_, i) =>
        reg.patch(
          R.configmaps,
          'default',
          'counter',
          'application/merge-patch+json',
          JSON.stringify({ data: { [`k${i}`]: String(i) } }),
        ),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const cm = await reg.get(R.configmaps, 'default', 'counter');
    expect(Object.keys(cm.data ?? {})).toHaveLength(60);
  });

  it('deletes while patches are queued: later patches see the object gone (404), none hang', async () => {
    await reg.create(R.configmaps, 'default', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'gone' },
      data: {},
    });
    const patch = (i: number) =>
      reg.patch(
        R.configmaps,
        'default',
        'gone',
        'application/merge-patch+json',
        JSON.stringify({ data: { [`k${i}`]: 'v' } }),
      );
    const first = patch(0);
    const del = reg.delete(R.configmaps, 'default', 'gone');
    const later = patch(1);
    await expect(first).resolves.toBeDefined();
    await expect(del).resolves.toBeDefined();
    await expect(later).rejects.toMatchObject({ code: 404 });
  });
});

describe('KeyedMutex', () => {
  it('runs the tasks of one key in order and one at a time, other keys alongside', async () => {
    const m = new KeyedMutex();
    const log: string[] = [];
    let running = 0;
    let most = 0;
    const task = (key: string, i: number) =>
      m.run(key, async () => {
        running++;
        most = Math.max(most, running);
        log.push(`${key}${i}+`);
        await new Promise((r) => setTimeout(r, 2));
        log.push(`${key}${i}-`);
        running--;
        return i;
      });
    const out = await Promise.all([task('a', 1), task('a', 2), task('b', 1), task('a', 3)]);
    expect(out).toEqual([1, 2, 1, 3]);
    const a = log.filter((s) => s.startsWith('a'));
    expect(a).toEqual(['a1+', 'a1-', 'a2+', 'a2-', 'a3+', 'a3-']);
    expect(most).toBe(2); // b ran beside a
    expect(m.size).toBe(0); // nothing left behind
  });

  it('a failing task does not block the next one of its key', async () => {
    const m = new KeyedMutex();
    const failed = m.run('k', async () => {
      throw new Error('boom');
    });
    await expect(failed).rejects.toThrow('boom');
    await expect(m.run('k', async () => 'next')).resolves.toBe('next');
  });
});
