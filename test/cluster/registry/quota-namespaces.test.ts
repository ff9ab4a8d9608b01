// Quota admission reads which namespaces hold quotas from a watch once it runs: a quota created
// (or deleted) right before a create must still be honoured, over the real SQLite store.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiError } from '../../../src/api/errors.js';
import { R } from '../../../src/client/resources.js';
import { Registry } from '../../../src/cluster/registry/index.js';
import { prefixFor } from '../../../src/cluster/registry/info.js';
import { QuotaNamespaces } from '../../../src/cluster/registry/quota-namespaces.js';
import { SqliteStore } from '../../../src/cluster/store/sqlite.js';

let dir: string;
let store: SqliteStore;
let reg: Registry;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gantry-quota-ns-'));
  store = SqliteStore.open(join(dir, 'state.db'));
  reg = new Registry({ store });
  await reg.bootstrap();
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const pod = (name: string) => ({ metadata: { name }, spec: { containers: [{ name: 'c', image: 'i:1' }] } });
const settle = () => new Promise((r) => setTimeout(r, 20));

describe('quota admission from the watched quota namespaces', () => {
  it('honours a quota created just before the create, and its deletion', async () => {
    await reg.create(R.pods, 'default', pod('warm-up')); // starts the watch
    await settle();
    await reg.create(R.resourcequotas, 'default', { metadata: { name: 'q' }, spec: { hard: { pods: '1' } } });
    const err = await reg.create(R.pods, 'default', pod('over')).catch((e: unknown) => e);
    expect((err as ApiError).code).toBe(403);
    await reg.delete(R.resourcequotas, 'default', 'q');
    await expect(reg.create(R.pods, 'default', pod('free'))).resolves.toBeDefined();
  });

  it('knows nothing until its watch runs, then follows the store', async () => {
    const q = new QuotaNamespaces(store, prefixFor(R.resourcequotas));
    expect(q.has('default')).toBeUndefined();
    await settle();
    expect(q.has('default')).toBe(false);
    await reg.create(R.resourcequotas, 'default', { metadata: { name: 'q' }, spec: { hard: { pods: '5' } } });
    expect(q.has('default')).toBe(true);
    expect(q.has('other')).toBe(false);
    q.stop();
    expect(q.has('default')).toBeUndefined();
  });
});
