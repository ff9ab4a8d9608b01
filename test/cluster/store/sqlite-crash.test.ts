// Durability: a child process writes through SqliteStore (compiled to dist/) and prints each
// acknowledged key; we kill -9 it mid-burst, reopen the file and check that every acknowledged
// write is there and nothing beyond the one write that may have been in flight.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../../src/cluster/store/sqlite.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const compiled = join(repo, 'dist/src/cluster/store/sqlite.js');

/** Compiles the store (and only what it imports) into dist/ when dist is missing or older than src. */
function ensureCompiled(): void {
  const sources = [
    ...readdirSync(join(repo, 'src/cluster/store')).map((f) => join(repo, 'src/cluster/store', f)),
    join(repo, 'src/api/types.ts'),
  ].filter((f) => f.endsWith('.ts'));
  const newest = Math.max(...sources.map((f) => statSync(f).mtimeMs));
  if (existsSync(compiled) && statSync(compiled).mtimeMs >= newest) {
    return;
  }
  // Same compiler options as tsconfig.json, restricted to the store's import graph so that
  // unrelated files elsewhere in the tree cannot break this test.
  execFileSync(
    process.execPath,
    [
      join(repo, 'node_modules/typescript/bin/tsc'),
      ...['--outDir', 'dist', '--rootDir', '.', '--target', 'ES2022', '--module', 'NodeNext'],
      ...['--moduleResolution', 'NodeNext', '--strict', '--esModuleInterop', '--skipLibCheck'],
      ...['--sourceMap', '--types', 'node', '--verbatimModuleSyntax', 'src/cluster/store/sqlite.ts'],
    ],
    { cwd: repo, stdio: 'inherit' },
  );
}

const CHILD = `
import { writeSync } from 'node:fs';
const { SqliteStore } = await import(process.argv[2]);
const store = SqliteStore.open(process.argv[3]);
const pad = 'x'.repeat(1800);
for (let i = 0; ; i++) {
  await store.create('/apps/deployments/crash/d' + i, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd' + i, namespace: 'crash', labels: { app: 'crash' } },
    spec: { replicas: i, pad },
  });
  writeSync(1, i + '\\n');
}
`;

/** Runs the writer until it acknowledged `acks` writes, then SIGKILLs it; returns the acknowledged count. */
function writeThenKill(script: string, db: string, acks: number): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [script, pathToFileURL(compiled).href, db], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let killed = false;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
      if (!killed && out.split('\n').length - 1 >= acks) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') {
        reject(new Error(`writer exited on its own (code ${code}): ${err}`));
        return;
      }
      const lines = out.split('\n').slice(0, -1); // a trailing partial line is not an acknowledgement
      lines.forEach((l, i) => {
        if (l !== String(i)) {
          reject(new Error(`unexpected writer output line ${i}: ${l}`));
        }
      });
      resolvePromise(lines.length);
    });
  });
}

describe('SqliteStore survives kill -9', () => {
  let dir = '';
  beforeAll(() => {
    ensureCompiled();
    dir = mkdtempSync(join(tmpdir(), 'gantry-crash-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    [1, 120],
    [2, 257],
    [3, 401],
  ])('round %i: every acknowledged write is there after a kill mid-burst', async (round, target) => {
    const script = join(dir, 'writer.mjs');
    writeFileSync(script, CHILD);
    const db = join(dir, `crash-${round}.db`);
    const acked = await writeThenKill(script, db, target);
    expect(acked).toBeGreaterThanOrEqual(target);

    const raw = new Database(db);
    try {
      expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      raw.close();
    }

    const store = SqliteStore.open(db);
    try {
      const { items, revision } = await store.list('/apps/deployments/crash/');
      // Acknowledged: d0..d(acked-1). At most one more (in flight when killed) may have committed.
      expect(items.length).toBeGreaterThanOrEqual(acked);
      expect(items.length).toBeLessThanOrEqual(acked + 1);
      for (let i = 0; i < acked; i++) {
        const got = await store.get(`/apps/deployments/crash/d${i}`);
        expect(got?.spec.replicas).toBe(i);
        expect(got?.metadata.resourceVersion).toBe(String(i + 1));
      }
      const names = new Set(items.map((o) => o.metadata.name));
      for (const name of names) {
        expect(Number(name!.slice(1))).toBeLessThanOrEqual(acked);
      }
      // Only creates happened: the revision is the number of stored objects, and continues from there.
      expect(revision).toBe(items.length);
      const next = await store.create('/apps/deployments/crash/after', {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'after', namespace: 'crash' },
      });
      expect(next.metadata.resourceVersion).toBe(String(revision + 1));
    } finally {
      await store.close();
    }
  });
});
