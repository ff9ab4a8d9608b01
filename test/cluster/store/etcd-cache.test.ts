// EtcdStore.getForUpdate answers from the state its watch has seen (one etcd round trip less per
// read-modify-write). Two stores on one key namespace stand for two API servers: what one writes
// the other's registry must never lose, even when it read a stale cached state first.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KObject } from '../../../src/api/types.js';
import { R } from '../../../src/client/resources.js';
import { Registry } from '../../../src/cluster/registry/index.js';
import { EtcdStore } from '../../../src/cluster/store/etcd.js';
import { startEtcd, type TestEtcd } from '../../helpers/etcd.js';

let etcd: TestEtcd;
const opened: EtcdStore[] = [];

beforeAll(async () => {
  etcd = await startEtcd();
});
afterAll(async () => {
  for (const s of opened.splice(0)) {
    await s.close();
  }
  await etcd?.stop();
});

async function pair(prefix: string): Promise<[EtcdStore, EtcdStore]> {
  const a = await EtcdStore.open(etcd.endpoints, { prefix, compactIntervalMs: 0 });
  const b = await EtcdStore.open(etcd.endpoints, { prefix, compactIntervalMs: 0 });
  opened.push(a, b);
  return [a, b];
}

function configMap(name: string): KObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: {} };
}

async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) {
      return;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not reached in 2 s');
}

describe('EtcdStore.getForUpdate', () => {
  it("follows the other server's writes and deletes through the watch", async () => {
    const [a, b] = await pair('/cache1');
    const key = '/core/configmaps/default/x';
    expect(await b.getForUpdate(key)).toBeUndefined();
    const created = await a.create(key, configMap('x'));
    const first = await b.getForUpdate(key); // a miss: read from etcd
    expect(first?.metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    first!.data = { changed: 'by the caller' }; // a fresh copy: the cache is not affected
    const updated = await a.update(key, { ...configMap('x'), data: { v: '2' } });
    await eventually(
      async () => (await b.getForUpdate(key))?.metadata.resourceVersion === updated.metadata.resourceVersion,
    );
    expect((await b.getForUpdate(key))?.data).toEqual({ v: '2' });
    await a.delete(key);
    await eventually(async () => (await b.getForUpdate(key)) === undefined);
  });

  it('a registry whose cached read is stale retries from etcd: no write of the other server is lost', async () => {
    const [a, b] = await pair('/cache2');
    const regA = new Registry({ store: a });
    const regB = new Registry({ store: b });
    await regA.bootstrap();
    await regA.create(R.configmaps, 'default', configMap('shared'));
    for (let i = 0; i < 20; i++) {
      await regA.patch(
        R.configmaps,
        'default',
        'shared',
        'application/merge-patch+json',
        JSON.stringify({ data: { a: String(i) } }),
      );
      // B has likely not seen A's write yet: its first read may be stale
      const out = await regB.patch(
        R.configmaps,
        'default',
        'shared',
        'application/merge-patch+json',
        JSON.stringify({ data: { b: String(i) } }),
      );
      expect(out.data).toEqual({ a: String(i), b: String(i) });
    }
    const final = await regA.get(R.configmaps, 'default', 'shared');
    expect(final.data).toEqual({ a: '19', b: '19' });
  });
});
