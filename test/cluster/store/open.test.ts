import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../src/cluster/store/memory.js';
import { openStore, parseEtcdSpec } from '../../../src/cluster/store/open.js';
import { SqliteStore } from '../../../src/cluster/store/sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'gantry-open-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('openStore', () => {
  it('opens a memory store', async () => {
    const s = await openStore('memory');
    expect(s).toBeInstanceOf(MemoryStore);
    await s.close();
  });

  it('opens sqlite:PATH, resolving a relative path against the working directory', async () => {
    const file = join(dir, 'rel', 'x.db');
    const s = await openStore(`sqlite:${relative(process.cwd(), file)}`);
    try {
      expect(s).toBeInstanceOf(SqliteStore);
      await s.create('/core/configmaps/ns/a', {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'a' },
      });
    } finally {
      await s.close();
    }
    expect(existsSync(file)).toBe(true);
  });

  it('defaults to sqlite:<dataDir>/gantry.db', async () => {
    for (const spec of [undefined, '', '  ']) {
      const s = await openStore(spec, join(dir, 'data'));
      expect(s).toBeInstanceOf(SqliteStore);
      await s.close();
    }
    expect(existsSync(join(dir, 'data', 'gantry.db'))).toBe(true);
  });

  it('rejects unknown or incomplete specs, naming the accepted forms', async () => {
    await expect(openStore('postgres://x')).rejects.toThrow(
      /unknown store "postgres:.*": expected memory \| sqlite:PATH \| etcd:URL/,
    );
    await expect(openStore('sqlite:')).rejects.toThrow(/sqlite needs a file path/);
    await expect(openStore(undefined)).rejects.toThrow(/no data dir/);
    await expect(openStore('etcd:')).rejects.toThrow(/etcd needs at least one endpoint/);
    await expect(openStore('etcd:127.0.0.1:2379')).rejects.toThrow(/not an etcd endpoint URL/);
  });

  it('parses etcd:URL[,URL…] into endpoints', () => {
    expect(parseEtcdSpec('etcd:http://127.0.0.1:2379, http://127.0.0.1:2381')).toEqual([
      'http://127.0.0.1:2379',
      'http://127.0.0.1:2381',
    ]);
    expect(parseEtcdSpec('sqlite:x.db')).toBeUndefined();
  });
});
