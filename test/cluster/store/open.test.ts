import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../src/cluster/store/memory.js';
import { openStore } from '../../../src/cluster/store/open.js';
import { SqliteStore } from '../../../src/cluster/store/sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'gantry-open-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('openStore', () => {
  it('opens a memory store', async () => {
    const s = openStore('memory');
    expect(s).toBeInstanceOf(MemoryStore);
    await s.close();
  });

  it('opens sqlite:PATH, resolving a relative path against the working directory', async () => {
    const file = join(dir, 'rel', 'x.db');
    const s = openStore(`sqlite:${relative(process.cwd(), file)}`);
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
      const s = openStore(spec, join(dir, 'data'));
      expect(s).toBeInstanceOf(SqliteStore);
      await s.close();
    }
    expect(existsSync(join(dir, 'data', 'gantry.db'))).toBe(true);
  });

  it('rejects unknown or incomplete specs, naming the accepted forms', () => {
    expect(() => openStore('etcd:http://127.0.0.1:2379')).toThrow(
      /unknown store "etcd:.*": expected memory \| sqlite:PATH/,
    );
    expect(() => openStore('postgres://x')).toThrow(/expected memory \| sqlite:PATH/);
    expect(() => openStore('sqlite:')).toThrow(/sqlite needs a file path/);
    expect(() => openStore(undefined)).toThrow(/no data dir/);
  });
});
